import type { Executor } from "@lx/db/client";
import { rateLimitReset, rateLimitTake, rateLimitWait, type LoginThrottle, type RateLimit } from "@lx/db/queries";

/**
 * A sliding-window limit on attempts per key, counted in PostgreSQL (`rate_limit_hits`): every API
 * process behind a load balancer sees the same counts, so the limit is the limit, not `max ×
 * processes`. Keys are namespaced by the limit's name. The workers prune counts older than a day.
 */
export class RateLimiter {
  constructor(
    private readonly db: Executor,
    private readonly name: string,
    readonly limit: RateLimit,
  ) {}

  /** Milliseconds until the key may try again, or 0 when it is not limited. */
  retryAfterMs(key: string, now = Date.now()): Promise<number> {
    return rateLimitWait(this.db, `${this.name}|${key}`, this.limit, new Date(now));
  }

  /**
   * Counts one attempt of the key if it is under the limit (0), else counts nothing and returns the
   * milliseconds until it may try again: check and count are one step (`rateLimitTake`).
   */
  take(key: string, now = Date.now()): Promise<number> {
    return rateLimitTake(this.db, [this.entry(key)], new Date(now));
  }

  /** The key and limit to pass to `rateLimitTake` with other limits' entries. */
  entry(key: string): { key: string; limit: RateLimit } {
    return { key: `${this.name}|${key}`, limit: this.limit };
  }

  reset(key: string): Promise<void> {
    return rateLimitReset(this.db, `${this.name}|${key}`);
  }
}

/** The console login policy: 5 failures per (ip, e-mail) per 15 minutes. */
export function createLoginRateLimiter(db: Executor): RateLimiter {
  return new RateLimiter(db, "login", { max: 5, windowMs: 15 * 60_000 });
}

export function loginRateLimitKey(ip: string | null, email: string): string {
  return `${ip ?? "unknown"}|${email.trim().toLowerCase()}`;
}

/**
 * The limiter bound to one sign-in attempt's (ip, e-mail) key: the throttle `login` consults. Every
 * attempt is counted before its password is checked, and a successful one clears the count: so a
 * burst of concurrent guesses gets no more than the limit's worth of password checks.
 */
export function loginThrottle(limiter: RateLimiter, ip: string | null, email: string): LoginThrottle {
  const key = loginRateLimitKey(ip, email);
  return {
    take: (now) => limiter.take(key, now),
    reset: () => limiter.reset(key),
  };
}

/**
 * "Esqueceu a senha?" requests: every request counts (not only failures: the answer never says
 * whether one "worked"): 3 per e-mail and 10 per client address per 15 minutes, so nobody can flood
 * an inbox or sweep addresses through us.
 */
export class ResetRequestLimiter {
  readonly #byEmail: RateLimiter;
  readonly #byIp: RateLimiter;
  readonly #db: Executor;

  constructor(db: Executor) {
    this.#db = db;
    this.#byEmail = new RateLimiter(db, "reset-email", { max: 3, windowMs: 15 * 60_000 });
    this.#byIp = new RateLimiter(db, "reset-ip", { max: 10, windowMs: 15 * 60_000 });
  }

  /**
   * Milliseconds until this (ip, e-mail) may ask again; 0 when it may now, and then the request is
   * counted against both limits in the same step as the check.
   */
  take(ip: string | null, email: string, now = Date.now()): Promise<number> {
    const entries = [this.#byEmail.entry(email.trim().toLowerCase()), this.#byIp.entry(ip ?? "unknown")];
    return rateLimitTake(this.#db, entries, new Date(now));
  }
}
