/**
 * `pnpm start`: the whole product on one machine. Without DATABASE_URL it runs an embedded
 * PostgreSQL with its data in .data/pg (kept across runs), applies migrations, seeds the demo on an
 * empty database, builds the console and starts the API and the worker as child processes.
 *
 * Stopping (Ctrl-C, or SIGTERM): the processes stop in order — the API and the worker first (the
 * worker finishes the jobs in flight), the embedded PostgreSQL last. A terminal's Ctrl-C signals its
 * whole process group at once, which would stop the database under a draining worker; so this
 * script runs itself again in a session of its own (the supervisor, with every process of the
 * product under it), and the first process only relays: the first signal asks the supervisor to stop
 * in order, a second one hurries it (SIGINT to the product's processes). When the first process
 * goes away (its terminal closed, or killed), the supervisor stops in order too; and so does it when
 * the package manager that ran it goes (a service manager's SIGTERM to `pnpm` alone: pnpm exits
 * without passing it on, which left the product running with no one to stop it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { closeDb, createDb } from "@lx/db/client";
import { activeAgentModels, DEMO_CLIENT, DEMO_OPERATOR, hasDemoLogins, isEmptyDatabase, provisionDemo } from "@lx/db/demo";
// The embedded server's module is loaded only where it runs (see main): it installs exit hooks that
// would stop the database and exit on the relay's first signal.
import type { EmbeddedServer } from "@lx/db/embedded";
import { runMigrations } from "@lx/db/migrate";
import { startFakeSmtp, type FakeSmtp } from "@lx/sandbox";
import { parseSecretKey } from "@lx/shared/crypto";
import { llmAccessFromEnv, llmStartLines } from "@lx/shared/domain";
import { listenFailure } from "@lx/shared/errors";
import { watchLaunchers } from "@lx/shared/launcher";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** `.data` by default; `LX_DATA_DIR` puts the embedded database and the development key elsewhere. */
const dataDir = path.resolve(root, process.env.LX_DATA_DIR ?? ".data");
const say = (s: string) => process.stdout.write(`[lx] ${s}\n`);
/** A path as the user gave it: relative to the repository when inside it. */
const shownPath = (p: string) => (p.startsWith(root + path.sep) ? path.relative(root, p) : p);
const SUPERVISOR = "LX_START_SUPERVISOR";
/**
 * The relay asked the supervisor to stop (or went) before main's own handlers were in place: during
 * start-up (the database starting, migrations, the console build). Main acts on it at the next step
 * instead of starting the product: it used to be lost, and the product started all the same.
 */
let stopAskedEarly = false;

/** Start-up ends here, at the user's request: what was started is stopped, exit 0. */
async function stopDuringStartUp(...started: ({ stop: () => Promise<void> } | undefined)[]): Promise<never> {
  say("stopped during start-up");
  for (const s of started) {
    await s?.stop();
  }
  process.exit(0);
}

/** The first process: runs the supervisor in a session of its own and relays stop requests to it. */
function relay(): void {
  const supervisor = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, [SUPERVISOR]: "1" },
  });
  let asked = 0;
  const ask = () => {
    asked += 1;
    if (asked === 1) {
      supervisor.send("stop");
    } else if (supervisor.pid !== undefined) {
      say("second signal: stopping now");
      try {
        process.kill(-supervisor.pid, "SIGINT");
      } catch {
        // already gone
      }
    }
  };
  process.on("SIGINT", ask);
  process.on("SIGTERM", ask);
  process.on("SIGHUP", ask);
  supervisor.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  watchLaunchers(() => {
    if (asked === 0) {
      say("the process that ran `pnpm start` has gone: stopping");
      ask();
    }
  });
}

/** Where the embedded PostgreSQL of `dir` already runs (postmaster.pid naming a live server), else null. */
function runningPostmaster(dir: string): number | null {
  const file = path.join(dir, "postmaster.pid");
  if (!existsSync(file)) {
    return null;
  }
  const pid = Number(readFileSync(file, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0) {
    return null;
  }
  try {
    process.kill(pid, 0);
  } catch {
    return null; // left by a server that was killed: PostgreSQL starts over it
  }
  const comm = path.join("/proc", String(pid), "comm");
  return !existsSync(comm) || readFileSync(comm, "utf8").trim().startsWith("postgres") ? pid : null;
}

/** Fails with one line when something already listens on the API's port. */
async function ensurePortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (err) => reject(new Error(listenFailure(err, port, "PORT"))));
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

