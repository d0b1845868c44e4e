import { z } from "zod";

import { parseSecretKey, type SecretKeys } from "@lx/shared/crypto";

import { parseTrustProxy, type TrustProxy } from "./http/client-address.ts";

/**
 * The API's one env module (STYLE rules 9–12): everything the process reads from its environment is
 * validated here, once, at start. Nothing else reads `process.env`.
 */

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** `"true"`/`"1"` → true, anything else (or unset) → false. Never `z.coerce.boolean()` (STYLE rule 12). */
const boolFlag = z
  .string()
  .optional()
  .transform((v) => v === "true" || v === "1");

/** Empty strings count as unset, so `FOO=` in a .env file does not satisfy a required variable. */
const required = <T extends z.ZodType<string, string>>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema);

function secretKeyOf(value: string, ctx: z.RefinementCtx): Buffer {
  try {
    return parseSecretKey(value);
  } catch (err) {
    ctx.addIssue({
      code: "custom",
      message: err instanceof Error ? err.message : "must be a 32-byte key (hex or base64)",
    });
    return z.NEVER;
  }
}

function trustProxyOf(value: string, ctx: z.RefinementCtx): TrustProxy {
  try {
    return parseTrustProxy(value);
  } catch (err) {
    ctx.addIssue({ code: "custom", message: err instanceof Error ? err.message : "not a list of addresses" });
    return z.NEVER;
  }
}

const ApiEnvSchema = z.object({
  DATABASE_URL: required(z.url({ protocol: /^postgres(ql)?$/, error: "must be a postgres:// URL" })),
  /** Named prepared statements; "false" behind a pooler that cannot keep them (PgBouncer transaction mode < 1.21). */
  DATABASE_PREPARE: optional(z.enum(["true", "false", "1", "0"]).default("true").transform((v) => v === "true" || v === "1")),
  /** statement_timeout (and idle-in-transaction timeout) of the API's connections; 0: none. */
  DATABASE_STATEMENT_TIMEOUT_MS: optional(z.coerce.number().int().min(0).default(30_000)),
  PORT: optional(z.coerce.number().int().min(0).max(65_535).default(3000)),
  META_APP_SECRET: required(z.string()),
  /** During a reset of Meta's app secret: the old one, whose signatures still pass until every process has the new one. */
  META_APP_SECRET_PREVIOUS: optional(z.string().optional()),
  META_VERIFY_TOKEN: required(z.string()),
  META_GRAPH_URL: optional(z.url({ protocol: /^https?$/ }).default("https://graph.facebook.com")),
  META_API_VERSION: optional(
    z
      .string()
      .regex(/^v\d+\.\d+$/, "must look like v23.0")
      .default("v23.0"),
  ),
  LX_SECRET_KEY: required(z.string()).transform(secretKeyOf),
  /** The key before LX_SECRET_KEY, during a rotation: what it sealed still opens (`lx secrets rotate`). */
  LX_SECRET_KEY_PREVIOUS: optional(z.string().transform(secretKeyOf).optional()),
  LOG_LEVEL: optional(z.enum(LOG_LEVELS).default("info")),
  ADMIN_DIST_DIR: optional(z.string().optional()),
  /**
   * Mark the session cookie Secure and send HSTS: `true`/`1` → on, `false`/`0` → off (any case);
   * unset (or empty): on exactly when PUBLIC_URL is https (the console is served over HTTPS). Any
   * other value refuses to start: a typo (`ture`, `yes`) must not turn Secure off unnoticed.
   */
  COOKIE_SECURE: optional(
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(["true", "1", "false", "0"], { error: "must be true, false, 1 or 0" }))
      .transform((v) => v === "true" || v === "1")
      .optional(),
  ),
  /**
   * The proxies in front of the API whose X-Forwarded-For names the client (`loopback`,
   * `uniquelocal`, addresses, CIDRs; comma-separated). Unset: the socket's address, header ignored.
   */
  TRUST_PROXY: optional(z.string().transform(trustProxyOf).optional()),
  /** Serve the built-in Meta sandbox (a fake Graph API) at /sandbox/graph, for sandbox numbers. */
  LX_SANDBOX: boolFlag,
  /**
   * Webhook floods (services/webhook-flood.ts): at 200 POSTs/s or more with customers' messages, a
   * quarter of the POSTs slower than this many ms asks the workers to yield until it passes. 0: never.
   */
  WEBHOOK_FLOOD_MS: optional(z.coerce.number().min(0).max(10_000).default(10)),
  /** Mail relay for password links (`smtp://user:pass@host:587`, `smtps://…:465`); unset: no e-mail. */
  SMTP_URL: optional(z.url({ protocol: /^smtps?$/, error: "must be an smtp:// or smtps:// URL" }).optional()),
  /** The From of those e-mails; default `LX Agent Factory <no-reply@<PUBLIC_URL's host>>`. */
  MAIL_FROM: optional(z.string().min(3).optional()),
  /** The console's public address, for links in e-mails (required with SMTP_URL). */
  PUBLIC_URL: optional(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).optional()),
}).superRefine((env, ctx) => {
  if (env.SMTP_URL && !env.PUBLIC_URL) {
    // Links in e-mails must never be built from a request's Host header (anyone can write it).
    ctx.addIssue({ code: "custom", path: ["PUBLIC_URL"], message: "required with SMTP_URL" });
  }
}).transform(({ COOKIE_SECURE, ...env }) => ({
  ...env,
  COOKIE_SECURE:
    COOKIE_SECURE ?? env.PUBLIC_URL?.startsWith("https:") === true,
}));

