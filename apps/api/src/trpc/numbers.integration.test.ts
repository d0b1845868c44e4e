import { sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import { NumberDirectory } from "@lx/db/number-directory";
import { enqueueMarkRead } from "@lx/db/queries";
import { dbTest as test, seedAgent, seedConversation, seedNumber, seedTenant, seedUser, TEST_SECRET_KEY } from "@lx/db/testing";
import { inboundText, metaJsonStringify, signPayload } from "@lx/sandbox";
import { decryptSecret } from "@lx/shared/crypto";
import { minimalSpec } from "@lx/shared/testing";

import { actWhileHeld, buildTestApp, callerFor, sessionFor } from "../testing/harness.ts";

// Who may call them (operators only) is in authorization.integration.test.ts.

describe("numbers: a tenant's WhatsApp numbers from the console", () => {
  test("an operator adds a number (token sealed, never shown, audited without it), the webhook's cache finds it; a taken Meta id is CONFLICT", async ({ db }) => {
    const tenant = await seedTenant(db);
    await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" });
    const operator = await seedUser(db, { role: "operator" });
    const op = callerFor(db, await sessionFor(db, operator.email, operator.password)).caller;
    const directory = new NumberDirectory(db, { unknownTtlMs: 60_000 });
    await directory.start();
    try {
      const phoneNumberId = `1077${Date.now()}`;
      expect(await directory.resolve(phoneNumberId)).toBeNull(); // cached as unknown for a minute
      const number = { phoneNumberId, displayPhoneNumber: "+55 11 98888-0001", accessToken: "EAAG-secret-token", kind: "meta" as const, agentSlug: "recepcao" };
      const { id } = await op.numbers.add({ tenantSlug: tenant.slug, number });

      const [row] = await db.execute<{ access_token_enc: string; waba_id: string | null }>(sql`
        select access_token_enc, waba_id from phone_numbers where id = ${id}`);
      expect(row?.access_token_enc).not.toContain("EAAG-secret-token");
      expect(decryptSecret(TEST_SECRET_KEY, row?.access_token_enc ?? "")).toBe("EAAG-secret-token");
      const listed = await op.numbers.list({ tenantSlug: tenant.slug });
      expect(listed).toEqual([
        expect.objectContaining({ id, phoneNumberId, displayPhoneNumber: "+55 11 98888-0001", kind: "meta", agentSlug: "recepcao", wabaId: null }),
      ]);
      expect(JSON.stringify(listed)).not.toContain("EAAG");
      const [added] = await db.execute<{ after: unknown; actor_label: string }>(sql`
        select after, actor_label from audit_events where tenant_id = ${tenant.id} and type = 'number.added'`);
      expect(added).toEqual({
        actor_label: operator.email,
        after: { phoneNumberId, displayPhoneNumber: "+55 11 98888-0001", kind: "meta", agentSlug: "recepcao", wabaId: null },
      });
      // The insert's NOTIFY drops the cached miss: the webhook finds the new number's tenant.
      await expect
        .poll(async () => (await directory.resolve(phoneNumberId))?.tenantId, { timeout: 5_000 })
        .toBe(tenant.id);

      // Meta's id is unique across the platform (the webhook resolves the tenant from it).
      const other = await seedTenant(db);
      await seedAgent(db, { tenantId: other.id, slug: "vendas", spec: minimalSpec });
      await expect(op.numbers.add({ tenantSlug: other.slug, number: { ...number, agentSlug: "vendas" } })).rejects.toMatchObject({
        code: "CONFLICT",
        message: `phone number id ${phoneNumberId} is already in use`,
      });
      await expect(op.numbers.add({ tenantSlug: tenant.slug, number: { ...number, phoneNumberId: "+55 11" } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
      await expect(
        op.numbers.add({ tenantSlug: tenant.slug, number: { ...number, phoneNumberId: `${phoneNumberId}1`, agentSlug: "vendas" } }),
      ).rejects.toMatchObject({ code: "NOT_FOUND", message: "no agent vendas in this tenant" });
      await expect(
        op.numbers.add({ tenantSlug: tenant.slug, number: { ...number, phoneNumberId: `${phoneNumberId}2`, accessToken: "env:WA_TOKEN" } }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    } finally {
      await directory.stop();
    }
  });

  test("an operator changes a number's agent, kind and WABA and replaces its token; the audit has before and after, the token only as replaced; nothing given, nothing changes", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent } = await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" });
    await seedAgent(db, { tenantId: tenant.id, slug: "vendas", spec: minimalSpec });
    const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id, kind: "sandbox" });
    const operator = await seedUser(db, { role: "operator" });
    const op = callerFor(db, await sessionFor(db, operator.email, operator.password)).caller;
    const scope = { tenantSlug: tenant.slug, numberId: number.id };
    const [{ access_token_enc: tokenBefore = "" } = {}] = await db.execute<{ access_token_enc: string }>(sql`
      select access_token_enc from phone_numbers where id = ${number.id}`);
    const same = { displayPhoneNumber: number.displayPhoneNumber, kind: "sandbox" as const, agentSlug: "recepcao" };

    expect(await op.numbers.update({ ...scope, number: same })).toEqual({ changed: false });
    expect(
      await op.numbers.update({ ...scope, number: { ...same, kind: "meta", agentSlug: "vendas", wabaId: "4410002", accessToken: "EAAG-new" } }),
    ).toEqual({ changed: true });
    const [row] = await db.execute<{ kind: string; waba_id: string; agent: string; access_token_enc: string }>(sql`
      select n.kind, n.waba_id, a.slug as agent, n.access_token_enc from phone_numbers n join agents a on a.id = n.agent_id where n.id = ${number.id}`);
    expect(row).toMatchObject({ kind: "meta", waba_id: "4410002", agent: "vendas" });
    expect(row?.access_token_enc).not.toBe(tokenBefore);
    expect(decryptSecret(TEST_SECRET_KEY, row?.access_token_enc ?? "")).toBe("EAAG-new");
    // The WABA left out is kept; the token left out too.
    expect(await op.numbers.update({ ...scope, number: { ...same, kind: "meta", agentSlug: "vendas", displayPhoneNumber: "+55 11 97777-0000" } })).toEqual({ changed: true });
    const [kept] = await db.execute<{ waba_id: string; access_token_enc: string }>(sql`
      select waba_id, access_token_enc from phone_numbers where id = ${number.id}`);
    expect(kept).toEqual({ waba_id: "4410002", access_token_enc: row?.access_token_enc });

    const events = await db.execute<{ before: unknown; after: unknown }>(sql`
      select before, after from audit_events where tenant_id = ${tenant.id} and type = 'number.updated' order by id`);
    expect(events).toEqual([
      {
        before: { kind: "sandbox", agentSlug: "recepcao", wabaId: null },
        after: { kind: "meta", agentSlug: "vendas", wabaId: "4410002", accessToken: "replaced" },
      },
      { before: { displayPhoneNumber: number.displayPhoneNumber }, after: { displayPhoneNumber: "+55 11 97777-0000" } },
    ]);
    expect(JSON.stringify(events)).not.toContain("EAAG");

    // Another tenant's number is not found through this tenant.
    const other = await seedTenant(db);
    await expect(op.numbers.update({ tenantSlug: other.slug, numberId: number.id, number: same })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  test("an operator removes a number no customer wrote to: gone from the list, audited without its token, unknown to the webhook at once, its Meta id free again (for another tenant too)", async ({ db }) => {
    const tenant = await seedTenant(db);
    await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" });
    const operator = await seedUser(db, { role: "operator" });
    const op = callerFor(db, await sessionFor(db, operator.email, operator.password)).caller;
    // The app's own number directory, listening as the server's does: only the delete's NOTIFY can
    // make it forget a number it found (found numbers are cached until a change is notified).
    const { app, directory } = buildTestApp(db);
    await directory.start();
    try {
      const phoneNumberId = `1078${Date.now()}`;
      const number = { phoneNumberId, displayPhoneNumber: "+55 11 98888-0002", accessToken: "EAAG-typo-token", kind: "meta" as const, agentSlug: "recepcao" };
      const { id } = await op.numbers.add({ tenantSlug: tenant.slug, number });
      expect(await op.numbers.list({ tenantSlug: tenant.slug })).toEqual([expect.objectContaining({ id, removable: true })]);
      await expect.poll(async () => (await directory.resolve(phoneNumberId))?.tenantId, { timeout: 5_000 }).toBe(tenant.id);

      expect(await op.numbers.remove({ tenantSlug: tenant.slug, numberId: id })).toEqual({ removed: true });
      expect(await op.numbers.list({ tenantSlug: tenant.slug })).toEqual([]);
      const events = await db.execute<{ subject_id: string; before: unknown; after: unknown; actor_label: string }>(sql`
        select subject_id, before, after, actor_label from audit_events where tenant_id = ${tenant.id} and type = 'number.removed'`);
      expect(events).toEqual([
        {
          subject_id: phoneNumberId,
          actor_label: operator.email,
          before: { phoneNumberId, displayPhoneNumber: "+55 11 98888-0002", wabaId: null, kind: "meta", agentSlug: "recepcao" },
          after: null,
        },
      ]);
      expect(JSON.stringify(events)).not.toContain("EAAG");

      // The delete's NOTIFY drops the cached number: a signed webhook for it is answered 200 and
      // handled as any unknown number's (audited, nothing stored for the tenant nor queued).
      await expect.poll(async () => directory.resolve(phoneNumberId), { timeout: 5_000 }).toBeNull();
      const raw = metaJsonStringify(inboundText({ phoneNumberId, waId: "5511955553333", text: "oi, é aqui?" }));
      const response = await app.request("/api/webhooks/whatsapp", {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": signPayload("test-app-secret", raw) },
        body: raw,
      });
      expect(response.status).toBe(200);
      const [after] = await db.execute<{ unknown: number; events: number; jobs: number; conversations: number }>(sql`
        select (select count(*)::int from audit_events where type = 'webhook.unknown_number' and subject_id = ${phoneNumberId}) as unknown,
               (select count(*)::int from webhook_events where tenant_id = ${tenant.id}) as events,
               (select count(*)::int from message_queue where tenant_id = ${tenant.id}) as jobs,
               (select count(*)::int from conversations where tenant_id = ${tenant.id}) as conversations`);
      expect(after).toEqual({ unknown: 1, events: 0, jobs: 0, conversations: 0 });

      // The Meta id is free again: added to another tenant, where the webhook now finds it.
      const other = await seedTenant(db);
      await seedAgent(db, { tenantId: other.id, slug: "vendas", spec: minimalSpec });
      await op.numbers.add({ tenantSlug: other.slug, number: { ...number, agentSlug: "vendas" } });
      await expect.poll(async () => (await directory.resolve(phoneNumberId))?.tenantId, { timeout: 5_000 }).toBe(other.id);
    } finally {
      await directory.stop();
    }
  });

  test("a number a customer wrote to, or that sent anything, is not removed (PRECONDITION_FAILED, pause it instead); another tenant's or an unknown number is NOT_FOUND", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent } = await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" });
    const written = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
    await seedConversation(db, { tenantId: tenant.id, numberId: written.id });
    // A send without a conversation (a read receipt's row) keeps its number too.
    const receipted = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
    await enqueueMarkRead(db, { tenantId: tenant.id, numberId: receipted.id, recipient: "5511955552222", metaMessageId: "wamid.matrix" });
    const unused = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
    const operator = await seedUser(db, { role: "operator" });
    const op = callerFor(db, await sessionFor(db, operator.email, operator.password)).caller;

    const listed = await op.numbers.list({ tenantSlug: tenant.slug });
    expect(Object.fromEntries(listed.map((n) => [n.id, n.removable]))).toEqual({ [written.id]: false, [receipted.id]: true, [unused.id]: true });
    for (const number of [written, receipted]) {
      await expect(op.numbers.remove({ tenantSlug: tenant.slug, numberId: number.id })).rejects.toMatchObject({
        code: "PRECONDITION_FAILED",
        message: `customers have written to ${number.displayPhoneNumber}: pause its sending instead of removing it`,
      });
    }

    const other = await seedTenant(db);
    await expect(op.numbers.remove({ tenantSlug: other.slug, numberId: unused.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(op.numbers.remove({ tenantSlug: tenant.slug, numberId: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(op.numbers.remove({ tenantSlug: tenant.slug, numberId: "not-a-uuid" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const [left] = await db.execute<{ numbers: number; removed: number }>(sql`
      select (select count(*)::int from phone_numbers where tenant_id = ${tenant.id}) as numbers,
             (select count(*)::int from audit_events where type = 'number.removed' and tenant_id in (${tenant.id}, ${other.id})) as removed`);
    expect(left).toEqual({ numbers: 3, removed: 0 });
  });

  test("a customer's first message racing the removal: the removal waits for it, then refuses", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent } = await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" });
    const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
    const operator = await seedUser(db, { role: "operator" });
    const op = callerFor(db, await sessionFor(db, operator.email, operator.password)).caller;
    // The webhook's transaction has inserted the conversation and not yet committed when the
    // operator confirms the removal: the removal waits on the number's row (the insert's foreign-key
    // check holds it), then sees the conversation.
    const outcome = await actWhileHeld(
      db,
      (webhook) => webhook`insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id)
                           values (${tenant.id}, ${number.id}, '5511955553333', '5511955553333')`,
      () => op.numbers.remove({ tenantSlug: tenant.slug, numberId: number.id }),
    );
    expect(outcome).toBe("PRECONDITION_FAILED");
    expect((await op.numbers.list({ tenantSlug: tenant.slug })).map((n) => n.id)).toEqual([number.id]);
  });
});
