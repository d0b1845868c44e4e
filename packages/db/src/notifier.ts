import type { Database } from "./client.ts";

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

  constructor(
    private readonly db: Database,
    private readonly channel: string,
    private readonly minGapMs = 2,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  wake(): void {
    if (this.inFlight) {
      this.pending = true;
      return;
    }
    this.inFlight = true;
    const wait = Math.max(0, this.lastAt + this.minGapMs - Date.now());
    const send = () => {
      this.pending = false;
      this.lastAt = Date.now();
      this.db.$client
        .notify(this.channel, "")
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
