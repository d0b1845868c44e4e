import { execFileSync } from "node:child_process";
import path from "node:path";

import { describe, expect, it, vi } from "vitest";

import { createLogger, lazyChild } from "./logger.ts";

function capture(level = "info") {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => void lines.push(line) });
  return { logger, output: () => lines.join("") };
}

describe("createLogger", () => {
  it("logs a failed statement without its values (drizzle puts them in the error's message and params)", () => {
    const { logger, output } = capture();
    const cause = Object.assign(new Error("duplicate key value violates unique constraint \"messages_inbound_meta_key\""), {
      name: "PostgresError",
      code: "23505",
      severity: "ERROR",
      detail: "Key (tenant_id, meta_message_id)=(7f1c, wamid.HBg-5511987654321) already exists.",
      constraint_name: "messages_inbound_meta_key",
    });
    const err = Object.assign(
      new Error('Failed query: insert into messages (body) values ($1)\nparams: Oi, sou a Joana, CPF 123.456.789-00', { cause }),
      { query: "insert into messages (body) values ($1)", params: ["Oi, sou a Joana, CPF 123.456.789-00"] },
    );
    logger.error({ err }, "webhook ingest failed");
    const line = JSON.parse(output()) as { err: Record<string, unknown> };
    expect(line.err).toMatchObject({ type: "DatabaseError", code: "23505", constraint: "messages_inbound_meta_key" });
    expect(line.err.detail).toBe("Key (tenant_id, meta_message_id)=(…) already exists.");
    for (const value of ["Joana", "123.456.789-00", "5511987654321"]) {
      expect(output()).not.toContain(value);
    }
  });

  it("redacts credentials wherever they appear", () => {
    const { logger, output } = capture();
    logger.info(
      {
        req: { headers: { authorization: "Bearer sk-live-1", cookie: "lx_session=tok-2", accept: "json" } },
        headers: { "set-cookie": "lx_session=tok-3" },
        password: "hunter2-top",
        input: { email: "ana@x.test", password: "hunter2-nested", token: "tok-4" },
        number: { accessToken: "EAAG-5" },
        tenant: { secret: "whsec-6" },
      },
      "login attempt",
    );
    const text = output();
    for (const secret of [
      "sk-live-1",
      "tok-2",
      "tok-3",
      "hunter2-top",
      "hunter2-nested",
      "tok-4",
      "EAAG-5",
      "whsec-6",
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("[redacted]");
    // Non-secret fields stay readable.
    expect(text).toContain("ana@x.test");
    expect(text).toContain('"accept":"json"');
  });

  it("honours the level and binds child fields", () => {
    const { logger, output } = capture("warn");
    logger.info("hidden");
    logger.child({ requestId: "r-1" }).warn("shown");
    const text = output();
    expect(text).not.toContain("hidden");
    expect(JSON.parse(text.trim())).toMatchObject({
      level: 40,
      requestId: "r-1",
      msg: "shown",
      service: "api",
    });
  });

  it("makes a request's child logger only when something is logged at a level that is written", () => {
    const { logger, output } = capture("info");
    const child = vi.spyOn(logger, "child");
    const quiet = lazyChild(logger, { requestId: "r-quiet" });
    quiet.debug({ password: "hunter2" }, "inbound queued"); // a webhook delivery at info: no child, no line
    quiet.trace("nothing");
    expect(child).not.toHaveBeenCalled();
    expect(output()).toBe("");

    const used = lazyChild(logger, { requestId: "r-2" });
    used.warn({ input: { password: "hunter2" } }, "not ready");
    used.info("again");
    used.child({ jobId: 7 }).error("nested");
    // The request's child made once, on first use (then the nested one, through it).
    expect(child.mock.calls.map(([bindings]) => bindings)).toEqual([{ requestId: "r-2" }, { jobId: 7 }]);
    const lines = output().trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.msg, l.requestId])).toEqual([
      ["not ready", "r-2"],
      ["again", "r-2"],
      ["nested", "r-2"],
    ]);
    expect(lines[2]).toMatchObject({ jobId: 7, level: 50 });
    expect(output()).not.toContain("hunter2"); // redaction as on the logger itself
    expect(used.isLevelEnabled("debug")).toBe(false);
  });

  it("writes stdout asynchronously and still flushes every line when the process exits right after", () => {
    const out = execFileSync(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "testing/log-burst.ts"), "2000"], {
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    const lines = out.trim().split("\n").map((l) => JSON.parse(l) as { msg: string; i?: number });
    expect(lines).toHaveLength(2001);
    expect(lines.slice(0, 2000).map((l) => l.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(lines.at(-1)?.msg).toBe("stopped");
  });
});
