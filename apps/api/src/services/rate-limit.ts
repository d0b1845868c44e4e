import type { LoginThrottle } from "@lx/db/queries";

/**
 * In-memory sliding-window failure counter (login attempts). Per process: with several API
 * processes behind a load balancer each one counts on its own, so the effective limit is
 * `max × processes`. Good enough against online guessing; move it to PostgreSQL if that matters.
 */
export type RateLimiterOptions = {
  /** Failures allowed inside the window; the next attempt is refused. */
  max: number;
  windowMs: number;
  /** Bound on tracked keys so a key-spraying client cannot grow memory without limit. */
  maxKeys?: number;
};

export class FailureRateLimiter {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #failures = new Map<string, number[]>();

  constructor(options: RateLimiterOptions) {
    this.#max = options.max;
    this.#windowMs = options.windowMs;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /** Milliseconds until the key may try again, or 0 when it is not limited. */
  retryAfterMs(key: string, now = Date.now()): number {
    const recent = this.#recent(key, now);
    if (recent.length < this.#max) {
      return 0;
    }
    const oldest = recent[recent.length - this.#max] ?? now;
    return Math.max(1, oldest + this.#windowMs - now);
  }

  recordFailure(key: string, now = Date.now()): void {
    const recent = this.#recent(key, now);
    recent.push(now);
    // Re-insert so Map order is least-recently-failed first, then evict from the front.
    this.#failures.delete(key);
    this.#failures.set(key, recent);
    while (this.#failures.size > this.#maxKeys) {
      const first = this.#failures.keys().next();
      if (first.done) {
        break;
      }
      this.#failures.delete(first.value);
    }
  }

  reset(key: string): void {
    this.#failures.delete(key);
  }

  #recent(key: string, now: number): number[] {
    const all = this.#failures.get(key);
    if (!all) {
      return [];
    }
    const recent = all.filter((t) => t > now - this.#windowMs);
    if (recent.length === 0) {
      this.#failures.delete(key);
    } else if (recent.length !== all.length) {
      this.#failures.set(key, recent);
    }
    return recent;
  }
}

/** The console login policy: 5 failures per (ip, e-mail) per 15 minutes. */
export function createLoginRateLimiter(): FailureRateLimiter {
  return new FailureRateLimiter({ max: 5, windowMs: 15 * 60_000 });
}

export function loginRateLimitKey(ip: string | null, email: string): string {
  return `${ip ?? "unknown"}|${email.trim().toLowerCase()}`;
}

/** The limiter bound to one sign-in attempt's (ip, e-mail) key: the throttle `login` consults. */
export function loginThrottle(limiter: FailureRateLimiter, ip: string | null, email: string): LoginThrottle {
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
 * an inbox or sweep addresses through us. Per process, like the login limiter.
 */
export class ResetRequestLimiter {
  readonly #byEmail = new FailureRateLimiter({ max: 3, windowMs: 15 * 60_000 });
  readonly #byIp = new FailureRateLimiter({ max: 10, windowMs: 15 * 60_000 });

  /** Milliseconds until this (ip, e-mail) may ask again; 0 when it may now (and the request is counted). */
  take(ip: string | null, email: string, now = Date.now()): number {
    const emailKey = email.trim().toLowerCase();
    const ipKey = ip ?? "unknown";
    const wait = Math.max(this.#byEmail.retryAfterMs(emailKey, now), this.#byIp.retryAfterMs(ipKey, now));
    if (wait > 0) {
      return wait;
    }
    this.#byEmail.recordFailure(emailKey, now);
    this.#byIp.recordFailure(ipKey, now);
    return 0;
  }
}
