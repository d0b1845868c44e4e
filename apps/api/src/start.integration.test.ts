import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { sql } from "drizzle-orm";
import { expect, onTestFinished, test } from "vitest";

import { closeDb, createDb } from "@lx/db/client";
import { freePort } from "@lx/db/embedded";
import { freshTestDatabase, TEST_SECRET_KEY_HEX } from "@lx/db/testing";
import { createCustomer, startFakeAnthropic } from "@lx/sandbox";

import { runCli } from "./cli/run.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));


/**
 * Holds an exclusive lock on the migrations table (what start-up's migrations and the API's
 * readiness read) until `release`; resolves once it is held. Released at the test's end too.
 */
async function holdMigrationsLock(url: string): Promise<{ release: () => void; holding: Promise<unknown> }> {
  const holder = createDb(url, { max: 1 });
  onTestFinished(() => closeDb(holder));
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked: () => void = () => undefined;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const holding = holder.transaction(async (tx) => {
    await tx.execute(sql`lock table drizzle.__drizzle_migrations in access exclusive mode`);
    locked();
    await released;
  });
  onTestFinished(async () => {
    release();
    await holding;
  });
  await isLocked;
  return { release, holding };
}

/**
 * A sandbox customer writes to the demo number of the product on `port`; resolves with the text
 * sends (author, status) once one was delivered or read (30 s at most).
 */
