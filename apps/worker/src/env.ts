import { z } from "zod";

import { parseEgressAllow, type EgressPolicy } from "./services/egress.ts";

const ZWorkerEnv = z.object({
  DATABASE_URL: z.string().min(1),
  /** Named prepared statements; "false" behind a pooler that cannot keep them (PgBouncer transaction mode < 1.21). */
  DATABASE_PREPARE: z.enum(["true", "false", "1", "0"]).default("true").transform((v) => v === "true" || v === "1"),
  /** statement_timeout (and idle-in-transaction timeout) of the worker's connections; 0: none. */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  LX_SECRET_KEY: z.string().min(1),
  /** The key before LX_SECRET_KEY, during a rotation (boxes it sealed still open; `lx secrets rotate`). */
  LX_SECRET_KEY_PREVIOUS: z.string().optional(),
  META_GRAPH_URL: z.url().default("https://graph.facebook.com"),
  META_API_VERSION: z.string().regex(/^v\d+\.\d+$/).default("v23.0"),
  LX_LLM: z.enum(["auto", "offline"]).default("auto"),
  /**
   * Under LX_LLM=auto, an agent whose provider has no credentials (no key, no base URL): `fail` (its
   * replies fail at once, naming the key, and the conversation goes to a human) or `offline` (the
   * offline responder; what `pnpm start` sets).
   */
  LX_LLM_FALLBACK: z.enum(["fail", "offline"]).default("fail"),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.url().optional(),
  ANTHROPIC_API_KEY: z.string().optional(),
  ANTHROPIC_BASE_URL: z.url().optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1024).default(64),
  /**
   * OS scheduling niceness of the worker process (0–19). Background work yields the CPU to the
   * webhook (which Meta times) when both share a machine; on a machine of its own it changes nothing.
   * When PostgreSQL runs on the same machine, the worker's backends get it too (cpu-priority.ts).
   */
  WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /**
   * Webhook floods (queue/flood.ts): while the API reports one (WEBHOOK_FLOOD_MS), this worker starts
   * at most this many jobs a second, so that the webhook keeps the machine and the database. 0: ignore floods.
   */
  WORKER_FLOOD_RATE: z.coerce.number().min(0).max(100_000).default(10),
  /** A flood is honoured for its first this-many ms at most; then the worker answers at full speed until it ends. */
  WORKER_FLOOD_MAX_MS: z.coerce.number().int().min(0).default(30_000),
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Job lease and conversation-lock TTL; a killed worker's work is retried after this. */
  WORKER_LEASE_MS: z.coerce.number().int().min(500).default(30_000),
  /** How long an ambiguous send waits for Meta's status callback before it is re-sent. */
  OUTBOX_AMBIGUOUS_GRACE_MS: z.coerce.number().int().min(0).default(60_000),
  /** Graph API base for sandbox numbers (pnpm start's built-in fake); META_GRAPH_URL when unset. */
  SANDBOX_GRAPH_URL: z.url().optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /**
   * Private or local destinations tenants' URLs (handoff notices, tool webhooks, CRM base URLs) may
   * reach: addresses, CIDR ranges or host names, comma-separated. None by default (services/egress.ts).
   */
  LX_EGRESS_ALLOW: z
    .string()
    .optional()
    .transform((v, ctx): EgressPolicy => {
      try {
        return parseEgressAllow(v);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: err instanceof Error ? err.message : String(err) });
        return z.NEVER;
      }
    }),
});

export type WorkerEnv = z.infer<typeof ZWorkerEnv>;

export function parseWorkerEnv(source: Record<string, string | undefined>): { ok: true; env: WorkerEnv } | { ok: false; message: string } {
  const r = ZWorkerEnv.safeParse(source);
  if (r.success) {
    return { ok: true, env: r.data };
  }
  const missing = r.error.issues.filter((i) => i.code === "invalid_type" && source[String(i.path[0])] === undefined);
  if (missing.length > 0) {
    const names = missing.map((i) => String(i.path[0]));
    return { ok: false, message: `missing required environment variable${names.length > 1 ? "s" : ""}: ${names.join(", ")}` };
  }
  return { ok: false, message: `invalid environment: ${r.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`).join("; ")}` };
}

/** Reads process.env once at start; a bad config stops the process with one line naming it. */
export function loadWorkerEnv(): WorkerEnv {
  const r = parseWorkerEnv(process.env);
  if (!r.ok) {
    process.stderr.write(`${r.message}\n`);
    process.exit(1);
  }
  return r.env;
}
