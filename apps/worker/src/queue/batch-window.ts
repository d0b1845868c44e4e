/**
 * Under a backlog, a loop that claims the moment one slot frees makes one claim statement per job
 * (limit 1). With few slots free, wait this long first so the slots that free meanwhile are claimed
 * together — a few milliseconds against jobs that take tens to thousands of them. With no backlog
 * (the last claim came back short) nothing waits: an idle worker claims at once.
 */
export const CLAIM_BATCH_WINDOW_MS = 4;

export async function claimBatchWindow(free: number, concurrency: number): Promise<void> {
  if (free < Math.min(8, Math.max(1, Math.floor(concurrency / 4)))) {
    await new Promise((r) => setTimeout(r, CLAIM_BATCH_WINDOW_MS));
  }
}