async function customerAnswered(
  db: Awaited<ReturnType<typeof freshTestDatabase>>["db"],
  port: number,
  waId: string,
  text: string,
): Promise<{ author: string; status: string }[]> {
  const customer = createCustomer({
    webhookUrl: `http://127.0.0.1:${port}/api/webhooks/whatsapp`,
    appSecret: "lx-dev-app-secret",
    phoneNumberId: "100000000000001",
    waId,
    name: "Joana",
  });
  expect((await customer.text(text)).status).toBe(200);
  const deadline = Date.now() + 30_000;
  let rows: { author: string; status: string }[] = [];
  while (Date.now() < deadline) {
    rows = await db.execute<{ author: string; status: string }>(sql`
      select m.author, o.status from outbox_messages o join messages m on m.id = o.message_id where o.kind = 'text'`);
    if (rows.some((r) => r.status === "delivered" || r.status === "read")) {
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return rows;
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

  const rows = await customerAnswered(tdb.db, port, "5511999990000", "Oi! Quanto custa a avaliação?");
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
  const { databaseUrl, apiUrl } = JSON.parse(readFileSync(path.join(dataDir, "dev.json"), "utf8")) as { databaseUrl: string; apiUrl: string };
  const db = createDb(databaseUrl, { max: 1 });
  onTestFinished(() => closeDb(db));
  // Where the embedded server runs is printed (54329 unless taken), and dev.json names the API too:
  // `lx` finds both with no DATABASE_URL or PORT of its own.
  expect(first.run.out).toContain(`[lx] embedded PostgreSQL: ${databaseUrl}`);
  expect(apiUrl).toBe(`http://127.0.0.1:${port}`);
  let said = "";
  const sayCode = await runCli(["sandbox", "say", "--tenant", "haven", "--text", "Oi pelo lx", "--wa-id", "5511955554444"], {
    stdin: process.stdin,
    stdout: (x) => (said += x),
    stderr: (x) => (said += x),
    env: { LX_DATA_DIR: dataDir },
  });
  expect(said).toContain("bot: Olá! Aqui é Ana. Recebi sua mensagem: “Oi pelo lx”");
  expect(sayCode).toBe(0);

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

// Ctrl-C while `pnpm start` waits for the API to be ready used to end the wait as a failure: "start
// failed: …/readyz did not become ready in 60s", exit 1, racing the orderly stop. It is the user's
// stop: quiet, exit 0. (The API is held not ready by a lock on the migrations table it reads.)
test("Ctrl-C while pnpm start waits for the API to be ready stops it quietly, exit 0", async () => {
  const tdb = await freshTestDatabase();
  onTestFinished(() => tdb.drop());
  const port = await freePort();
  const start = startInTerminal({ DATABASE_URL: tdb.url, LX_SECRET_KEY: TEST_SECRET_KEY_HEX, PORT: String(port), WORKER_METRICS_PORT: String(await freePort()) });
  await start.printed("provisioned the demo tenant");
  const { release, holding } = await holdMigrationsLock(tdb.url);
  await start.printed("api listening");
  const code = await start.ctrlC().finally(() => release());
  await holding;

  expect(start.run.out).not.toContain("start failed");
  expect(start.run.out).not.toContain("did not become ready");
  expect(start.run.out).not.toContain("[lx] ready:");
  expect(start.run.out).toContain("[lx] stopping…");
  expect(code).toBe(0);
  // The readiness probe's 503s while it waited are no errors in the API's log.
  expect(start.run.out).not.toMatch(/"level":50[^\n]*readyz/);
}, 120_000);

// Earlier still (the database starting, migrations, the console build), the relay's stop request was
// lost: the supervisor had no handler for it yet, and the product started all the same.
test("Ctrl-C while pnpm start is still starting (its migrations wait on a lock) stops it before the API and worker start, exit 0", async () => {
  const tdb = await freshTestDatabase();
  onTestFinished(() => tdb.drop());
  const { release, holding } = await holdMigrationsLock(tdb.url);
  const start = startInTerminal({ DATABASE_URL: tdb.url, LX_SECRET_KEY: TEST_SECRET_KEY_HEX, PORT: String(await freePort()), WORKER_METRICS_PORT: String(await freePort()) });
  // Start-up is at its migrations, waiting for the lock.
  const deadline = Date.now() + 30_000;
  let waiting = false;
  while (!waiting && Date.now() < deadline) {
    const [row] = await tdb.db.execute<{ n: number }>(
      sql`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    waiting = (row?.n ?? 0) > 0;
    if (!waiting) {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  expect(waiting).toBe(true);
  const exited = start.ctrlC();
  release();
  await holding;
  expect(await exited).toBe(0);
  expect(start.run.out).toContain("[lx] stopped during start-up");
  expect(start.run.out).not.toContain("api listening");
  expect(start.run.out).not.toContain("start failed");
}, 120_000);

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

// The same for `pnpm api` and `pnpm worker` (a service manager, or `docker stop` with pnpm as PID 1,
// signals pnpm alone): pnpm exited (ELIFECYCLE) and the API kept listening, the worker kept claiming,
// with nobody left to stop them. Now each notices its package manager has gone and stops as on SIGTERM.
test("SIGTERM to the pnpm of `pnpm api` or `pnpm worker` alone stops the process gracefully", async () => {
  const tdb = await freshTestDatabase();
  onTestFinished(() => tdb.drop());
  const port = await freePort();
  const env = {
    ...(await startEnv(tdb.url, port, "info")),
    META_APP_SECRET: "lx-dev-app-secret",
    META_VERIFY_TOKEN: "lx-dev-verify-token",
    LX_LLM: "offline",
  };
  const runs = ["api", "worker"].map((script) => {
    const pnpm = spawn("pnpm", [script], { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"], env });
    const run = { pnpm, out: "" };
    pnpm.stdout.on("data", (d: Buffer) => (run.out += d.toString()));
    pnpm.stderr.on("data", (d: Buffer) => (run.out += d.toString()));
    // The pipes close when the last process holding them (pnpm, tsx, the API or worker) has exited.
    const allGone = Promise.all([
      new Promise((resolve) => pnpm.stdout.once("close", resolve)),
      new Promise((resolve) => pnpm.stderr.once("close", resolve)),
    ]);
    onTestFinished(async () => {
      if (pnpm.pid !== undefined && !pnpm.stdout.closed) {
        process.kill(-pnpm.pid, "SIGKILL");
        await allGone;
      }
    });
    const printed = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const look = () => run.out.includes(text) && resolve();
        look();
        pnpm.stdout.on("data", look);
        pnpm.once("exit", () => reject(new Error(`pnpm ${script} exited early:\n${run.out}`)));
      });
    return { run, allGone, printed };
  });
  const [api, worker] = runs as [(typeof runs)[number], (typeof runs)[number]];
  await Promise.all([api.printed("api listening"), worker.printed('"msg":"worker ready"')]);

  for (const r of runs) {
    process.kill(r.run.pnpm.pid ?? 0, "SIGTERM");
  }
  await Promise.all(runs.map((r) => r.allGone));

  expect(api.run.out).toContain("the package manager that ran the API has gone: shutting down");
  expect(api.run.out).toContain('"msg":"stopped"');
  expect(worker.run.out).toContain("the package manager that ran the worker has gone: shutting down");
  expect(worker.run.out).toContain('"msg":"worker stopped"');
  await expect(fetch(`http://127.0.0.1:${port}/readyz`)).rejects.toThrow();
  const sessions = await tdb.db.execute<{ n: number }>(
    sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
  );
  expect(sessions[0]?.n).toBe(0);
}, 60_000);

// `pnpm start` with only ANTHROPIC_API_KEY set while the demo agent is on an OpenAI model: it used to
// run LX_LLM=auto and call OpenAI with a placeholder key (401 → retries → a handoff), saying nothing.
test("pnpm start with only ANTHROPIC_API_KEY: says which provider is usable, and the OpenAI demo agent answers offline, saying so", async () => {
  const tdb = await freshTestDatabase();
  onTestFinished(() => tdb.drop());
  const anthropic = await startFakeAnthropic();
  onTestFinished(() => anthropic.stop());
  const port = await freePort();
  const start = startInTerminal({
    ...(await startEnv(tdb.url, port, "warn")),
    ANTHROPIC_API_KEY: "test-key",
    ANTHROPIC_BASE_URL: anthropic.url,
  } as Record<string, string>);
  await start.printed("offline deterministic responder");
  expect(start.run.out).toContain("model providers: anthropic: ANTHROPIC_API_KEY");
  expect(start.run.out).toMatch(/no OPENAI_API_KEY: Haven[^\n]*\(openai\/gpt-4o-mini\) answer with the offline deterministic responder/);

  const rows = await customerAnswered(tdb.db, port, "5511999990001", "Oi! Vocês abrem sábado?");
  // Answered by the bot (offline), not handed to a human after failed calls to OpenAI.
  expect(rows.map((r) => r.author)).toEqual(["bot"]);
  expect(["delivered", "read"]).toContain(rows[0]?.status);
  expect((await tdb.db.execute(sql`select 1 from handoffs`)).length).toBe(0);
  expect(anthropic.requests).toHaveLength(0);
}, 120_000);
