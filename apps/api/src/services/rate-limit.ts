import type { Executor } from "@lx/db/client";
import { rateLimitHit, rateLimitReset, rateLimitWait, type LoginThrottle, type RateLimit } from "@lx/db/queries";

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

  recordFailure(key: string, now = Date.now()): Promise<void> {
    return rateLimitHit(this.db, [`${this.name}|${key}`], new Date(now));
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

/** The limiter bound to one sign-in attempt's (ip, e-mail) key: the throttle `login` consults. */
export function loginThrottle(limiter: RateLimiter, ip: string | null, email: string): LoginThrottle {
  const key = loginRateLimitKey(ip, email);
  return {
    retryAfterMs: (now) => limiter.retryAfterMs(key, now),
    recordFailure: (now) => limiter.recordFailure(key, now),
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

  constructor(db: Executor) {
    this.#byEmail = new RateLimiter(db, "reset-email", { max: 3, windowMs: 15 * 60_000 });
    this.#byIp = new RateLimiter(db, "reset-ip", { max: 10, windowMs: 15 * 60_000 });
  }

  /** Milliseconds until this (ip, e-mail) may ask again; 0 when it may now (and the request is counted). */
  async take(ip: string | null, email: string, now = Date.now()): Promise<number> {
    const emailKey = email.trim().toLowerCase();
    const ipKey = ip ?? "unknown";
    const waits = await Promise.all([this.#byEmail.retryAfterMs(emailKey, now), this.#byIp.retryAfterMs(ipKey, now)]);
    const wait = Math.max(...waits);
    if (wait > 0) {
      return wait;
    }
    await Promise.all([this.#byEmail.recordFailure(emailKey, now), this.#byIp.recordFailure(ipKey, now)]);
    return 0;
  }
}
