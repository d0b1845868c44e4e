import { and, desc, eq, gt, inArray, lt, sql } from "drizzle-orm";

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

/**
 * Takes one attempt under every limit at once: when each key is under its limit, counts the attempt
 * against all of them and returns 0; otherwise counts nothing and returns the milliseconds until the
 * longest wait ends. Check and count run in one transaction under a lock per key (taken in key order),
 * so concurrent attempts — from any number of API processes — can never all pass one check before any
 * of them is counted: of N simultaneous attempts on a key with `max` left, exactly `max` go ahead.
 */
export async function rateLimitTake(
  db: Executor,
  entries: readonly { key: string; limit: RateLimit }[],
  now = new Date(),
): Promise<number> {
  return (await rateLimitTakeHits(db, entries, now)).wait;
}

/**
 * `rateLimitTake`, also returning the ids of the rows that counted the attempt (none when refused),
 * so that a caller can later forget just this attempt (`rateLimitForgetHits`: a sign-in that
 * succeeded is not a failure).
 */
export async function rateLimitTakeHits(
  db: Executor,
  entries: readonly { key: string; limit: RateLimit }[],
  now = new Date(),
): Promise<{ wait: number; hitIds: number[] }> {
  if (entries.length === 0) {
    return { wait: 0, hitIds: [] };
  }
  return db.transaction(async (tx) => {
    for (const key of [...new Set(entries.map((e) => e.key))].sort()) {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext('lx.rate_limit'), hashtext(${key}))`);
    }
    let wait = 0;
    for (const { key, limit } of entries) {
      wait = Math.max(wait, await rateLimitWait(tx, key, limit, now));
    }
    if (wait > 0) {
      return { wait, hitIds: [] };
    }
    const rows = await tx
      .insert(rateLimitHits)
      .values(entries.map(({ key }) => ({ key, at: now })))
      .returning({ id: rateLimitHits.id });
    return { wait: 0, hitIds: rows.map((r) => r.id) };
  });
}

/** Un-counts one attempt: deletes the rows `rateLimitTakeHits` returned for it. */
export async function rateLimitForgetHits(db: Executor, hitIds: readonly number[]): Promise<void> {
  if (hitIds.length > 0) {
    await db.delete(rateLimitHits).where(inArray(rateLimitHits.id, [...hitIds]));
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
