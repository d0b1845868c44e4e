import { describe, expect, it, vi } from "vitest";

import { mailConfigOf, parseApiEnv, secretKeysOf } from "./env.ts";

const KEY_HEX = "ab".repeat(32);

const complete = {
  DATABASE_URL: "postgres://lx:pw@db.example:5432/lx",
  META_APP_SECRET: "app-secret",
  META_VERIFY_TOKEN: "verify-token",
  LX_SECRET_KEY: KEY_HEX,
};

function without(name: keyof typeof complete): Record<string, string | undefined> {
  const copy: Record<string, string | undefined> = { ...complete };
  delete copy[name];
  return copy;
}

describe("parseApiEnv", () => {
  it("applies the documented defaults", () => {
    const result = parseApiEnv(complete);
    expect(result.ok).toBe(true);
    if (!result.ok) {
      return;
    }
    expect(result.env).toMatchObject({
      PORT: 3000,
      META_GRAPH_URL: "https://graph.facebook.com",
      META_API_VERSION: "v23.0",
      LOG_LEVEL: "info",
      COOKIE_SECURE: false,
      DATABASE_STATEMENT_TIMEOUT_MS: 30_000,
      WEBHOOK_FLOOD_MS: 10,
    });
    expect(parseApiEnv({ ...complete, WEBHOOK_FLOOD_MS: "0" })).toMatchObject({ ok: true, env: { WEBHOOK_FLOOD_MS: 0 } });
    expect(parseApiEnv({ ...complete, WEBHOOK_FLOOD_MS: "fast" })).toMatchObject({ ok: false, message: expect.stringMatching(/WEBHOOK_FLOOD_MS/) as string });
    expect(parseApiEnv({ ...complete, DATABASE_STATEMENT_TIMEOUT_MS: "0" })).toMatchObject({ ok: true, env: { DATABASE_STATEMENT_TIMEOUT_MS: 0 } });
    expect(parseApiEnv({ ...complete, DATABASE_STATEMENT_TIMEOUT_MS: "-1" }).ok).toBe(false);
    expect(result.env.ADMIN_DIST_DIR).toBeUndefined();
    expect(result.env.LX_SECRET_KEY).toEqual(Buffer.from(KEY_HEX, "hex"));
  });

  it.each(["DATABASE_URL", "META_APP_SECRET", "META_VERIFY_TOKEN", "LX_SECRET_KEY"] as const)(
    "names a missing %s in one line",
    (name) => {
      const result = parseApiEnv(without(name));
      expect(result).toEqual({ ok: false, message: `missing required environment variable: ${name}` });
    },
  );

  it("treats an empty value as missing and lists every missing variable", () => {
    const result = parseApiEnv({ ...complete, META_APP_SECRET: "", META_VERIFY_TOKEN: undefined });
    expect(result).toEqual({
      ok: false,
      message: "missing required environment variables: META_APP_SECRET, META_VERIFY_TOKEN",
    });
  });

  it("names an invalid secret key without echoing it", () => {
    const result = parseApiEnv({ ...complete, LX_SECRET_KEY: "too-short-secret" });
    expect(result.ok).toBe(false);
    if (result.ok) {
      return;
    }
    expect(result.message).toMatch(/^invalid environment variable LX_SECRET_KEY: /);
    expect(result.message).not.toContain("too-short-secret");
    expect(result.message.split("\n")).toHaveLength(1);
  });

  it("rejects a DATABASE_URL that is not a postgres URL and a bad PORT", () => {
    const result = parseApiEnv({ ...complete, DATABASE_URL: "mysql://x/y", PORT: "http" });
    expect(result.ok).toBe(false);
    if (result.ok) {
      return;
    }
    expect(result.message).toContain("invalid environment variable DATABASE_URL");
    expect(result.message).toContain("invalid environment variable PORT");
  });

  it("parses COOKIE_SECURE as true/1 on, false/0 off (any case); refuses any other value by name instead of turning Secure off", () => {
    const flag = (value: string) => {
      const result = parseApiEnv({ ...complete, PUBLIC_URL: "https://console.agencia.com.br", COOKIE_SECURE: value });
      return result.ok ? result.env.COOKIE_SECURE : result.message;
    };
    expect(flag("true")).toBe(true);
    expect(flag("TRUE")).toBe(true);
    expect(flag("1")).toBe(true);
    expect(flag("false")).toBe(false);
    expect(flag("False")).toBe(false);
    expect(flag("0")).toBe(false);
    for (const typo of ["ture", "yes", "on", "2", "off"]) {
      expect(flag(typo)).toBe("invalid environment variable COOKIE_SECURE: must be true, false, 1 or 0");
    }
  });

  it("defaults COOKIE_SECURE to on when PUBLIC_URL is https; an explicit value wins", () => {
    const secure = (env: Record<string, string>) => {
      const result = parseApiEnv({ ...complete, ...env });
      return result.ok ? result.env.COOKIE_SECURE : undefined;
    };
    expect(secure({ PUBLIC_URL: "https://console.agencia.com.br" })).toBe(true);
    expect(secure({ PUBLIC_URL: "https://console.agencia.com.br", COOKIE_SECURE: "" })).toBe(true);
    expect(secure({ PUBLIC_URL: "http://127.0.0.1:3000" })).toBe(false);
    expect(secure({})).toBe(false);
    expect(secure({ PUBLIC_URL: "https://console.agencia.com.br", COOKIE_SECURE: "false" })).toBe(false);
    expect(secure({ PUBLIC_URL: "http://10.0.0.2:3000", COOKIE_SECURE: "true" })).toBe(true);
  });

  it("parses TRUST_PROXY into a check of the proxies' addresses; refuses a bad entry by name", () => {
    const trust = (value: string) => {
      const result = parseApiEnv({ ...complete, TRUST_PROXY: value });
      return result.ok ? result.env.TRUST_PROXY : result.message;
    };
    const lb = trust("loopback, 10.0.0.0/8 ,fd00::/8");
    expect(typeof lb).toBe("function");
    if (typeof lb === "function") {
      expect(["127.0.0.1", "10.2.3.4", "fd12::1", "192.168.0.1", "203.0.113.9"].map((a) => lb(a, 0))).toEqual([
        true,
        true,
        true,
        false,
        false,
      ]);
    }
    expect(trust("")).toBeUndefined();
    expect(trust("10.0.0.0/33")).toBe("invalid environment variable TRUST_PROXY: invalid range on address: 10.0.0.0/33");
    expect(trust("proxy.internal")).toBe("invalid environment variable TRUST_PROXY: invalid IP address: proxy.internal");
    expect(trust(" , ")).toMatch(/^invalid environment variable TRUST_PROXY: must name at least one/);
  });

  it("accepts a base64 key, a custom port, log level and console folder", () => {
    const result = parseApiEnv({
      ...complete,
      LX_SECRET_KEY: Buffer.alloc(32, 7).toString("base64"),
      PORT: "8080",
      LOG_LEVEL: "debug",
      ADMIN_DIST_DIR: "apps/admin/dist",
    });
    expect(result.ok && result.env).toMatchObject({
      PORT: 8080,
      LOG_LEVEL: "debug",
      ADMIN_DIST_DIR: "apps/admin/dist",
    });
  });
});

