/**
 * Group commit in the application: callers `add()` one item each and await their own result; items
 * that arrive while `maxInFlight` batches are already running wait and go together in the next batch,
 * which `run` writes in ONE statement (one round trip, one WAL flush). Idle, an item is written at
 * once (no timer, no added latency); under load, batches grow by themselves to what arrives during
 * one round trip. The webhook's ingest and the outbox's "sent" settles use it.
 *
 * `run` must be atomic (one statement or one transaction) and return one result per item, in order.
 * If a batch of several fails, each of its items is
 * run again on its own, so one bad item (a poison message) fails only its own caller, never the
 * callers that happened to share its batch; a lone item that fails rejects with the error (the caller
 * answers its own request with an error, e.g. a 500 to Meta, which retries the delivery).
 */
export class GroupCommit<I, O> {
  private pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: { maxBatch?: number; maxInFlight?: number } = {},
  ) {}

  /** Batches written so far, the items in them, and batches re-run item by item after a failure. */
  readonly stats = { batches: 0, items: 0, largest: 0, isolated: 0 };

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      // Items added in the same tick (several messages of one POST) go out together.
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    const maxInFlight = this.options.maxInFlight ?? 2;
    const maxBatch = this.options.maxBatch ?? 256;
    while (this.pending.length > 0 && this.inFlight < maxInFlight) {
      const batch = this.pending.splice(0, maxBatch);
      this.inFlight++;
      this.stats.batches++;
      this.stats.items += batch.length;
      this.stats.largest = Math.max(this.stats.largest, batch.length);
      void this.runBatch(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async runBatch(batch: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[]): Promise<void> {
    try {
      const out = await this.run(batch.map((b) => b.item));
      if (out.length !== batch.length) {
        throw new Error(`group commit: ${out.length} results for ${batch.length} items`);
      }
      batch.forEach((b, i) => b.resolve(out[i] as O));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      // Nothing of the failed batch was written (one statement): find the bad item(s) one by one.
      this.stats.isolated++;
      for (const b of batch) {
        await this.runBatch([b]);
      }
    }
  }
}
