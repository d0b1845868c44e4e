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
 * A flood is declared when two windows in a row (50 ms each) answered at least `minPerWindow` POSTs
 * carrying customers' messages (200/s by default) and at least a quarter of all the POSTs they
 * answered took longer than `slowMs` (the webhook's p75 over WEBHOOK_FLOOD_MS). Status callbacks count
 * toward the slowness, never toward the rate: they are the echo of the workers' own sends (two or
 * three per reply), and a flood they could declare or hold would pace the replies because of the
 * replies. A window in which POSTs arrived at that rate but none was answered (a stall: a long GC
 * pause, a checkpoint's flush) counts as busy and slow: a tenth of a second of evidence, so that the replies running at full speed when
 * a flood begins hold the webhook up as briefly as possible. It lasts while the POSTs keep coming at
 * that rate, however fast they are then answered (they are fast because the workers yield), and ends
 * after two windows in a row below it. Floods come in waves (Meta delivers a backlog in batches, a
 * campaign's replies in bursts): within `rememberMs` (5 s) of a flood's end, one busy window starts
 * it again, slow or not — by the time the webhook is slow again, the replies would have had it for
 * a tenth of a second. A fast webhook at any rate (an API with CPUs and a database to spare) never
 * declares one; nor does a slow one at a trickle.
 */
export type WebhookFloodOptions = {
  /** A POST slower than this counts as slow; 0 turns flood detection off. */
  slowMs: number;
  windowMs?: number;
  /** POSTs with messages per window below which there is no flood (and a flood ends). */
  minPerWindow?: number;
  /** Consecutive slow, busy windows that declare a flood; consecutive quiet ones that end it. */
  enterWindows?: number;
  exitWindows?: number;
  /** After a flood ends, how long one busy window (slow or not) starts it again. */
  rememberMs?: number;
  now?: () => number;
  /** Called when a flood starts or ends (logs); `perSecond` is the rate of the window that decided. */
  onChange?: (flooding: boolean, perSecond: number) => void;
};

export class WebhookFlood {
  private readonly windowMs: number;
  private readonly minPerWindow: number;
  private readonly enterWindows: number;
  private readonly exitWindows: number;
  private readonly rememberMs: number;
  private endedAt = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;
  private windowStart: number;
  private arrivals = 0;
  private answered = 0;
  private inbound = 0;
  private slow = 0;
  private streak = 0;
  private state = false;

  constructor(private readonly o: WebhookFloodOptions) {
    this.windowMs = o.windowMs ?? 50;
    this.minPerWindow = o.minPerWindow ?? 10;
    this.enterWindows = o.enterWindows ?? 2;
    this.exitWindows = o.exitWindows ?? 2;
    this.rememberMs = o.rememberMs ?? 5_000;
    this.now = o.now ?? Date.now;
    this.windowStart = this.now();
  }

  /**
   * A POST arrived: a stall answers nothing for a while, and judged on answers alone it would end a
   * flood in its middle.
   */
  arrive(): void {
    if (this.o.slowMs <= 0) {
      return;
    }
    this.roll();
    this.arrivals += 1;
  }

  /** A POST was answered 200 after `ms`; `inbound`: it carried customers' messages (not only statuses). */
  record(ms: number, inbound: boolean): void {
    if (this.o.slowMs <= 0) {
      return;
    }
    this.roll();
    this.answered += 1;
    if (inbound) {
      this.inbound += 1;
    }
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

  /** Closes the windows that ended since the last call (those with no POST at all are quiet). */
  private roll(): void {
    const now = this.now();
    if (now < this.windowStart + this.windowMs) {
      return;
    }
    this.close(this.arrivals, this.answered, this.inbound, this.slow, this.windowStart + this.windowMs);
    const empty = Math.min(this.exitWindows, Math.floor((now - this.windowStart) / this.windowMs) - 1);
    for (let i = 0; i < empty; i++) {
      this.close(0, 0, 0, 0, this.windowStart + (i + 2) * this.windowMs);
    }
    this.windowStart = now - ((now - this.windowStart) % this.windowMs);
    this.arrivals = 0;
    this.answered = 0;
    this.inbound = 0;
    this.slow = 0;
  }

  /** Decides on the window that ended at `end`. */
  private close(arrivals: number, answered: number, inbound: number, slow: number, end: number): void {
    const stalled = answered === 0 && arrivals >= this.minPerWindow;
    const busy = inbound >= this.minPerWindow || stalled;
    if (this.state) {
      this.streak = busy ? 0 : this.streak + 1;
      if (this.streak >= this.exitWindows) {
        this.state = false;
        this.streak = 0;
        this.endedAt = end;
        this.o.onChange?.(false, (inbound * 1000) / this.windowMs);
      }
      return;
    }
    this.streak = busy && slow * 4 >= answered ? this.streak + 1 : 0;
    if (this.streak >= this.enterWindows || (busy && end - this.endedAt <= this.rememberMs)) {
      this.state = true;
      this.streak = 0;
      this.o.onChange?.(true, (inbound * 1000) / this.windowMs);
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