function devSecretKey(): string {
  if (process.env.LX_SECRET_KEY) {
    return process.env.LX_SECRET_KEY;
  }
  const file = path.join(dataDir, "secret.key");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
    say(`generated a development LX_SECRET_KEY in ${shownPath(file)}`);
  }
  say(`LX_SECRET_KEY is not set: using the development key in ${shownPath(file)}`);
  if (process.env.DATABASE_URL) {
    say("  (tokens and secrets this database saved under another key cannot be read: set LX_SECRET_KEY to that key)");
  }
  return readFileSync(file, "utf8").trim();
}

async function main() {
  let embedded: EmbeddedServer | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  const secretKey = devSecretKey();
  parseSecretKey(secretKey);

  const port = Number(process.env.PORT ?? "3000");
  await ensurePortFree(port);

  if (!databaseUrl) {
    const pgDir = path.join(dataDir, "pg");
    const shown = shownPath(pgDir);
    const running = runningPostmaster(pgDir);
    if (running !== null) {
      throw new Error(
        `the embedded PostgreSQL in ${shown} is already running (pid ${running}): is another \`pnpm start\` running? Stop it first.`,
      );
    }
    say(`DATABASE_URL is not set: starting the embedded PostgreSQL (data in ${shown})`);
    const log: string[] = [];
    const onLog = (chunk: string) => {
      log.push(...chunk.split("\n").filter(Boolean));
      log.splice(0, Math.max(0, log.length - 20));
    };
    const failed = (err: unknown) =>
      new Error(
        `the embedded PostgreSQL did not start${err instanceof Error ? `: ${err.message}` : ""}${log.length > 0 ? `; its last lines:\n${log.join("\n")}` : ""}`,
      );
    const { startEmbeddedPostgres } = await import("@lx/db/embedded");
    embedded = await startEmbeddedPostgres({ dataDir: pgDir, port: 54329, onLog })
      .catch(() => startEmbeddedPostgres({ dataDir: pgDir, onLog }))
      .catch((err: unknown) => {
        throw failed(err);
      });
    databaseUrl = embedded.url;
    say(`embedded PostgreSQL: ${databaseUrl}${embedded.port === 54329 ? "" : " (port 54329 was taken)"}`);
    // `pnpm lx` falls back to it (apps/api/src/cli/env.ts): the database, the key, and the API for `lx sandbox say`.
    const apiUrl = `http://127.0.0.1:${port}`;
    writeFileSync(path.join(dataDir, "dev.json"), JSON.stringify({ databaseUrl, secretKey, apiUrl }, null, 2), { mode: 0o600 });
  }

  const m = await runMigrations(databaseUrl);
  say(m.applied > 0 ? `applied ${m.applied} migration(s)` : "database schema is up to date");

  const db = createDb(databaseUrl, { max: 2, applicationName: "lx-start" });
  let demoLogins = false;
  let agentModels: Awaited<ReturnType<typeof activeAgentModels>> = [];
  try {
    if (await isEmptyDatabase(db)) {
      const applyFile = JSON.parse(readFileSync(path.join(root, "examples/haven.json"), "utf8")) as unknown;
      const report = await provisionDemo(db, { applyFile, secretKey: parseSecretKey(secretKey) });
      say(`empty database: provisioned the demo tenant "${report.tenant}" (${report.changes.length} changes)`);
    }
    // The demo's logins are printed only where they work: a database of one's own has its own.
    demoLogins = await hasDemoLogins(db);
    agentModels = await activeAgentModels(db);
  } finally {
    await closeDb(db);
  }

  const adminDist = path.join(root, "apps/admin/dist");
  if (stopAskedEarly) {
    await stopDuringStartUp(embedded);
  }
  if (existsSync(path.join(root, "apps/admin/vite.config.ts")) && process.env.LX_SKIP_CONSOLE_BUILD !== "1") {
    say("building the console (apps/admin)…");
    await run("pnpm", ["--filter", "@lx/admin", "build"]);
  }

  // No mail relay configured: a local one that prints what the product e-mails (password links),
  // so "Esqueceu a senha?" and e-mailed invitations can be tried on a laptop.
  let mailCatcher: FakeSmtp | undefined;
  if (!process.env.SMTP_URL) {
    mailCatcher = await startFakeSmtp();
    mailCatcher.mails.onItem((m) => {
      const link = /https?:\/\/\S+\/password#t=\S+/.exec(m.text)?.[0] ?? "(no link)";
      say(`e-mail to ${m.envelopeTo.join(", ")} — "${m.subject}": ${link}`);
    });
  }
  // A provider is usable with its key, or keyless at a base URL of one's own (Ollama …). With none
  // usable everything answers offline; with some, agents on a provider without credentials answer
  // offline too (LX_LLM_FALLBACK=offline) — a local run keeps answering — and the lines printed at
  // ready name them. (`pnpm worker` fails such replies instead: LX_LLM_FALLBACK defaults to fail.)
  const llmAccess = llmAccessFromEnv(process.env);
  const llmOffline = Object.values(llmAccess).every((a) => a === "missing");
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    LX_SECRET_KEY: secretKey,
    PORT: String(port),
    META_APP_SECRET: process.env.META_APP_SECRET ?? "lx-dev-app-secret",
    META_VERIFY_TOKEN: process.env.META_VERIFY_TOKEN ?? "lx-dev-verify-token",
    LX_LLM: process.env.LX_LLM ?? (llmOffline ? "offline" : "auto"),
    LX_LLM_FALLBACK: process.env.LX_LLM_FALLBACK ?? "offline",
    ADMIN_DIST_DIR: existsSync(adminDist) ? adminDist : "",
    // The Meta sandbox: the API serves a fake Graph API for sandbox numbers, and its status
    // callbacks come back to the API's own webhook.
    LX_SANDBOX: process.env.LX_SANDBOX ?? "true",
    SANDBOX_GRAPH_URL: process.env.SANDBOX_GRAPH_URL ?? `http://127.0.0.1:${port}/sandbox/graph`,
    ...(mailCatcher ? { SMTP_URL: mailCatcher.url, PUBLIC_URL: process.env.PUBLIC_URL ?? `http://localhost:${port}` } : {}),
  };

  if (stopAskedEarly) {
    await stopDuringStartUp(mailCatcher, embedded);
  }
  // From here on, main's own handlers (below) take the stop requests: no await until they are in place.
  const children: ChildProcess[] = [];
  const startChild = (name: string, entry: string) => {
    const child = spawn(process.execPath, ["--import", "tsx", entry], { cwd: root, env: childEnv, stdio: "inherit" });
    child.on("error", (err) => say(`${name} could not start: ${err.message}`));
    child.on("exit", (code, signal) => {
      if (!stopping) {
        say(`${name} exited (${signal ?? code}); stopping everything`);
        void stop(1);
      }
    });
    children.push(child);
  };
  startChild("api", "apps/api/src/index.ts");
  startChild("worker", "apps/worker/src/index.ts");

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) {
      return;
    }
    stopping = true;
    say("stopping…");
    // The worker first (its sends to sandbox numbers go through the API's Meta sandbox), then the
    // API, then the database.
    for (const c of [...children].reverse()) {
      await new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) {
          resolve();
          return;
        }
        c.once("exit", () => resolve());
        c.kill("SIGTERM");
      });
    }
    await mailCatcher?.stop();
    await embedded?.stop();
    process.exit(code);
  };
  // From the relay (its signals) or, when it is gone, on our own; SIGINT/SIGTERM sent to this
  // process directly (not through the relay) mean the same.
  process.on("message", (message) => message === "stop" && void stop(0));
  process.on("disconnect", () => void stop(0));
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  await waitForReady(`http://127.0.0.1:${port}/readyz`, () => stopping);
  if (stopping) {
    return;
  }
  say(`ready: http://localhost:${port}`);
  if (demoLogins) {
    say(`operator login: ${DEMO_OPERATOR.email} / ${DEMO_OPERATOR.password}`);
    say(`client login:   ${DEMO_CLIENT.email} / ${DEMO_CLIENT.password}`);
  } else {
    say("this database has no demo logins: sign in with its own accounts (`pnpm lx operator create --email …`)");
  }
  say(`Meta sandbox: sandbox numbers send to ${childEnv.SANDBOX_GRAPH_URL ?? ""}`);
  if (mailCatcher) {
    say("no SMTP_URL: e-mails (password links) are printed here instead of sent");
  }
  for (const line of llmStartLines(childEnv, llmAccess, agentModels)) {
    say(line);
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: root, stdio: "inherit" });
    p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}`))));
  });
}

async function waitForReady(url: string, gaveUp: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !gaveUp()) {
    try {
      const r = await fetch(url);
      if (r.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (gaveUp()) {
    return; // stopped meanwhile (Ctrl-C): the stop runs its course, and that is no failure
  }
  throw new Error(`${url} did not become ready in ${timeoutMs / 1000}s`);
}

if (process.env[SUPERVISOR] === "1") {
  process.on("message", (message) => message === "stop" && (stopAskedEarly = true));
  process.on("disconnect", () => (stopAskedEarly = true));
  main().catch((err: unknown) => {
    process.stderr.write(`[lx] start failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
} else {
  relay();
}
