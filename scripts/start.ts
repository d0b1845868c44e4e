/**
 * `pnpm start`: the whole product on one machine. Without DATABASE_URL it runs an embedded
 * PostgreSQL with its data in .data/pg (kept across runs), applies migrations, seeds the demo on an
 * empty database, builds the console and starts the API and the worker as child processes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { closeDb, createDb } from "@lx/db/client";
import { DEMO_CLIENT, DEMO_OPERATOR, isEmptyDatabase, provisionDemo } from "@lx/db/demo";
import { startEmbeddedPostgres, type EmbeddedServer } from "@lx/db/embedded";
import { runMigrations } from "@lx/db/migrate";
import { startFakeSmtp, type FakeSmtp } from "@lx/sandbox";
import { parseSecretKey } from "@lx/shared/crypto";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dataDir = path.join(root, ".data");
const say = (s: string) => process.stdout.write(`[lx] ${s}\n`);

function devSecretKey(): string {
  if (process.env.LX_SECRET_KEY) {
    return process.env.LX_SECRET_KEY;
  }
  const file = path.join(dataDir, "secret.key");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
    say(`generated a development LX_SECRET_KEY in ${path.relative(root, file)}`);
  }
  return readFileSync(file, "utf8").trim();
}

async function main() {
  let embedded: EmbeddedServer | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  const secretKey = devSecretKey();
  parseSecretKey(secretKey);

  if (!databaseUrl) {
    say("DATABASE_URL is not set: starting the embedded PostgreSQL (data in .data/pg)");
    embedded = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "pg"), port: 54329 }).catch(() =>
      startEmbeddedPostgres({ dataDir: path.join(dataDir, "pg") }),
    );
    databaseUrl = embedded.url;
    writeFileSync(path.join(dataDir, "dev.json"), JSON.stringify({ databaseUrl, secretKey }, null, 2), { mode: 0o600 });
  }

  const m = await runMigrations(databaseUrl);
  say(m.applied > 0 ? `applied ${m.applied} migration(s)` : "database schema is up to date");

  const db = createDb(databaseUrl, { max: 2, applicationName: "lx-start" });
  try {
    if (await isEmptyDatabase(db)) {
      const applyFile = JSON.parse(readFileSync(path.join(root, "examples/haven.json"), "utf8")) as unknown;
      const report = await provisionDemo(db, { applyFile, secretKey: parseSecretKey(secretKey) });
      say(`empty database: provisioned the demo tenant "${report.tenant}" (${report.changes.length} changes)`);
    }
  } finally {
    await closeDb(db);
  }

  const adminDist = path.join(root, "apps/admin/dist");
  if (existsSync(path.join(root, "apps/admin/vite.config.ts")) && process.env.LX_SKIP_CONSOLE_BUILD !== "1") {
    say("building the console (apps/admin)…");
    await run("pnpm", ["--filter", "@lx/admin", "build"]);
  }

  const port = process.env.PORT ?? "3000";
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
    PORT: port,
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
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) {
              resolve();
              return;
            }
            c.once("exit", () => resolve());
            c.kill("SIGTERM");
          }),
      ),
    );
    await mailCatcher?.stop();
    await embedded?.stop();
    process.exit(code);
  };
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  await waitForReady(`http://127.0.0.1:${port}/readyz`);
  say(`ready: http://localhost:${port}`);
  say(`operator login: ${DEMO_OPERATOR.email} / ${DEMO_OPERATOR.password}`);
  say(`client login:   ${DEMO_CLIENT.email} / ${DEMO_CLIENT.password}`);
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

async function waitForReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
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

main().catch((err: unknown) => {
  process.stderr.write(`[lx] start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
