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
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { closeDb, createDb } from "@lx/db/client";
import { DEMO_CLIENT, DEMO_OPERATOR, hasDemoLogins, isEmptyDatabase, provisionDemo } from "@lx/db/demo";
// The embedded server's module is loaded only where it runs (see main): it installs exit hooks that
// would stop the database and exit on the relay's first signal.
import type { EmbeddedServer } from "@lx/db/embedded";
import { runMigrations } from "@lx/db/migrate";
import { startFakeSmtp, type FakeSmtp } from "@lx/sandbox";
import { parseSecretKey } from "@lx/shared/crypto";
import { listenFailure } from "@lx/shared/errors";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** `.data` by default; `LX_DATA_DIR` puts the embedded database and the development key elsewhere. */
const dataDir = path.resolve(root, process.env.LX_DATA_DIR ?? ".data");
const say = (s: string) => process.stdout.write(`[lx] ${s}\n`);
/** A path as the user gave it: relative to the repository when inside it. */
const shownPath = (p: string) => (p.startsWith(root + path.sep) ? path.relative(root, p) : p);
const SUPERVISOR = "LX_START_SUPERVISOR";

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

/** A process's parent pid and arguments, or null when it is gone. /proc where there is one, `ps` elsewhere. */
function processInfo(pid: number): { ppid: number; argv: string[] } | null {
  try {
    if (existsSync("/proc/self/stat")) {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      return { ppid, argv: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0") };
    }
    const [ppid, ...argv] = execFileSync("ps", ["-o", "ppid=,command=", "-p", String(pid)], { encoding: "utf8" }).trim().split(/\s+/);
    return ppid ? { ppid: Number(ppid), argv } : null;
  } catch {
    return null;
  }
}

/** pnpm, npm or yarn, run as a binary or as a script of node. */
const isPackageManager = (argv: string[]) =>
  argv.slice(0, 2).some((a) => /^(pnpm|npm|yarn)(\.c?js)?$|^npm-cli\.js$/.test(path.basename(a)));

/**
 * Calls `gone` once any process between this one and the package manager that ran it (pnpm, npm or
 * yarn, included) exits or loses its parent; with no package manager among the first ancestors (run
 * as `node scripts/start.ts`), the parent alone is watched. The shell or service manager above the
 * package manager is not: `nohup pnpm start &` outlives its shell, as it should.
 */
function watchLaunchers(gone: () => void): void {
  // Links child → parent from this process up; a link breaks when the parent exits (its child is
  // reparented). The package manager's own parent is not a link.
  let links: { pid: number; ppid: number }[] = [];
  for (let pid = process.pid; ; ) {
    const info = processInfo(pid);
    if (!info || info.ppid <= 1) {
      links = links.slice(0, 1); // no package manager in sight: the parent alone
      break;
    }
    links.push({ pid, ppid: info.ppid });
    const parent = processInfo(info.ppid);
    if (!parent || isPackageManager(parent.argv)) {
      break;
    }
    if (links.length === 5) {
      links = links.slice(0, 1);
      break;
    }
    pid = info.ppid;
  }
  if (links.length === 0) {
    return;
  }
  const timer = setInterval(() => {
    if (links.some((l) => processInfo(l.pid)?.ppid !== l.ppid)) {
      clearInterval(timer);
      gone();
    }
  }, 500);
  timer.unref();
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
    writeFileSync(path.join(dataDir, "dev.json"), JSON.stringify({ databaseUrl, secretKey }, null, 2), { mode: 0o600 });
  }

  const m = await runMigrations(databaseUrl);
  say(m.applied > 0 ? `applied ${m.applied} migration(s)` : "database schema is up to date");

  const db = createDb(databaseUrl, { max: 2, applicationName: "lx-start" });
  let demoLogins = false;
  try {
    if (await isEmptyDatabase(db)) {
      const applyFile = JSON.parse(readFileSync(path.join(root, "examples/haven.json"), "utf8")) as unknown;
      const report = await provisionDemo(db, { applyFile, secretKey: parseSecretKey(secretKey) });
      say(`empty database: provisioned the demo tenant "${report.tenant}" (${report.changes.length} changes)`);
    }
    // The demo's logins are printed only where they work: a database of one's own has its own.
    demoLogins = await hasDemoLogins(db);
  } finally {
    await closeDb(db);
  }

  const adminDist = path.join(root, "apps/admin/dist");
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
  const llmOffline = !process.env.OPENAI_API_KEY && !process.env.ANTHROPIC_API_KEY;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    LX_SECRET_KEY: secretKey,
    PORT: String(port),
    META_APP_SECRET: process.env.META_APP_SECRET ?? "lx-dev-app-secret",
    META_VERIFY_TOKEN: process.env.META_VERIFY_TOKEN ?? "lx-dev-verify-token",
    LX_LLM: process.env.LX_LLM ?? (llmOffline ? "offline" : "auto"),
    ADMIN_DIST_DIR: existsSync(adminDist) ? adminDist : "",
    // The Meta sandbox: the API serves a fake Graph API for sandbox numbers, and its status
    // callbacks come back to the API's own webhook.
    LX_SANDBOX: process.env.LX_SANDBOX ?? "true",
    SANDBOX_GRAPH_URL: process.env.SANDBOX_GRAPH_URL ?? `http://127.0.0.1:${port}/sandbox/graph`,
    ...(mailCatcher ? { SMTP_URL: mailCatcher.url, PUBLIC_URL: process.env.PUBLIC_URL ?? `http://localhost:${port}` } : {}),
  };

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
  if (childEnv.LX_LLM === "offline") {
    say("no OPENAI_API_KEY or ANTHROPIC_API_KEY: agents answer with the offline deterministic responder");
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
  throw new Error(`${url} did not become ready in ${timeoutMs / 1000}s`);
}

if (process.env[SUPERVISOR] === "1") {
  main().catch((err: unknown) => {
    process.stderr.write(`[lx] start failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
} else {
  relay();
}