describe("loadApiEnv", () => {
  it("prints one line naming the missing variable to stderr and exits 1", async () => {
    const { loadApiEnv } = await import("./env.ts");
    const written: string[] = [];
    const write = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const exit = vi.spyOn(process, "exit").mockImplementation((code?: string | number | null) => {
      throw new Error(`exit ${code}`);
    });
    try {
      expect(() => loadApiEnv(without("META_APP_SECRET"))).toThrow("exit 1");
      expect(written).toEqual(["missing required environment variable: META_APP_SECRET\n"]);
    } finally {
      write.mockRestore();
      exit.mockRestore();
    }
  });
});

describe("e-mail settings", () => {
  it("SMTP_URL needs PUBLIC_URL; MAIL_FROM defaults to no-reply at the console's host", () => {
    expect(parseApiEnv({ ...complete, SMTP_URL: "smtp://u:p@mail.test:587" })).toEqual({
      ok: false,
      message: "invalid environment variable PUBLIC_URL: required with SMTP_URL",
    });
    expect(parseApiEnv({ ...complete, SMTP_URL: "http://mail.test", PUBLIC_URL: "https://c.test" })).toEqual({
      ok: false,
      message: "invalid environment variable SMTP_URL: must be an smtp:// or smtps:// URL",
    });
    const parsed = parseApiEnv({ ...complete, SMTP_URL: "smtps://u:p@mail.test:465", PUBLIC_URL: "https://console.agencia.test/" });
    expect(parsed.ok && mailConfigOf(parsed.env)).toEqual({
      smtpUrl: "smtps://u:p@mail.test:465",
      from: "LX Agent Factory <no-reply@console.agencia.test>",
      publicUrl: "https://console.agencia.test",
    });
    const named = parseApiEnv({ ...complete, SMTP_URL: "smtp://m.test", PUBLIC_URL: "https://c.test", MAIL_FROM: "Agência <oi@agencia.test>" });
    expect(named.ok && mailConfigOf(named.env)).toMatchObject({ from: "Agência <oi@agencia.test>" });
    const none = parseApiEnv(complete);
    expect(none.ok && mailConfigOf(none.env)).toBeUndefined();
  });
});

describe("LX_SECRET_KEY_PREVIOUS", () => {
  it("adds the key being retired after the current one; a bad one stops the API naming it, never echoing it", () => {
    const previous = "cd".repeat(32);
    const parsed = parseApiEnv({ ...complete, LX_SECRET_KEY_PREVIOUS: previous });
    expect(parsed.ok && secretKeysOf(parsed.env)).toEqual([Buffer.from(KEY_HEX, "hex"), Buffer.from(previous, "hex")]);
    const single = parseApiEnv(complete);
    expect(single.ok && secretKeysOf(single.env)).toEqual(Buffer.from(KEY_HEX, "hex"));
    const bad = parseApiEnv({ ...complete, LX_SECRET_KEY_PREVIOUS: "not-a-key" });
    expect(bad).toMatchObject({ ok: false, message: expect.stringMatching(/^invalid environment variable LX_SECRET_KEY_PREVIOUS: secret key must be 32 bytes/) });
    expect(bad.ok ? "" : bad.message).not.toContain("not-a-key");
  });
});
