import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { sql } from "drizzle-orm";
import { expect, onTestFinished, test } from "vitest";

import { closeDb, createDb } from "@lx/db/client";
import { freshTestDatabase, TEST_SECRET_KEY_HEX } from "@lx/db/testing";
import { createCustomer } from "@lx/sandbox";

import { runCli } from "./cli/run.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a ? a.port : 0));
    });
  });
}

/** `pnpm start`'s environment against a database of the test's own (no console build). */
async function startEnv(databaseUrl: string, port: number, logLevel: string): Promise<NodeJS.ProcessEnv> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/root",
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    WORKER_METRICS_PORT: String(await freePort()),
    LX_SECRET_KEY: TEST_SECRET_KEY_HEX,
    LX_SKIP_CONSOLE_BUILD: "1",
    LOG_LEVEL: logLevel,
  };
}

// `pnpm start` as a user runs it (against a given DATABASE_URL; the embedded server is proven by
// packages/db's embedded test): demo provisioned, API + worker + Meta sandbox up, and a customer's
// message to the sandbox number answered by agent 1.0.0 and delivered.
test("pnpm start provisions Haven at 1.0.0 and answers a sandbox customer end to end", async () => {
  const tdb = await freshTestDatabase();
  onTestFinished(() => tdb.drop());
  const port = await freePort();
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: await startEnv(tdb.url, port, "warn"),
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (out += d.toString()));
  onTestFinished(async () => {
    if (child.pid && child.exitCode === null) {
      process.kill(-child.pid, "SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  });

  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", () => out.includes("offline deterministic responder") && resolve());
    child.once("exit", (code) => reject(new Error(`start exited ${code}:\n${out}`)));
  });
  await ready;
  expect(out).toContain("operator login: operador@lx.local / lx-demo-operador");
  expect(out).toContain("offline deterministic responder");
  expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);

  const versions = await tdb.db.execute<{ version: string }>(
    sql`select v.version from agents a join agent_versions v on v.id = a.active_version_id join tenants t on t.id = a.tenant_id where t.slug = 'haven'`,
  );
  expect(versions.map((v) => v.version)).toEqual(["1.0.0"]);

  const customer = createCustomer({
    webhookUrl: `http://127.0.0.1:${port}/api/webhooks/whatsapp`,
    appSecret: "lx-dev-app-secret",
    phoneNumberId: "100000000000001",
    waId: "5511999990000",
    name: "Joana",
  });
  expect((await customer.text("Oi! Quanto custa a avaliação?")).status).toBe(200);
  const deadline = Date.now() + 30_000;
  let rows: { author: string; status: string }[] = [];
  while (Date.now() < deadline) {
    rows = await tdb.db.execute<{ author: string; status: string }>(sql`
      select m.author, o.status from outbox_messages o join messages m on m.id = o.message_id where o.kind = 'text'`);
    if (rows.some((r) => r.status === "delivered" || r.status === "read")) {
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(rows).toHaveLength(1);
  expect(rows[0]?.author).toBe("bot");
  expect(["delivered", "read"]).toContain(rows[0]?.status);

  // The CLI's sandbox customer: one command, the bot's answer printed.
  let stdout = "";
  const code = await runCli(["sandbox", "say", "--tenant", "haven", "--text", "Vocês abrem sábado?", "--wa-id", "5511911112222"], {
    stdin: process.stdin,
    stdout: (x) => (stdout += x),
    stderr: (x) => (stdout += x),
    env: { DATABASE_URL: tdb.url, LX_SECRET_KEY: TEST_SECRET_KEY_HEX, PORT: String(port) },
  });
  expect(code).toBe(0);
  expect(stdout).toContain("bot: Olá! Aqui é Ana. Recebi sua mensagem: “Vocês abrem sábado?”");

  // No SMTP_URL: the local mail catcher prints the demo client's reset link, and the link works.
  expect(out).toContain("no SMTP_URL: e-mails (password links) are printed here instead of sent");
  const printed = new Promise<string>((resolve) => {
    const look = () => {
      const m = /e-mail to cliente@haven\.local — "[^"]+": (http:\/\/localhost:\d+\/password#t=([\w-]{43}))/.exec(out);
      if (m?.[2]) {
        resolve(m[2]);
      }
    };
    look();
    child.stdout.on("data", look);
  });
  const reset = await fetch(`http://127.0.0.1:${port}/trpc/auth.requestPasswordReset`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "cliente@haven.local" }),
  });
  expect(reset.status).toBe(200);
  const token = await printed;
  // As the console asks: POST, the token in the body (the API refuses it in a GET's URL).
  const link = await fetch(`http://127.0.0.1:${port}/trpc/auth.passwordLink`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
  });
  expect(((await link.json()) as { result: { data: { email: string } } }).result.data.email).toBe("cliente@haven.local");
}, 120_000);

/** `pnpm start` as a terminal runs it: in a process group of its own, which Ctrl-C signals whole. */
function startInTerminal(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/root", LX_SKIP_CONSOLE_BUILD: "1", LOG_LEVEL: "info", ...env },
  });
  const run = { child, out: "" };
  child.stdout.on("data", (d: Buffer) => (run.out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (run.out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const printed = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const look = () => run.out.includes(text) && resolve();
      look();
      child.stdout.on("data", look);
      void exited.then(() => reject(new Error(`start exited before printing "${text}":\n${run.out}`)));
    });
  const ctrlC = async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      process.kill(-child.pid, "SIGINT");
    }
    return exited;
  };
  onTestFinished(async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      process.kill(-child.pid, "SIGTERM");
      await exited;
    }
  });
  return { run, exited, printed, ctrlC };
}

