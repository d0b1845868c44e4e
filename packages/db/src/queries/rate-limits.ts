import { and, desc, eq, gt, lt, sql } from "drizzle-orm";

import type { Executor } from "../client.ts";
import { rateLimitHits } from "../schema/index.ts";

/** At most `max` counted attempts per key within any `windowMs`. */
export type RateLimit = { max: number; windowMs: number };

/**
 * Milliseconds until `key` may try again under `limit` (0: now), from the attempts counted in the
 * database: the same answer from every API process.
 */
export async function rateLimitWait(db: Executor, key: string, limit: RateLimit, now = new Date()): Promise<number> {
  const since = new Date(now.getTime() - limit.windowMs);
  const recent = await db
    .select({ at: rateLimitHits.at })
    .from(rateLimitHits)
    .where(and(eq(rateLimitHits.key, key), gt(rateLimitHits.at, since)))
    .orderBy(desc(rateLimitHits.at))
    .limit(limit.max);
  const oldest = recent[limit.max - 1];
  return oldest ? Math.max(1, oldest.at.getTime() + limit.windowMs - now.getTime()) : 0;
}

/** Counts one attempt of each key. */
export async function rateLimitHit(db: Executor, keys: string[], now = new Date()): Promise<void> {
  if (keys.length > 0) {
    await db.insert(rateLimitHits).values(keys.map((key) => ({ key, at: now })));
  }
}

/** Forgets a key's attempts (a successful sign-in clears its failures). */
export async function rateLimitReset(db: Executor, key: string): Promise<void> {
  await db.delete(rateLimitHits).where(eq(rateLimitHits.key, key));
}

/** Deletes attempts older than `olderThanMs` (the workers, every 10 minutes): no window is that long. */
export async function pruneRateLimitHits(db: Executor, olderThanMs = 24 * 3_600_000): Promise<number> {
  const rows = await db
    .delete(rateLimitHits)
    .where(lt(rateLimitHits.at, sql`now() - ${olderThanMs} * interval '1 millisecond'`))
    .returning({ id: rateLimitHits.id });
  return rows.length;
}
