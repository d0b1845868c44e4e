import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

import { sql } from "drizzle-orm";
import { expect, onTestFinished, test } from "vitest";

import { freshTestDatabase, TEST_SECRET_KEY_HEX } from "@lx/db/testing";
import { createCustomer, startFakeAnthropic } from "@lx/sandbox";

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

// `pnpm start` with only ANTHROPIC_API_KEY set while the demo agent is on an OpenAI model: it used to
// run LX_LLM=auto and call OpenAI with a placeholder key (401 → retries → a handoff), saying nothing.
test("pnpm start with only ANTHROPIC_API_KEY: says which provider is usable, and the OpenAI demo agent answers offline, saying so", async () => {
  const tdb = await freshTestDatabase();
  onTestFinished(() => tdb.drop());
  const anthropic = await startFakeAnthropic();
  onTestFinished(() => anthropic.stop());
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
      ANTHROPIC_API_KEY: "test-key",
      ANTHROPIC_BASE_URL: anthropic.url,
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
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", () => out.includes("offline deterministic responder") && resolve());
    child.once("exit", (code) => reject(new Error(`start exited ${code}:\n${out}`)));
  });
  expect(out).toContain("model providers: anthropic: ANTHROPIC_API_KEY");
  expect(out).toMatch(/no OPENAI_API_KEY: Haven[^\n]*\(openai\/gpt-4o-mini\) answer with the offline deterministic responder/);

  const customer = createCustomer({
    webhookUrl: `http://127.0.0.1:${port}/api/webhooks/whatsapp`,
    appSecret: "lx-dev-app-secret",
    phoneNumberId: "100000000000001",
    waId: "5511999990001",
    name: "Joana",
  });
  expect((await customer.text("Oi! Vocês abrem sábado?")).status).toBe(200);
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
  // Answered by the bot (offline), not handed to a human after failed calls to OpenAI.
  expect(rows.map((r) => r.author)).toEqual(["bot"]);
  expect(["delivered", "read"]).toContain(rows[0]?.status);
  expect((await tdb.db.execute(sql`select 1 from handoffs`)).length).toBe(0);
  expect(anthropic.requests).toHaveLength(0);
});