// Ctrl-C signals the terminal's whole process group at once; the embedded PostgreSQL used to stop
// with it, under a worker still finishing its jobs (an uncaught exception, and the reply left to the
// next start), and the worker, signalled twice, skipped its drain. Now the product stops in order.
test("Ctrl-C on pnpm start with the embedded PostgreSQL stops the worker, the API, then the database, cleanly; the next start reuses the data; a second start and a taken port are refused in one line", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "lx-start-"));
  chmodSync(dataDir, 0o755); // as root, the server runs as the postgres user, which must reach it
  onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const env = { LX_DATA_DIR: dataDir, PORT: String(port), WORKER_METRICS_PORT: String(await freePort()) };

  const first = startInTerminal(env);
  await first.printed("offline deterministic responder");
  expect(first.run.out).toContain("DATABASE_URL is not set: starting the embedded PostgreSQL");
  expect(first.run.out).toContain("LX_SECRET_KEY is not set: using the development key in");
  const { databaseUrl } = JSON.parse(readFileSync(path.join(dataDir, "dev.json"), "utf8")) as { databaseUrl: string };
  const db = createDb(databaseUrl, { max: 1 });
  onTestFinished(() => closeDb(db));

  // A second start on the same data, while the first runs: refused in one line.
  const second = startInTerminal({ ...env, PORT: String(await freePort()), WORKER_METRICS_PORT: String(await freePort()) });
  expect(await second.exited).toBe(1);
  expect(second.run.out).toMatch(/start failed: the embedded PostgreSQL in .* is already running \(pid \d+\): is another `pnpm start` running\? Stop it first\./);
  // The API's port taken: refused before anything starts.
  const taken = startInTerminal({ ...env, LX_DATA_DIR: path.join(dataDir, "other") });
  expect(await taken.exited).toBe(1);
  expect(taken.run.out).toContain(`start failed: port ${port} is already in use (PORT)`);

  const customer = createCustomer({
    webhookUrl: `http://127.0.0.1:${port}/api/webhooks/whatsapp`,
    appSecret: "lx-dev-app-secret",
    phoneNumberId: "100000000000001",
    waId: "5511977776666",
    name: "Rita",
  });
  expect((await customer.text("Oi, antes do Ctrl-C")).status).toBe(200);
  const code = await first.ctrlC();

  expect(code).toBe(0);
  const out = first.run.out;
  const at = (text: string) => {
    const i = out.indexOf(text);
    expect(i, `"${text}" in:\n${out}`).toBeGreaterThanOrEqual(0);
    return i;
  };
  // In order: the worker drained and stopped, then the API, then the database went.
  expect(at('"msg":"worker stopped"')).toBeLessThan(at('"service":"api","signal":"SIGTERM"'));
  expect(out).not.toContain("second signal");
  expect(out).not.toMatch(/Uncaught|triggerUncaughtException|error during shutdown|57P01/);
  await expect(db.execute(sql`select 1`)).rejects.toThrow();

  // The next start reuses the data: no second demo, and Rita's message answered exactly once.
  const again = startInTerminal(env);
  await again.printed("offline deterministic responder");
  expect(again.run.out).toContain("database schema is up to date");
  expect(again.run.out).not.toContain("provisioned the demo");
  const db2 = createDb(databaseUrl, { max: 1 });
  onTestFinished(() => closeDb(db2));
  const deadline = Date.now() + 30_000;
  let replies: { body: string }[] = [];
  while (Date.now() < deadline) {
    replies = await db2.execute<{ body: string }>(sql`
      select m.body from messages m join conversations c on c.id = m.conversation_id
      where c.customer_key = '5511977776666' and m.direction = 'out'`);
    if (replies.length > 0) {
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(replies).toHaveLength(1);
  expect(replies[0]?.body).toContain("Recebi sua mensagem: “Oi, antes do Ctrl-C”");
  expect(await again.ctrlC()).toBe(0);
}, 180_000);

// A service manager (or `kill <pid of pnpm>`) signals pnpm alone: pnpm exits without passing the
// signal on, and the product used to keep running with no one left to stop it.
test("SIGTERM to the pnpm process alone stops the whole product in order", async () => {
  const tdb = await freshTestDatabase();
  onTestFinished(() => tdb.drop());
  const port = await freePort();
  const pnpm = spawn("pnpm", ["start"], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: await startEnv(tdb.url, port, "info"),
  });
  let out = "";
  pnpm.stdout.on("data", (d: Buffer) => (out += d.toString()));
  pnpm.stderr.on("data", (d: Buffer) => (out += d.toString()));
  // The pipes close when the last process holding them (every process of the product) has exited.
  const allGone = Promise.all([
    new Promise((resolve) => pnpm.stdout.once("close", resolve)),
    new Promise((resolve) => pnpm.stderr.once("close", resolve)),
  ]);
  onTestFinished(async () => {
    if (pnpm.pid !== undefined && !pnpm.stdout.closed) {
      process.kill(-pnpm.pid, "SIGINT");
      await allGone;
    }
  });
  await new Promise<void>((resolve, reject) => {
    const look = () => out.includes("offline deterministic responder") && resolve();
    pnpm.stdout.on("data", look);
    pnpm.once("exit", () => reject(new Error(`pnpm start exited early:\n${out}`)));
  });

  process.kill(pnpm.pid ?? 0, "SIGTERM");
  await allGone;

  expect(out).toContain("the process that ran `pnpm start` has gone: stopping");
  const at = (text: string) => {
    const i = out.indexOf(text);
    expect(i, `"${text}" in:\n${out}`).toBeGreaterThanOrEqual(0);
    return i;
  };
  expect(at('"msg":"worker stopped"')).toBeLessThan(at('"service":"api","msg":"stopped"'));
  await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
  const sessions = await tdb.db.execute<{ n: number }>(
    sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
  );
  expect(sessions[0]?.n).toBe(0);
}, 120_000);
