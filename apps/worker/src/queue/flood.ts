import { FLOOD_PAYLOAD } from "@lx/db/notifier";

/**
 * The worker's side of a webhook flood (apps/api `services/webhook-flood.ts`): while wake-ups
 * flagged FLOOD_PAYLOAD keep arriving, this process starts at most `ratePerSecond` jobs a second
 * (a token bucket), so that the webhook, which Meta times, keeps the machine and the database; the
 * jobs wait in the queue, in order, and nothing is skipped. Two bounds keep a flood from starving
 * the replies:
 * - the flood ends `holdMs` after the last flagged wake-up (the API flags them every 50 ms while
 *   the webhooks pour in, and stops when they slow down);
 * - a flood is honoured for its first `maxMs` only: past that, the worker answers at full speed
 *   until the flood ends (a sustained overload shares the machine, as without floods).
 * `ratePerSecond` 0 ignores floods.
 */
export type FloodYieldOptions = {
  ratePerSecond: number;
  maxMs: number;
  holdMs?: number;
  now?: () => number;
  /** A flood started being honoured, or stopped (it ended, or ran past maxMs): logs. */
  onChange?: (yielding: boolean, why: "flood" | "over" | "too long") => void;
};

export class FloodYield {
  private readonly holdMs: number;
  private readonly capacity: number;
  private readonly now: () => number;
  /** The flood lasts until then (last flagged wake-up + holdMs). */
  private until = 0;
  private since = 0;
  private tokens = 0;
  private refilledAt = 0;
  private state = false;

  constructor(private readonly o: FloodYieldOptions) {
    this.holdMs = o.holdMs ?? 250;
    // Starts are spread over the second: at most a tenth of a second's worth at once.
    this.capacity = Math.max(1, Math.ceil(o.ratePerSecond / 10));
    this.now = o.now ?? Date.now;
  }

  /** Each `lx_jobs` notification's payload. */
  onWake(payload: string): void {
    if (payload !== FLOOD_PAYLOAD || this.o.ratePerSecond <= 0) {
      return;
    }
    const now = this.now();
    if (now >= this.until) {
      this.since = now;
      this.tokens = 1;
      this.refilledAt = now;
    }
    this.until = now + this.holdMs;
    this.update(now);
  }

  /** Whether job starts are being paced now. */
  get yielding(): boolean {
    return this.update(this.now());
  }

  /** How many jobs may start now: Infinity when not yielding. */
  allowance(): number {
    const now = this.now();
    if (!this.update(now)) {
      return Number.POSITIVE_INFINITY;
    }
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.o.ratePerSecond);
    this.refilledAt = now;
    return Math.floor(this.tokens);
  }

  /** `n` jobs were started out of the allowance. */
  spend(n: number): void {
    this.tokens = Math.max(0, this.tokens - n);
  }

  /** When allowance() is 0: how long until it is 1 (or the flood ends, whichever is first). */
  waitMs(): number {
    const now = this.now();
    const refill = this.o.ratePerSecond > 0 ? ((1 - this.tokens) / this.o.ratePerSecond) * 1000 : 0;
    return Math.max(1, Math.ceil(Math.min(refill, this.until - now, this.since + this.o.maxMs - now)));
  }

  private update(now: number): boolean {
    const yielding = now < this.until && now - this.since < this.o.maxMs;
    if (yielding !== this.state) {
      this.state = yielding;
      this.o.onChange?.(yielding, yielding ? "flood" : now < this.until ? "too long" : "over");
    }
    return yielding;
  }
}
