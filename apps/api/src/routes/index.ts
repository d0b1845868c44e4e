import { Counter, Histogram } from "prom-client";
import { Hono } from "hono";

import { GroupCommit } from "@lx/db/group-commit";
import type { Notifier } from "@lx/db/notifier";
import { applyStatusUpdates, ingestInboundMessages, type InboundMessageInput, type StatusUpdate } from "@lx/db/queries";

import type { AppDeps } from "../app.ts";
import type { HonoEnv } from "../http/types.ts";
import { getOrCreateMetric } from "../metrics.ts";
import type { WebhookFlood } from "../services/webhook-flood.ts";
import { whatsappWebhook } from "./webhook.ts";

/**
 * Plain HTTP routes under `/api` (mounted by `newApp`): the Meta webhook (GET handshake and signed
 * POST, CONTRACT.md "HTTP"). Errors thrown here reach `handleError` and get the JSON error shape.
 */
export function apiRoutes(deps: AppDeps, wake: { jobs: Notifier; outbox: Notifier }, flood: WebhookFlood): Hono<HonoEnv> {
  const routes = new Hono<HonoEnv>();
  const { jobs, outbox } = wake;
  const latency = getOrCreateMetric(
    deps.registry,
    "lx_webhook_duration_seconds",
    () =>
      new Histogram({
        name: "lx_webhook_duration_seconds",
        help: "Webhook POST processing time (signature to 200), seconds",
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
        registers: [],
      }),
  );
  const events = getOrCreateMetric(
    deps.registry,
    "lx_webhook_events_total",
    () =>
      new Counter({
        name: "lx_webhook_events_total",
        help: "Webhook items by outcome (queued, stored, duplicates, statuses, ignored, unknownNumbers, templates)",
        labelNames: ["outcome"],
        registers: [],
      }),
  );
  routes.route(
    "/webhooks/whatsapp",
    whatsappWebhook({
      db: deps.db,
      directory: deps.directory,
      // Concurrent webhooks share commits: one statement (and WAL flush) for what arrives meanwhile.
      ingest: new GroupCommit((batch: InboundMessageInput[]) => ingestInboundMessages(deps.db, batch)),
      // Status callbacks (two or three per reply) the same way.
      statuses: new GroupCommit((batch: StatusUpdate[]) => applyStatusUpdates(deps.db, batch)),
      wake: { jobs: () => jobs.wake(), outbox: () => outbox.wake() },
      appSecret: deps.config.metaAppSecretPrevious
        ? [deps.config.metaAppSecret, deps.config.metaAppSecretPrevious]
        : deps.config.metaAppSecret,
      verifyToken: deps.config.metaVerifyToken,
      onArrival: () => flood.arrive(),
      onProcessed: (summary, ms) => {
        latency.observe(ms / 1000);
        flood.record(ms, summary.queued + summary.stored + summary.duplicates > 0);
        for (const [outcome, n] of Object.entries(summary)) {
          if (n > 0) {
            events.inc({ outcome }, n);
          }
        }
      },
    }),
  );
  return routes;
}
