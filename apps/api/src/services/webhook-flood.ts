import { Gauge, type Registry } from "prom-client";

import type { Logger } from "../logger.ts";
import { getOrCreateMetric } from "../metrics.ts";

/**
 * Webhook floods. When messages pour in (the replies to a client's campaign, a backlog Meta
 * redelivers after an outage) and the workers answering them share the machine or the database with
 * the webhook, every reply they write slows the next webhook: on a 2-core machine the webhook's p99
 * doubled while the workers drained (docs/benchmarks.md). Meta times the webhook; a reply that waits
 * a few seconds more is still a reply. So, during a flood, the webhook goes first: the API flags its
 * worker wake-ups with FLOOD_PAYLOAD and the workers pace their job starts (apps/worker
 * `queue/flood.ts`) for at most the flood's first WORKER_FLOOD_MAX_MS, then answer at full speed.
 *
 * A flood is declared when two windows in a row (100 ms each) took at least `minPerWindow` POSTs
 * (200/s by default) and at least a quarter of them took longer than `slowMs` (the webhook's p75 over
 * WEBHOOK_FLOOD_MS). It lasts while the POSTs keep coming at that rate, however fast they are then
 * answered (they are fast because the workers yield), and ends with the first window below it. A fast
 * webhook at any rate (an API with CPUs and a database to spare) never declares one; nor does a slow
 * one at a trickle.
 */
export type WebhookFloodOptions = {
  /** A POST slower than this counts as slow; 0 turns flood detection off. */
  slowMs: number;
  windowMs?: number;
  /** POSTs per window below which there is no flood (and a flood ends). */
  minPerWindow?: number;
  /** Consecutive slow, busy windows that declare a flood. */
  enterWindows?: number;
  now?: () => number;
  /** Called when a flood starts or ends (logs); `perSecond` is the rate of the window that decided. */
  onChange?: (flooding: boolean, perSecond: number) => void;
};

export class WebhookFlood {
  private readonly windowMs: number;
  private readonly minPerWindow: number;
  private readonly enterWindows: number;
  private readonly now: () => number;
  private windowStart: number;
  private count = 0;
  private slow = 0;
  private streak = 0;
  private state = false;

  constructor(private readonly o: WebhookFloodOptions) {
    this.windowMs = o.windowMs ?? 100;
    this.minPerWindow = o.minPerWindow ?? 20;
    this.enterWindows = o.enterWindows ?? 2;
    this.now = o.now ?? Date.now;
    this.windowStart = this.now();
  }

  /** One accepted POST and how long it took (ms). */
  record(ms: number): void {
    if (this.o.slowMs <= 0) {
      return;
    }
    this.roll();
    this.count += 1;
    if (ms > this.o.slowMs) {
      this.slow += 1;
    }
  }

  /** Whether this API is in a flood now (read at each wake-up of the workers). */
  get flooding(): boolean {
    if (this.o.slowMs <= 0) {
      return false;
    }
    this.roll();
    return this.state;
  }

  /** Closes the windows that ended since the last call; an empty one (no POSTs) ends a flood. */
  private roll(): void {
    const now = this.now();
    if (now < this.windowStart + this.windowMs) {
      return;
    }
    this.close(this.count, this.slow);
    if (now >= this.windowStart + 2 * this.windowMs) {
      this.close(0, 0); // at least one whole window went by without a POST
    }
    this.windowStart = now - ((now - this.windowStart) % this.windowMs);
    this.count = 0;
    this.slow = 0;
  }

  private close(count: number, slow: number): void {
    const busy = count >= this.minPerWindow;
    if (this.state) {
      if (!busy) {
        this.state = false;
        this.streak = 0;
        this.o.onChange?.(false, (count * 1000) / this.windowMs);
      }
      return;
    }
    this.streak = busy && slow * 4 >= count ? this.streak + 1 : 0;
    if (this.streak >= this.enterWindows) {
      this.state = true;
      this.o.onChange?.(true, (count * 1000) / this.windowMs);
    }
  }
}

/** How far apart the API's `lx_jobs` wake-ups go: during a flood the workers pace themselves and need fewer. */
export const WAKE_GAP_MS = 2;
export const FLOOD_WAKE_GAP_MS = 50;

/** The API's one flood detector (WEBHOOK_FLOOD_MS), with its gauge `lx_webhook_flood` and a log line per change. */
export function webhookFlood(deps: { registry: Registry; logger: Logger; config: { webhookFloodMs?: number } }): WebhookFlood {
  const flood: WebhookFlood = new WebhookFlood({
    slowMs: deps.config.webhookFloodMs ?? 10,
    onChange: (flooding, perSecond) =>
      flooding
        ? deps.logger.warn({ perSecond }, "webhook flood: the workers pace their replies until it passes")
        : deps.logger.info({ perSecond }, "webhook flood over: the workers answer at full speed"),
  });
  getOrCreateMetric(
    deps.registry,
    "lx_webhook_flood",
    () =>
      new Gauge({
        name: "lx_webhook_flood",
        help: "1 while this API sees a webhook flood and asks the workers to pace their replies (WEBHOOK_FLOOD_MS)",
        registers: [],
        collect() {
          this.set(flood.flooding ? 1 : 0);
        },
      }),
  );
  return flood;
}
