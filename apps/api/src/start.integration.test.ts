import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

import { sql } from "drizzle-orm";
import { expect, onTestFinished, test } from "vitest";

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
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/root",
      DATABASE_URL: tdb.url,
      PORT: String(port),
      WORKER_METRICS_PORT: String(await freePort()),
      LX_SECRET_KEY: TEST_SECRET_KEY_HEX,
      LX_SKIP_CONSOLE_BUILD: "1",
      LOG_LEVEL: "warn",
    },
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
  const link = await fetch(`http://127.0.0.1:${port}/trpc/auth.passwordLink?input=${encodeURIComponent(JSON.stringify({ token }))}`);
  expect(((await link.json()) as { result: { data: { email: string } } }).result.data.email).toBe("cliente@haven.local");
}, 120_000);
