import type { Database } from "./client.ts";

/**
 * The payload of an `lx_jobs` NOTIFY sent while an API sees a webhook flood (apps/api
 * `services/webhook-flood.ts`): workers that receive it pace their job starts until the flood
 * passes (apps/worker `queue/flood.ts`). Any other payload (the usual empty one) only wakes them.
 */
export const FLOOD_PAYLOAD = "flood";

/**
 * Coalesced wake-ups for workers: `wake()` is cheap and never blocks the caller; at most one
 * NOTIFY per channel is in flight per process, and at least `minGapMs` apart. A NOTIFY inside the
 * hot transactions would serialise every commit on PostgreSQL's notification queue lock (see
 * migration 0002); sent like this, a burst of 2,500 inserts/s costs a few hundred NOTIFYs/s at most.
 * Workers also poll, so a lost wake-up only costs latency, never a message.
 */
export class Notifier {
  private inFlight = false;
  private pending = false;
  private lastAt = 0;
  private lastPayload = "";

  /**
   * `minGapMs` and `payload` are read at each NOTIFY, so the sender can change both with its state
   * (the API's jobs channel: 50 ms apart and FLOOD_PAYLOAD during a webhook flood); a payload that
   * changed is sent without waiting for the gap.
   */
  constructor(
    private readonly db: Database,
    private readonly channel: string,
    private readonly minGapMs: number | (() => number) = 2,
    private readonly onError: (err: unknown) => void = () => undefined,
    private readonly payload: () => string = () => "",
  ) {}

  wake(): void {
    if (this.inFlight) {
      this.pending = true;
      return;
    }
    this.inFlight = true;
    // A wake-up that says something new (a flood began or ended) goes at once, whatever the gap.
    const gap = this.payload() !== this.lastPayload ? 0 : typeof this.minGapMs === "number" ? this.minGapMs : this.minGapMs();
    const wait = Math.max(0, this.lastAt + gap - Date.now());
    const send = () => {
      this.pending = false;
      this.lastAt = Date.now();
      this.lastPayload = this.payload();
      this.db.$client
        .notify(this.channel, this.lastPayload)
        .catch(this.onError)
        .finally(() => {
          this.inFlight = false;
          if (this.pending) {
            this.wake();
          }
        });
    };
    if (wait > 0) {
      setTimeout(send, wait);
    } else {
      send();
    }
  }
}

/**
 * LISTEN on `channel`, retried until it is in place (backoff up to `maxDelayMs`). A connection cut
 * while the LISTEN was in flight (a server restart, a failover, a proxy closing connections)
 * rejected postgres.js' `listen()`, and a process starting up at that moment exited. Once it is
 * listening, postgres.js re-listens by itself after every reconnect and calls `onlisten` again. An
 * attempt that failed may leave its handler registered with postgres.js, so a notification can
 * reach `onNotify` twice: handlers here only wake or invalidate, which is idempotent.
 */
export async function listenWithRetry(
  db: Database,
  channel: string,
  onNotify: (payload: string) => void,
  o: { onlisten?: () => void; onRetry?: (err: unknown, attempt: number) => void; maxDelayMs?: number } = {},
): Promise<{ unlisten: () => Promise<void> }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const l = await db.$client.listen(channel, onNotify, o.onlisten);
      // UNLISTEN fails when the database has gone away (a failover, a local server stopped before
      // its clients): the LISTEN went with its connection, so there is nothing left to undo, and a
      // process stopping then must not fail on it (a worker crashed on it, uncaught).
      return { unlisten: () => l.unlisten().then(() => undefined, () => undefined) };
    } catch (err) {
      o.onRetry?.(err, attempt);
      await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, o.maxDelayMs ?? 5_000)));
    }
  }
}
