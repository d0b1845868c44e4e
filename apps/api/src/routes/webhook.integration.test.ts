import { createHmac } from "node:crypto";
import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { sql } from "drizzle-orm";
import { serve } from "@hono/node-server";
import { describe, expect, onTestFinished } from "vitest";

import { createDb, type Database } from "@lx/db/client";
import { NumberDirectory } from "@lx/db/number-directory";
import { dbTest as test, seedAgent, seedNumber, seedTenant } from "@lx/db/testing";
import { batch, inboundText, metaJsonStringify, newWamid, signPayload, statusUpdate } from "@lx/sandbox";

import { postChunked } from "../testing/chunked.ts";
import { buildTestApp } from "../testing/harness.ts";

const SECRET = "test-app-secret";
const FIXTURES = fileURLToPath(new URL("../../../../packages/sandbox/fixtures/meta/", import.meta.url));
const FIXTURE_NUMBER = "106000000000010";

async function post(app: ReturnType<typeof buildTestApp>["app"], raw: string, signature: string | null = signPayload(SECRET, raw)) {
  return await app.request("/api/webhooks/whatsapp", {
    method: "POST",
    headers: { "content-type": "application/json", ...(signature ? { "x-hub-signature-256": signature } : {}) },
    body: raw,
  });
}

const n = async (db: Database, q: ReturnType<typeof sql>) => (await db.execute<{ n: number }>(q))[0]?.n ?? 0;

async function tenantWithNumber(db: Database, phoneNumberId?: string) {
  const tenant = await seedTenant(db);
  const { agent } = await seedAgent(db, { tenantId: tenant.id });
  const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id, phoneNumberId });
  return { tenant, agent, number };
}

