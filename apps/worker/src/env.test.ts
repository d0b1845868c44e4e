import { describe, expect, it } from "vitest";

import { parseWorkerEnv } from "./env.ts";

const complete = { DATABASE_URL: "postgres://lx:pw@db.example:5432/lx", LX_SECRET_KEY: "ab".repeat(32) };

describe("parseWorkerEnv", () => {
  it("applies the documented defaults", () => {
    expect(parseWorkerEnv(complete)).toMatchObject({
      ok: true,
      env: {
        DATABASE_PREPARE: true,
        DATABASE_STATEMENT_TIMEOUT_MS: 30_000,
        WORKER_CONCURRENCY: 64,
        WORKER_NICE: 10,
        WORKER_FLOOD_RATE: 10,
        WORKER_FLOOD_MAX_MS: 30_000,
        WORKER_LEASE_MS: 30_000,
        OUTBOX_AMBIGUOUS_GRACE_MS: 60_000,
        LX_LLM: "auto",
        META_API_VERSION: "v23.0",
      },
    });
  });

  it("takes WORKER_FLOOD_RATE 0 (ignore webhook floods) and fractions, and refuses a negative one, naming it", () => {
    expect(parseWorkerEnv({ ...complete, WORKER_FLOOD_RATE: "0", WORKER_FLOOD_MAX_MS: "5000" })).toMatchObject({
      ok: true,
      env: { WORKER_FLOOD_RATE: 0, WORKER_FLOOD_MAX_MS: 5_000 },
    });
    expect(parseWorkerEnv({ ...complete, WORKER_FLOOD_RATE: "0.5" })).toMatchObject({ ok: true, env: { WORKER_FLOOD_RATE: 0.5 } });
    const bad = parseWorkerEnv({ ...complete, WORKER_FLOOD_RATE: "-1" });
    expect(bad.ok ? "" : bad.message).toMatch(/^invalid environment: WORKER_FLOOD_RATE: /);
  });

  it("takes 0 as no statement timeout and refuses a negative one, naming it", () => {
    expect(parseWorkerEnv({ ...complete, DATABASE_STATEMENT_TIMEOUT_MS: "0" })).toMatchObject({
      ok: true,
      env: { DATABASE_STATEMENT_TIMEOUT_MS: 0 },
    });
    const bad = parseWorkerEnv({ ...complete, DATABASE_STATEMENT_TIMEOUT_MS: "-5" });
    expect(bad.ok).toBe(false);
    expect(bad.ok ? "" : bad.message).toMatch(/^invalid environment: DATABASE_STATEMENT_TIMEOUT_MS: /);
  });

  it("reads LX_EGRESS_ALLOW and refuses an entry that is not an address, range or host name, naming it", () => {
    const ok = parseWorkerEnv({ ...complete, LX_EGRESS_ALLOW: "10.0.4.0/24,n8n.internal" });
    expect(ok.ok && ok.env.LX_EGRESS_ALLOW.description).toBe("10.0.4.0/24,n8n.internal");
    const bad = parseWorkerEnv({ ...complete, LX_EGRESS_ALLOW: "https://n8n.internal" });
    expect(bad.ok ? "" : bad.message).toBe(
      'invalid environment: LX_EGRESS_ALLOW: LX_EGRESS_ALLOW: "https://n8n.internal" is not an address, a CIDR range or a host name',
    );
  });

  it("names a missing required variable", () => {
    expect(parseWorkerEnv({ DATABASE_URL: complete.DATABASE_URL })).toEqual({
      ok: false,
      message: "missing required environment variable: LX_SECRET_KEY",
    });
  });
});
