import { LRUCache } from "lru-cache";

import type { Database } from "@lx/db/client";
import { countFinishedRows, FINISHED_RECOUNT_MS, type FinishedCounts } from "@lx/db/queries";

/**
 * The operations overview's finished-row counts (a day of jobs and sends: ~0.2 s at 300,000 of each),
 * recounted at most every `ttlMs` per tenant filter whatever the number of open screens polling
 * every 5 s. Concurrent requests share one count in flight; past the TTL the last counts are served
 * while a recount runs (stale-while-revalidate), so no poll waits on a recount after the first.
 */
export type FinishedCountsCache = { get: (tenantId: string | null) => Promise<FinishedCounts> };

export function finishedCountsCache(
  db: Database,
  options: {
    ttlMs?: number;
    /** The clock (tests); milliseconds. */
    now?: () => number;
    /** The count itself (tests wrap it to count the recounts). */
    count?: typeof countFinishedRows;
  } = {},
): FinishedCountsCache {
  const count = options.count ?? countFinishedRows;
  const cache = new LRUCache<string, FinishedCounts>({
    max: 1000,
    ttl: options.ttlMs ?? FINISHED_RECOUNT_MS,
    allowStale: true,
    ...(options.now ? { perf: { now: options.now } } : {}),
    // A failed recount is not kept: the next poll tries again (the first one gets the error).
    fetchMethod: (key) => count(db, { tenantId: key === "*" ? null : key }),
  });
  return {
    get: async (tenantId) => {
      const counts = await cache.fetch(tenantId ?? "*");
      if (!counts) {
        throw new Error("finished counts: nothing fetched");
      }
      return counts;
    },
  };
}