describe("Meta webhook", () => {
  test("GET handshake answers the challenge with the right token, 403 otherwise", async ({ db }) => {
    const { app } = buildTestApp(db);
    const ok = await app.request("/api/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=test-verify-token&hub.challenge=1158201444");
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("1158201444");
    // It echoes a query parameter: never sniffed into HTML (the webhook path has no other security headers).
    expect(ok.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(ok.headers.get("x-content-type-options")).toBe("nosniff");
    const bad = await app.request("/api/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1");
    expect(bad.status).toBe(403);
    const mode = await app.request("/api/webhooks/whatsapp?hub.mode=unsubscribe&hub.verify_token=test-verify-token&hub.challenge=1");
    expect(mode.status).toBe(403);
  });

  test("a missing or wrong signature is 401 and stores nothing; a body over 4 MiB is 413", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { number } = await tenantWithNumber(db);
    const raw = metaJsonStringify(inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511988887777", text: "oi" }));
    const before = await n(db, sql`select count(*)::int as n from webhook_events`);
    expect((await post(app, raw, null)).status).toBe(401);
    expect((await post(app, raw, "sha256=" + "0".repeat(64))).status).toBe(401);
    expect((await post(app, raw, signPayload("other-secret", raw))).status).toBe(401);
    expect((await post(app, raw, "sha1=abc")).status).toBe(401);
    expect(await n(db, sql`select count(*)::int as n from webhook_events`)).toBe(before);
    const big = `{"object":"whatsapp_business_account","entry":[],"pad":"${"x".repeat(4 * 1024 * 1024)}"}`;
    expect((await post(app, big)).status).toBe(413);
  });

  test("during an app-secret reset, META_APP_SECRET_PREVIOUS's signatures pass too; any other secret's stay 401", async ({ db }) => {
    const { number } = await tenantWithNumber(db);
    const body = (text: string) => metaJsonStringify(inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511966665555", text }));
    // Before the reset is rolled out here: the new secret is unknown to this process.
    const before = buildTestApp(db).app;
    expect((await post(before, body("assinado com a nova"), signPayload("the-new-secret", body("assinado com a nova")))).status).toBe(401);
    // Rolled out: the new secret first, the old one as previous.
    const { app } = buildTestApp(db, { metaAppSecret: "the-new-secret", metaAppSecretPrevious: SECRET });
    const byNew = body("assinado com a nova");
    const byOld = body("assinado com a antiga");
    const byOther = body("assinado com outra");
    expect((await post(app, byNew, signPayload("the-new-secret", byNew))).status).toBe(200);
    expect((await post(app, byOld, signPayload(SECRET, byOld))).status).toBe(200);
    expect((await post(app, byOther, signPayload("other-secret", byOther))).status).toBe(401);
    const rows = await db.execute<{ body: string }>(sql`select body from messages where tenant_id = ${number.tenantId} order by id`);
    expect(rows.map((r) => r.body)).toEqual(["assinado com a nova", "assinado com a antiga"]);
  });

  test("the signature is checked on the exact bytes Meta sent (\\u-escaped), never a re-serialisation", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { number } = await tenantWithNumber(db);
    const payload = inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511977776666", text: "Olá, avaliação às 9h? ❤️" });
    const escaped = metaJsonStringify(payload);
    expect(escaped).toContain("\\u00e1");
    expect((await post(app, escaped)).status).toBe(200);
    // The same JSON with literal UTF-8 is different bytes: its signature would not match Meta's.
    const literal = JSON.stringify(payload);
    expect((await post(app, literal, signPayload(SECRET, escaped))).status).toBe(401);
    const [row] = await db.execute<{ body: string }>(sql`select body from messages where tenant_id = ${number.tenantId} order by id desc limit 1`);
    expect(row?.body).toBe("Olá, avaliação às 9h? ❤️");
  });

  test("over real HTTP (Node's stream, as in production): signed body in chunks → 200; oversize → 413 with or without Content-Length", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { number } = await tenantWithNumber(db);
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" });
    onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
    await new Promise<void>((r) => server.once("listening", () => r()));
    const { port } = server.address() as AddressInfo;
    const send = (body: string | string[], headers: Record<string, string>) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port, path: "/api/webhooks/whatsapp", method: "POST", headers }, (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on("error", (err: NodeJS.ErrnoException) => (err.code === "EPIPE" || err.code === "ECONNRESET" ? undefined : reject(err)));
        for (const part of Array.isArray(body) ? body : [body]) {
          req.write(part);
        }
        req.end();
      });
    const raw = metaJsonStringify(inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511977776666", text: "olá, ação" }));
    const cut = Math.floor(raw.length / 2);
    const ok = await send([raw.slice(0, cut), raw.slice(cut)], {
      "content-type": "application/json",
      "x-hub-signature-256": signPayload(SECRET, raw),
    });
    expect(ok).toEqual({ status: 200, text: "ok" });
    expect(await n(db, sql`select count(*)::int as n from messages where body = 'olá, ação'`)).toBe(1);
    const big = "x".repeat(4 * 1024 * 1024 + 1);
    const declared = await send(big, { "content-type": "application/json", "content-length": String(big.length) });
    expect(declared.status).toBe(413);
    const chunked = await send([big.slice(0, 3_000_000), big.slice(3_000_000)], { "content-type": "application/json", "transfer-encoding": "chunked" });
    expect(chunked.status).toBe(413);
 
    // A client still writing when the 413 is decided gets the 413, not a reset connection: Node's
    // fetch (undici) failed with ECONNRESET when the unread rest was cut. This client is a slow
    // uploader: after the first 4 MiB it pauses until the server answers or 300 ms have passed.
    let answered: () => void = () => undefined;
    const answer = new Promise<void>((resolve) => (answered = resolve));
    server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
      res.once("finish", () => answered());
    });
    let sent = false;
    const slowUpload = await fetch(`http://127.0.0.1:${port}/api/webhooks/whatsapp`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent) {
            await Promise.race([answer, new Promise((r) => setTimeout(r, 300))]);
            controller.enqueue(new TextEncoder().encode(big.slice(0, 1_000_000)));
            controller.close();
            return;
          }
          sent = true;
          controller.enqueue(new TextEncoder().encode(big));
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(slowUpload.status).toBe(413);
    for (let i = 0; i < 6; i++) {
      const declaredFetch = await fetch(`http://127.0.0.1:${port}/api/webhooks/whatsapp`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: big,
      });
      expect(declaredFetch.status).toBe(413);
      const parts = [big.slice(0, 1_000_000), big.slice(1_000_000, 3_000_000), big.slice(3_000_000)];
      const streamedFetch = await postChunked(`http://127.0.0.1:${port}/api/webhooks/whatsapp`, parts);
      expect(streamedFetch.status).toBe(413);
    }
  });

  test("a text with a NUL character (which PostgreSQL cannot store) is kept with U+FFFD, not refused forever", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { number } = await tenantWithNumber(db);
    const raw = metaJsonStringify(inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511966665555", text: "oi\u0000tudo bem", name: "Ana\u0000" }));
    expect(raw).toContain("\\u0000");
    expect((await post(app, raw)).status).toBe(200);
    const [m] = await db.execute<{ body: string }>(sql`select body from messages where body like 'oi%tudo bem'`);
    expect(m?.body).toBe("oi\uFFFDtudo bem");
    expect(await n(db, sql`select count(*)::int as n from message_queue q join messages m on m.id = q.message_id where m.body = ${"oi\uFFFDtudo bem"}`)).toBe(1);
  });

  test("a text or a name with a lone UTF-16 surrogate (which jsonb refuses) is kept with U+FFFD, with the rest of its POST", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { tenant, number } = await tenantWithNumber(db);
    const raw = metaJsonStringify(
      batch([
        inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511955554444", text: "oi \ud800 tudo bem", name: "Ana\udc00" }),
        inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511955553333", text: "segunda mensagem" }),
      ]),
    );
    expect(raw).toContain("\\ud800");
    expect((await post(app, raw)).status).toBe(200);
    // Meta's redelivery of the same POST: a duplicate, not a second try that fails again.
    expect((await post(app, raw)).status).toBe(200);
    const rows = await db.execute<{ body: string; name: string | null }>(sql`
      select m.body, c.customer_name as name from messages m join conversations c on c.id = m.conversation_id
      where m.tenant_id = ${tenant.id} order by m.id`);
    expect(rows.map((r) => r.body)).toEqual(["oi \uFFFD tudo bem", "segunda mensagem"]);
    expect(rows[0]?.name).toBe("Ana\uFFFD");
    expect(await n(db, sql`select count(*)::int as n from message_queue where tenant_id = ${tenant.id}`)).toBe(2);
    const [event] = await db.execute<{ text: string }>(sql`
      select payload->'message'->'text'->>'body' as text from webhook_events
      where tenant_id = ${tenant.id} and payload->'message'->'text'->>'body' like 'oi %'`);
    expect(event?.text).toBe("oi \uFFFD tudo bem");
  });

  test("a signed body nested deeper than 64 levels is kept whole as ignored, with why, and answered 200, not 500 on every redelivery", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { number } = await tenantWithNumber(db);
    const depth = 100_000;
    const deep = `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"${number.phoneNumberId}"},"messages":[${"[".repeat(depth)}${"]".repeat(depth)}]}}]}]}`;
    expect((await post(app, deep)).status).toBe(200);
    expect((await post(app, deep)).status).toBe(200);
    const rows = await db.execute<{ error: string }>(sql`select error from webhook_events where status = 'ignored' and payload->>'raw' = ${deep}`);
    expect(rows.map((r) => r.error)).toEqual(["JSON nested deeper than 64 levels", "JSON nested deeper than 64 levels"]);
  });

  test("in a batch, what PostgreSQL refuses (a change whose phone_number_id has a NUL, a status whose error code is past int) is kept alone as ignored with the reason; every other message is stored and queued: 200, not 500 forever", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { tenant, number } = await tenantWithNumber(db);
    const refusedStatus = newWamid();
    const unknownStatus = newWamid();
    const payload = batch([
      inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511955552222", text: "primeira" }),
      inboundText({ phoneNumberId: "1060\u00000", waId: "5511955551111", text: "número estranho" }),
      statusUpdate({ phoneNumberId: number.phoneNumberId, wamid: refusedStatus, status: "failed", errors: [2 ** 40] }),
      statusUpdate({ phoneNumberId: number.phoneNumberId, wamid: unknownStatus, status: "delivered" }),
      inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511955553333", text: "segunda" }),
    ]);
    // Meta's two statuses of one number in one change, as it batches them.
    const [, , a, b] = payload.entry;
    a?.changes[0]?.value.statuses?.push(...(b?.changes[0]?.value.statuses ?? []));
    payload.entry.splice(3, 1);
    const raw = metaJsonStringify(payload);
    expect(raw).toContain("\\u0000");
    expect((await post(app, raw)).status).toBe(200);

    const queued = await db.execute<{ body: string }>(sql`
      select m.body from messages m join message_queue q on q.message_id = m.id where m.tenant_id = ${tenant.id} order by m.body`);
    expect(queued.map((r) => r.body)).toEqual(["primeira", "segunda"]);
    // The change PostgreSQL refused, alone (its NUL stored as U+FFFD), with why; not the whole POST.
    const [change] = await db.execute<{ error: string }>(sql`
      select error from webhook_events where status = 'ignored' and payload->'value'->'metadata'->>'phone_number_id' = ${"1060\uFFFD0"}`);
    expect(change?.error).toMatch(/^could not be stored: .*\(22021\)$/);
    expect(await n(db, sql`select count(*)::int as n from webhook_events where payload->>'raw' = ${raw}`)).toBe(0);
    // The status PostgreSQL refused, alone; the other status of its change, as usual.
    const statuses = await db.execute<{ id: string; error: string }>(sql`
      select payload->>'id' as id, error from webhook_events
      where tenant_id = ${tenant.id} and kind = 'status' and status = 'ignored' order by error`);
    expect(statuses).toEqual([
      { id: refusedStatus, error: expect.stringMatching(/^could not be stored: .*out of range.*\(22003\)$/) as unknown as string },
      { id: unknownStatus, error: "no send of ours has this wamid" },
    ]);

    // Meta's redelivery (it would not come for a 200; were it to): nothing twice, still 200.
    expect((await post(app, raw)).status).toBe(200);
    expect(await n(db, sql`select count(*)::int as n from messages where tenant_id = ${tenant.id}`)).toBe(2);
    expect(await n(db, sql`select count(*)::int as n from message_queue where tenant_id = ${tenant.id}`)).toBe(2);
  });

  test("a message whose timestamp is past what a date can hold is stored as received now, not refused", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { tenant, number } = await tenantWithNumber(db);
    const raw = metaJsonStringify(inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511955550000", text: "do futuro", timestamp: "99999999999999" }));
    const before = Date.now();
    expect((await post(app, raw)).status).toBe(200);
    const [row] = await db.execute<{ ms: number }>(sql`
      select extract(epoch from c.last_customer_message_at)::float8 * 1000 as ms
      from conversations c join messages m on m.conversation_id = c.id
      where m.tenant_id = ${tenant.id} and m.body = 'do futuro'`);
    expect(row?.ms).toBeGreaterThanOrEqual(before - 1000);
    expect(row?.ms).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await n(db, sql`select count(*)::int as n from message_queue where tenant_id = ${tenant.id}`)).toBe(1);
  });

  test("a database that hangs (the ingest waits on a lock past DATABASE_STATEMENT_TIMEOUT_MS) answers 500 and stores nothing; Meta's redelivery after it is stored once", async ({ db, dbUrl }) => {
    const apiDb = createDb(dbUrl, { max: 4, applicationName: "lx-test-api-timeout", statementTimeoutMs: 300 });
    onTestFinished(() => apiDb.$client.end({ timeout: 1 }));
    const { app } = buildTestApp(apiDb);
    const { tenant, number } = await tenantWithNumber(db);
    const raw = metaJsonStringify(inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511966664444", text: "travado" }));
    expect((await post(app, raw)).status).toBe(200); // warm: the number is cached, the statement prepared
    const raw2 = metaJsonStringify(inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511966664444", text: "travado de novo" }));
    // An operator's long transaction holds the messages table (a migration would, too).
    const hung = await db.transaction(async (tx) => {
      await tx.execute(sql`lock table messages in access exclusive mode`);
      return { status: (await post(app, raw2)).status }; // without a timeout: never (the lock waits for it)
    });
    expect(hung.status).toBe(500);
    expect(await n(db, sql`select count(*)::int as n from messages where tenant_id = ${tenant.id}`)).toBe(1);
    expect((await post(app, raw2)).status).toBe(200);
    expect(await n(db, sql`select count(*)::int as n from messages where tenant_id = ${tenant.id}`)).toBe(2);
    expect(await n(db, sql`select count(*)::int as n from message_queue where tenant_id = ${tenant.id}`)).toBe(2);
  });

  test("the same message delivered 10 times concurrently → one event, one job, 9 audited duplicates", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { tenant, number } = await tenantWithNumber(db);
    const raw = metaJsonStringify(inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511966665555", text: "dup" }));
    const res = await Promise.all(Array.from({ length: 10 }, () => post(app, raw)));
    expect(res.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await n(db, sql`select count(*)::int as n from webhook_events where tenant_id = ${tenant.id}`)).toBe(1);
    expect(await n(db, sql`select count(*)::int as n from message_queue where tenant_id = ${tenant.id}`)).toBe(1);
    expect(await n(db, sql`select count(*)::int as n from messages where tenant_id = ${tenant.id}`)).toBe(1);
    expect(await n(db, sql`select count(*)::int as n from audit_events where tenant_id = ${tenant.id} and type = 'webhook.duplicate'`)).toBe(9);
  });

  test("an unknown phone_number_id is 200, audited, nothing queued", async ({ db }) => {
    const { app } = buildTestApp(db);
    const raw = metaJsonStringify(inboundText({ phoneNumberId: "999000999000999", waId: "5511955554444", text: "alguém?" }));
    const jobs = await n(db, sql`select count(*)::int as n from message_queue`);
    expect((await post(app, raw)).status).toBe(200);
    expect(await n(db, sql`select count(*)::int as n from message_queue`)).toBe(jobs);
    expect(await n(db, sql`select count(*)::int as n from audit_events where type = 'webhook.unknown_number' and subject_id = '999000999000999'`)).toBe(1);
  });

  test.for([
    ["one entry per number", false],
    ["one entry carrying several changes, as Meta groups a business account's updates", true],
  ] as const)("one POST mixing two tenants' numbers (%s) queues each message under its own tenant", async ([, groupByWaba], { db }) => {
    const { app } = buildTestApp(db);
    const a = await tenantWithNumber(db);
    const b = await tenantWithNumber(db);
    const payload = batch(
      [
        inboundText({ phoneNumberId: a.number.phoneNumberId, waId: "5511944443333", text: "para A" }),
        inboundText({ phoneNumberId: b.number.phoneNumberId, waId: "5511944443333", text: "para B" }),
        inboundText({ phoneNumberId: a.number.phoneNumberId, waId: "5511944442222", text: "para A de novo" }),
      ],
      { groupByWaba },
    );
    expect(payload.entry.map((e) => e.changes.length)).toEqual(groupByWaba ? [3] : [1, 1, 1]);
    expect((await post(app, metaJsonStringify(payload))).status).toBe(200);
    const rows = await db.execute<{ tenant_id: string; body: string }>(
      sql`select m.tenant_id, m.body from messages m join message_queue q on q.message_id = m.id where m.tenant_id in (${a.tenant.id}, ${b.tenant.id}) order by m.id`,
    );
    // Customers are ingested in parallel, so only each customer's own order is fixed.
    expect(rows.map((r) => [r.tenant_id === a.tenant.id ? "A" : "B", r.body]).sort()).toEqual([
      ["A", "para A"],
      ["A", "para A de novo"],
      ["B", "para B"],
    ]);
  });

  test("every inbound fixture is stored with a readable body; reactions are stored but not answered", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { tenant } = await tenantWithNumber(db, FIXTURE_NUMBER);
    const files = readdirSync(FIXTURES).filter((f) => f.startsWith("inbound-")).sort();
    expect(files.length).toBeGreaterThanOrEqual(12);
    // The fixtures are stamped 2026-01-01: as shipped they are replays too old to answer (tested
    // below); here they arrive as they would live, stamped now, and only their shapes are tested.
    const now = String(Math.floor(Date.now() / 1000));
    for (const f of files) {
      const raw = readFileSync(FIXTURES + f, "utf8").replace(/"timestamp": "\d+"/g, `"timestamp": "${now}"`);
      expect(raw, f).toContain(now);
      const res = await post(app, raw);
      expect(res.status, f).toBe(200);
    }
    const rows = await db.execute<{ type: string; body: string; queued: boolean }>(sql`
      select m.type, m.body, exists (select 1 from message_queue q where q.message_id = m.id) as queued
      from messages m where m.tenant_id = ${tenant.id} order by m.id`);
    const byType = new Map(rows.map((r) => [r.type, r]));
    expect(byType.get("text")?.body).toBe("Hi! Is my order #4521 shipped yet?");
    expect(byType.get("interactive")?.queued).toBe(true);
    expect(byType.get("location")?.body).toMatch(/^\[location\]/);
    expect(byType.get("audio")?.body).toBe("[voice message]");
    expect(byType.get("unsupported")?.body).toMatch(/^\[unsupported: /);
    expect(rows.filter((r) => r.type === "reaction").every((r) => !r.queued)).toBe(true);
    expect(rows.filter((r) => r.type !== "reaction").every((r) => r.queued && r.body.length > 0)).toBe(true);
    // Fixtures that share a wamid are deduplicated, everything else stored once.
    expect(rows.length).toBeLessThanOrEqual(files.length);
  });

  test("a Meta system message (the customer changed number) is stored and audited, never answered, and opens no window", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { tenant, number } = await tenantWithNumber(db);
    const payload = inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511977776666", text: "x" });
    const message = payload.entry[0]!.changes[0]!.value.messages![0]! as Record<string, unknown>;
    delete message.text;
    Object.assign(message, {
      type: "system",
      system: { body: "Ana changed from 5511977776666 to 5511977775555", new_wa_id: "5511977775555", type: "user_changed_number" },
    });
    expect((await post(app, metaJsonStringify(payload))).status).toBe(200);
    const [m] = await db.execute<{ type: string; body: string; conversation_id: string; last: string | null; queued: boolean }>(sql`
      select m.type, m.body, m.conversation_id, c.last_customer_message_at::text as last,
             exists (select 1 from message_queue q where q.message_id = m.id) as queued
      from messages m join conversations c on c.id = m.conversation_id where m.tenant_id = ${tenant.id}`);
    expect(m).toEqual({
      type: "system",
      body: "[system: user_changed_number] Ana changed from 5511977776666 to 5511977775555",
      conversation_id: m!.conversation_id,
      last: null,
      queued: false,
    });
    const audits = await db.execute<{ subject_id: string; data: Record<string, unknown> }>(sql`
      select subject_id, data from audit_events where tenant_id = ${tenant.id} and type = 'message.system'`);
    expect(audits).toEqual([
      { subject_id: m!.conversation_id, data: { systemType: "user_changed_number", newWaId: "5511977775555", metaMessageId: message.id } },
    ]);
  });

  test("timestamps: one ahead of the receipt opens the window from now, not from the future; one older than 24 h is stored and audited, not answered", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { tenant, number } = await tenantWithNumber(db);
    const HOUR = 3_600_000;
    const send = async (waId: string, at: Date, text: string) => {
      const before = Date.now();
      expect((await post(app, metaJsonStringify(inboundText({ phoneNumberId: number.phoneNumberId, waId, text, timestamp: at })))).status).toBe(200);
      const [c] = await db.execute<{ id: string; last: string; queued: boolean }>(sql`
        select c.id, c.last_customer_message_at::text as last,
               exists (select 1 from message_queue q join messages m on m.id = q.message_id where m.body = ${text}) as queued
        from conversations c where c.tenant_id = ${tenant.id} and c.customer_key = ${waId}`);
      return { ...c!, last: new Date(c!.last).getTime(), before, after: Date.now() };
    };
    const future = await send("5511977770001", new Date(Date.now() + 72 * HOUR), "do futuro");
    expect(future.queued).toBe(true);
    expect(future.last).toBeGreaterThanOrEqual(future.before - 1000); // seconds, as Meta's timestamps
    expect(future.last).toBeLessThanOrEqual(future.after);
    const recent = await send("5511977770002", new Date(Date.now() - 23 * HOUR), "de ontem");
    expect(recent.queued).toBe(true);
    const old = await send("5511977770003", new Date("2026-01-01T00:00:00Z"), "de janeiro");
    expect(old.queued).toBe(false);
    expect(old.last).toBe(new Date("2026-01-01T00:00:00Z").getTime()); // its real time: the window long closed
    const audits = await db.execute<{ subject_id: string; data: Record<string, unknown> }>(sql`
      select subject_id, data from audit_events where tenant_id = ${tenant.id} and type = 'message.too_old_to_answer'`);
    expect(audits).toEqual([{ subject_id: old.id, data: expect.objectContaining({ type: "text", sentAt: "2026-01-01T00:00:00.000Z" }) }]);
    const [ev] = await db.execute<{ status: string }>(sql`
      select e.status from webhook_events e join messages m on m.meta_message_id = e.meta_message_id and m.tenant_id = e.tenant_id
      where m.body = 'de janeiro'`);
    expect(ev?.status).toBe("processed");
  });

  test("the shipped fixtures (stamped 2026-01-01) are stored as replays: none is answered", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { tenant, number } = await tenantWithNumber(db);
    const raw = readFileSync(`${FIXTURES}inbound-text.json`, "utf8").replaceAll(FIXTURE_NUMBER, number.phoneNumberId);
    expect(raw).toContain('"timestamp": "1767225600"');
    expect((await post(app, raw)).status).toBe(200);
    expect(await n(db, sql`select count(*)::int as n from messages where tenant_id = ${tenant.id}`)).toBe(1);
    expect(await n(db, sql`select count(*)::int as n from message_queue where tenant_id = ${tenant.id}`)).toBe(0);
  });

  test("a failed status from another app on the WABA (its wamid and recipient, our row id as biz data) fails nothing and re-sends nothing", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { tenant, number } = await tenantWithNumber(db);
    const conv = await db.execute<{ id: string }>(sql`
      insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id, last_customer_message_at)
      values (${tenant.id}, ${number.id}, '5511922220001', '5511922220001', now() - interval '1 hour') returning id`);
    const wamid = newWamid();
    const [ob] = await db.execute<{ id: string }>(sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, kind, recipient, payload, status, wamid)
      values (${tenant.id}, ${conv[0]!.id}, ${number.id}, 'text', '5511922220001', '{"type":"text","text":{"body":"oi"}}', 'delivered', ${wamid})
      returning id::text`);
    const foreign = statusUpdate({
      phoneNumberId: number.phoneNumberId, wamid: "wamid.SOME_OTHER_APP_MESSAGE", status: "failed", recipientId: "5511933339999",
      bizOpaque: ob!.id, errors: [131047],
    });
    expect((await post(app, metaJsonStringify(foreign))).status).toBe(200);
    const rows = await db.execute<{ status: string }>(sql`select status from outbox_messages where conversation_id = ${conv[0]!.id} order by id`);
    expect(rows.map((r) => r.status)).toEqual(["delivered"]);
    expect(await n(db, sql`select count(*)::int as n from conversations where id = ${conv[0]!.id} and last_customer_message_at is not null`)).toBe(1);
    expect(await n(db, sql`select count(*)::int as n from audit_events where tenant_id = ${tenant.id} and type = 'send.failed_status'`)).toBe(0);
    const [ev] = await db.execute<{ kind: string; status: string; payload: { id: string } }>(sql`
      select kind, status, payload from webhook_events where tenant_id = ${tenant.id}`);
    expect(ev).toMatchObject({ kind: "status", status: "ignored", payload: { id: "wamid.SOME_OTHER_APP_MESSAGE" } });
  });

  test("statuses we cannot use (an unknown send, \"played\") are stored as ignored, in one group commit with the rest", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { tenant, number } = await tenantWithNumber(db);
    const payload = batch(
      [
        statusUpdate({ phoneNumberId: number.phoneNumberId, wamid: newWamid(), status: "delivered", recipientId: "5511922220002" }),
        statusUpdate({ phoneNumberId: number.phoneNumberId, wamid: newWamid(), status: "played", recipientId: "5511922220002" }),
      ],
      { groupByWaba: true },
    );
    expect((await post(app, metaJsonStringify(payload))).status).toBe(200);
    const events = await db.execute<{ kind: string; status: string; error: string }>(sql`
      select kind, status, error from webhook_events where tenant_id = ${tenant.id} order by id`);
    expect(events).toEqual([
      { kind: "status", status: "ignored", error: "no send of ours has this wamid" },
      { kind: "status", status: "ignored", error: 'status "played" is not tracked' },
    ]);
  });

  test("status callbacks move the outbox row forward by wamid or by our row id, never backwards", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { tenant, number } = await tenantWithNumber(db, undefined);
    const conv = await db.execute<{ id: string }>(sql`
      insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id)
      values (${tenant.id}, ${number.id}, '5511933332222', '5511933332222') returning id`);
    const [ob] = await db.execute<{ id: string }>(sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, kind, recipient, payload, status)
      values (${tenant.id}, ${conv[0]!.id}, ${number.id}, 'text', '5511933332222', '{}', 'ambiguous') returning id::text`);
    const id = ob!.id;
    const wamid = newWamid();
    const status = (s: string, withBiz: boolean) =>
      metaJsonStringify({
        object: "whatsapp_business_account",
        entry: [{ id: "1", changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: { phone_number_id: number.phoneNumberId }, statuses: [{ id: wamid, status: s, timestamp: "1767226000", recipient_id: "5511933332222", ...(withBiz ? { biz_opaque_callback_data: id } : {}) }] } }] }],
      });
    const current = async () => (await db.execute<{ status: string; wamid: string | null }>(sql`select status, wamid from outbox_messages where id = ${id}`))[0];
    expect((await post(app, status("sent", true))).status).toBe(200);
    expect(await current()).toEqual({ status: "sent", wamid });
    await post(app, status("read", false));
    expect((await current())?.status).toBe("read");
    await post(app, status("delivered", false));
    await post(app, status("sent", false));
    expect((await current())?.status).toBe("read");
  });

  test("a failed status with 131047 queues the message again for the template path", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { tenant, number } = await tenantWithNumber(db);
    const conv = await db.execute<{ id: string }>(sql`
      insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id, last_customer_message_at)
      values (${tenant.id}, ${number.id}, '5511922221111', '5511922221111', now() - interval '23 hours') returning id`);
    const wamid = newWamid();
    await db.execute(sql`
      insert into outbox_messages (tenant_id, conversation_id, phone_number_id, kind, recipient, payload, status, wamid)
      values (${tenant.id}, ${conv[0]!.id}, ${number.id}, 'text', '5511922221111', '{"type":"text","text":{"body":"oi"}}', 'sent', ${wamid})`);
    const raw = metaJsonStringify({
      object: "whatsapp_business_account",
      entry: [{ id: "1", changes: [{ field: "messages", value: { metadata: { phone_number_id: number.phoneNumberId }, statuses: [{ id: wamid, status: "failed", timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: "5511922221111", errors: [{ code: 131047, title: "Re-engagement message" }] }] } }] }],
    });
    expect((await post(app, raw)).status).toBe(200);
    const rows = await db.execute<{ status: string }>(sql`select status from outbox_messages where conversation_id = ${conv[0]!.id} order by id`);
    expect(rows.map((r) => r.status)).toEqual(["failed", "queued"]);
    const [c] = await db.execute<{ last: string | null }>(sql`select last_customer_message_at::text as last from conversations where id = ${conv[0]!.id}`);
    expect(c?.last).toBeNull();
  });

  test("a template status change from Meta reaches the tenants whose numbers are in that WABA; one nobody has is ignored", async ({ db }) => {
    const { app } = buildTestApp(db);
    const waba = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
    const a = await tenantWithNumber(db);
    const b = await tenantWithNumber(db);
    const other = await tenantWithNumber(db);
    await db.execute(sql`update phone_numbers set waba_id = ${waba} where id in (${a.number.id}, ${b.number.id})`);
    for (const t of [a.tenant, b.tenant, other.tenant]) {
      await db.execute(sql`
        insert into templates (tenant_id, name, language, category, purpose, body)
        values (${t.id}, 'retomada_v1', 'pt_BR', 'utility', 'reengagement', 'Olá {{1}}, podemos continuar?')`);
    }
    // Meta's shape: the entry is the WABA; its ids may be numbers.
    const change = (event: string, name = "retomada_v1") =>
      JSON.stringify({
        object: "whatsapp_business_account",
        entry: [
          {
            id: waba,
            time: 1_764_000_000,
            changes: [
              {
                field: "message_template_status_update",
                value: { event, message_template_id: 987654321, message_template_name: name, message_template_language: "pt_BR", reason: event === "PAUSED" ? "LOW_QUALITY" : "NONE" },
              },
            ],
          },
        ],
      });
    const statusOf = async (tenantId: string) =>
      (await db.execute<{ status: string }>(sql`select status from templates where tenant_id = ${tenantId} and name = 'retomada_v1'`))[0]?.status;

    expect((await post(app, change("PAUSED"))).status).toBe(200);
    expect([await statusOf(a.tenant.id), await statusOf(b.tenant.id), await statusOf(other.tenant.id)]).toEqual(["paused", "paused", "approved"]);
    const [audit] = await db.execute<{ before: unknown; after: unknown; data: Record<string, unknown> }>(sql`
      select before, after, data from audit_events where type = 'template.status_changed' and tenant_id = ${a.tenant.id}`);
    expect(audit).toMatchObject({ before: { status: "approved" }, after: { status: "paused" }, data: { event: "PAUSED", reason: "LOW_QUALITY", wabaId: waba } });

    // Approved again: the re-engagement path may use it again.
    expect((await post(app, change("APPROVED"))).status).toBe(200);
    expect(await statusOf(a.tenant.id)).toBe("approved");

    // A template no tenant declared: kept as ignored, with why.
    const before = await n(db, sql`select count(*)::int as n from webhook_events where status = 'ignored'`);
    expect((await post(app, change("PAUSED", "promo_natal"))).status).toBe(200);
    expect(await n(db, sql`select count(*)::int as n from webhook_events where status = 'ignored'`)).toBe(before + 1);
    const [ignored] = await db.execute<{ error: string }>(sql`select error from webhook_events where status = 'ignored' order by id desc limit 1`);
    expect(ignored?.error).toBe(`no tenant has template promo_natal (pt_BR) on a number of WABA ${waba}`);
  });

  test("a number records its WABA id from Meta's webhooks (once, audited), so template status changes reach it with nothing configured", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { tenant, number } = await tenantWithNumber(db);
    const waba = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
    const message = (text: string, wabaId = waba) =>
      metaJsonStringify(inboundText({ phoneNumberId: number.phoneNumberId, waId: "5511955554444", text, wabaId }));
    const recorded = async () =>
      await db.execute<{ before: unknown; after: unknown }>(sql`
        select before, after from audit_events where type = 'number.waba_recorded' and tenant_id = ${tenant.id} order by id`);
    const wabaOf = async () =>
      (await db.execute<{ waba_id: string | null }>(sql`select waba_id from phone_numbers where id = ${number.id}`))[0]?.waba_id;

    expect(await wabaOf()).toBeNull();
    expect((await post(app, message("oi"))).status).toBe(200);
    expect(await wabaOf()).toBe(waba);
    expect(await post(app, message("tudo bem?")).then((r) => r.status)).toBe(200);
    expect(await recorded()).toEqual([{ before: { wabaId: null }, after: { wabaId: waba } }]);

    // Its templates now follow Meta's status changes for that WABA.
    await db.execute(sql`
      insert into templates (tenant_id, name, language, category, purpose, body)
      values (${tenant.id}, 'retomada_v1', 'pt_BR', 'utility', 'reengagement', 'Olá {{1}}, podemos continuar?')`);
    const paused = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [{ id: waba, changes: [{ field: "message_template_status_update", value: { event: "PAUSED", message_template_name: "retomada_v1", message_template_language: "pt_BR", reason: "LOW_QUALITY" } }] }],
    });
    expect((await post(app, paused)).status).toBe(200);
    const [tpl] = await db.execute<{ status: string }>(sql`select status from templates where tenant_id = ${tenant.id}`);
    expect(tpl?.status).toBe("paused");

    // Meta moved the number to another WABA: Meta's word wins, audited with both.
    const moved = `${waba}7`;
    expect((await post(app, message("voltei", moved))).status).toBe(200);
    expect(await wabaOf()).toBe(moved);
    expect((await recorded()).at(-1)).toEqual({ before: { wabaId: waba }, after: { wabaId: moved } });
    // Every message was stored all the same.
    expect(await n(db, sql`select count(*)::int as n from messages where tenant_id = ${tenant.id}`)).toBe(3);
  });

  test("signed payloads we cannot use are stored as ignored and answered 200", async ({ db }) => {
    const { app } = buildTestApp(db);
    const before = await n(db, sql`select count(*)::int as n from webhook_events where status = 'ignored'`);
    expect((await post(app, "{ not json")).status).toBe(200);
    expect((await post(app, metaJsonStringify({ object: "page", entry: [] }))).status).toBe(200);
    expect((await post(app, metaJsonStringify({ object: "whatsapp_business_account", entry: [{ id: "1", changes: [{ field: "message_template_status_update", value: { event: "APPROVED" } }] }] }))).status).toBe(200);
    expect(await n(db, sql`select count(*)::int as n from webhook_events where status = 'ignored'`)).toBe(before + 3);
  });

  test("a username customer (user_id, no phone number) gets a conversation keyed by user_id", async ({ db }) => {
    const { app } = buildTestApp(db);
    const { tenant, number } = await tenantWithNumber(db);
    const raw = metaJsonStringify(inboundText({ phoneNumberId: number.phoneNumberId, userId: "BR.5550001112223334445", text: "oi, sou username" }));
    expect((await post(app, raw)).status).toBe(200);
    const [c] = await db.execute<{ customer_key: string; customer_wa_id: string | null }>(
      sql`select customer_key, customer_wa_id from conversations where tenant_id = ${tenant.id}`,
    );
    expect(c).toEqual({ customer_key: "BR.5550001112223334445", customer_wa_id: null });
  });

  test("the number cache makes no query in the steady state and follows changes through NOTIFY", async ({ db }) => {
    const { number, tenant } = await tenantWithNumber(db);
    const dir = new NumberDirectory(db);
    await dir.start();
    try {
      expect((await dir.resolve(number.phoneNumberId))?.tenantId).toBe(tenant.id);
      const lookups = dir.lookups;
      for (let i = 0; i < 50; i++) {
        await dir.resolve(number.phoneNumberId);
      }
      expect(dir.lookups).toBe(lookups);
      const other = await seedTenant(db);
      await db.execute(sql`update phone_numbers set tenant_id = ${other.id}, agent_id = null where id = ${number.id}`);
      // NOTIFY arrives asynchronously: wait for the cache to drop the entry.
      for (let i = 0; i < 100 && (await dir.resolve(number.phoneNumberId))?.tenantId !== other.id; i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect((await dir.resolve(number.phoneNumberId))?.tenantId).toBe(other.id);
    } finally {
      await dir.stop();
    }
  });

  test("the number cache forgets an unknown number once it is added, and a number's old id once it changes", async ({ db }) => {
    // Unknown numbers are cached for a minute here: only the insert's NOTIFY can make it resolve sooner.
    const dir = new NumberDirectory(db, { unknownTtlMs: 60_000 });
    await dir.start();
    const resolvesTo = async (phoneNumberId: string, tenantId: string | null) => {
      for (let i = 0; i < 250 && ((await dir.resolve(phoneNumberId))?.tenantId ?? null) !== tenantId; i++) {
        await new Promise((r) => setTimeout(r, 20)); // NOTIFY arrives asynchronously
      }
      return (await dir.resolve(phoneNumberId))?.tenantId ?? null;
    };
    try {
      const pnid = `1065${Math.floor(Math.random() * 1e11)}`;
      expect(await dir.resolve(pnid)).toBeNull();
      const lookups = dir.lookups;
      expect(await dir.resolve(pnid)).toBeNull();
      expect(dir.lookups).toBe(lookups); // the miss is cached
      const { tenant, number } = await tenantWithNumber(db, pnid);
      expect(await resolvesTo(pnid, tenant.id)).toBe(tenant.id);

      const renamed = `${pnid}9`;
      await db.execute(sql`update phone_numbers set phone_number_id = ${renamed} where id = ${number.id}`);
      expect(await resolvesTo(pnid, null)).toBeNull();
      expect(await resolvesTo(renamed, tenant.id)).toBe(tenant.id);
    } finally {
      await dir.stop();
    }
  });
});

// Keep the HMAC helper honest: signPayload must equal an independent computation.
test("signPayload equals an independent HMAC-SHA256 of the raw body", () => {
  const raw = '{"a":"\\u00e9"}';
  expect(signPayload(SECRET, raw)).toBe(`sha256=${createHmac("sha256", SECRET).update(raw).digest("hex")}`);
});
