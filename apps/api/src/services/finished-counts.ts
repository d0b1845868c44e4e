import { LRUCache } from "lru-cache";

import type { Database } from "@lx/db/client";
import { countFinishedRows, FINISHED_RECOUNT_MS, type FinishedCounts } from "@lx/db/queries";

/**
 * The operations overview's finished-row counts (a day of jobs and sends: ~0.2 s at 300,000 of each),
 * recounted at most every `ttlMs` per tenant filter whatever the number of open screens polling
 * every 5 s. Concurrent requests share one count in flight. Just past the TTL (a screen is polling
 * this filter) the last counts are served while a recount runs (stale-while-revalidate), so no poll
 * waits on a recount; counts older than two TTLs (nobody polled this filter for a while: a screen
 * opening now) are not served as they are — that request waits for the recount, so a page never
 * opens on counts minutes old labelled "counted every 30 s".
 */
export type FinishedCountsCache = { get: (tenantId: string | null) => Promise<FinishedCounts> };

type Entry = { counts: FinishedCounts; at: number };

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
  const ttl = options.ttlMs ?? FINISHED_RECOUNT_MS;
  const now = options.now ?? (() => performance.now());
  const cache = new LRUCache<string, Entry>({
    max: 1000,
    ttl,
    allowStale: true,
    ...(options.now ? { perf: { now: options.now } } : {}),
    // A failed recount is not kept: the next poll tries again (the first one gets the error).
    fetchMethod: async (key) => ({ counts: await count(db, { tenantId: key === "*" ? null : key }), at: now() }),
  });
  return {
    get: async (tenantId) => {
      const key = tenantId ?? "*";
      const cached = cache.peek(key, { allowStale: true });
      const tooOld = cached !== undefined && now() - cached.at > 2 * ttl;
      const entry = await cache.fetch(key, { allowStale: !tooOld });
      if (!entry) {
        throw new Error("finished counts: nothing fetched");
      }
      return entry.counts;
    },
  };
}