export type ApiEnv = z.output<typeof ApiEnvSchema>;

export type ParseApiEnvResult = { ok: true; env: ApiEnv } | { ok: false; message: string };

/**
 * Pure: validates an environment map. On failure `message` is one line naming every missing or
 * invalid variable, e.g. `missing required environment variable: META_APP_SECRET`.
 */
export function parseApiEnv(source: Record<string, string | undefined>): ParseApiEnvResult {
  const result = ApiEnvSchema.safeParse(source);
  if (result.success) {
    return { ok: true, env: result.data };
  }
  const missing = new Set<string>();
  const invalid = new Map<string, string>();
  for (const issue of result.error.issues) {
    const name = String(issue.path[0] ?? "");
    const value = source[name];
    if ((value === undefined || value === "") && issue.code !== "custom") {
      missing.add(name);
    } else if (!invalid.has(name)) {
      invalid.set(name, issue.message);
    }
  }
  const parts: string[] = [];
  if (missing.size > 0) {
    const names = [...missing].sort();
    parts.push(`missing required environment variable${names.length > 1 ? "s" : ""}: ${names.join(", ")}`);
  }
  for (const [name, message] of [...invalid].sort(([a], [b]) => a.localeCompare(b))) {
    // Never echo the value: it may be a secret.
    parts.push(`invalid environment variable ${name}: ${message}`);
  }
  return { ok: false, message: parts.join("; ") };
}

/** LX_SECRET_KEY, then LX_SECRET_KEY_PREVIOUS when set (a rotation in progress). */
export function secretKeysOf(env: ApiEnv): SecretKeys {
  const previous = env.LX_SECRET_KEY_PREVIOUS;
  return previous && !previous.equals(env.LX_SECRET_KEY) ? [env.LX_SECRET_KEY, previous] : env.LX_SECRET_KEY;
}

/** `LX Agent Factory <no-reply@<the console's host>>`, the From when MAIL_FROM is not set. */
export function defaultMailFrom(publicUrl: string): string {
  return `LX Agent Factory <no-reply@${new URL(publicUrl).hostname}>`;
}

/** The e-mail settings, when SMTP_URL is set (PUBLIC_URL is then present: the schema requires it). */
export function mailConfigOf(env: ApiEnv): { smtpUrl: string; from: string; publicUrl: string } | undefined {
  if (!env.SMTP_URL || !env.PUBLIC_URL) {
    return undefined;
  }
  const publicUrl = env.PUBLIC_URL.replace(/\/+$/, "");
  return {
    smtpUrl: env.SMTP_URL,
    from: env.MAIL_FROM ?? defaultMailFrom(publicUrl),
    publicUrl,
  };
}

/** Reads and validates the environment; on bad config prints one line to stderr and exits 1. */
export function loadApiEnv(source: Record<string, string | undefined> = process.env): ApiEnv {
  const result = parseApiEnv(source);
  if (!result.ok) {
    process.stderr.write(`${result.message}\n`);
    process.exit(1);
  }
  return result.env;
}
