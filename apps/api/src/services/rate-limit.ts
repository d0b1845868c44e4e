import type { Executor } from "@lx/db/client";
import {
  rateLimitForgetHits,
  rateLimitReset,
  rateLimitTake,
  rateLimitTakeHits,
  rateLimitWait,
  type LoginThrottle,
  type RateLimit,
} from "@lx/db/queries";

import { rateLimitAddress } from "../http/client-address.ts";

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

/** Sign-in failures per (address, e-mail): one client guessing one account's password. */
export const LOGIN_LIMIT_PER_ATTEMPT: RateLimit = { max: 5, windowMs: 15 * 60_000 };
/** Sign-in failures per e-mail from any address: many addresses (a botnet) guessing one account. */
export const LOGIN_LIMIT_PER_ACCOUNT: RateLimit = { max: 20, windowMs: 15 * 60_000 };
/**
 * Sign-in failures per address across e-mails: one address spraying passwords over many accounts. An
 * IPv6 address counts by its /64 here and in the per-(address, e-mail) limit (rateLimitAddress).
 */
export const LOGIN_LIMIT_PER_ADDRESS: RateLimit = { max: 30, windowMs: 15 * 60_000 };
/**
 * Sign-in failures per known device (a valid `lx_device` cookie for the e-mail tried): the only limit
 * a trusted attempt counts under (services/device-cookie.ts).
 */
export const LOGIN_LIMIT_PER_DEVICE: RateLimit = { max: 5, windowMs: 15 * 60_000 };

/**
 * The console login policy. An attempt from an unknown browser: three limits checked and counted
 * together in one step: 5 failures per (ip, e-mail), 20 per e-mail from any address, 30 per address
 * over any e-mails, each per 15 minutes. An attempt from a device that signed in to that account
 * before (a valid `lx_device` cookie): 5 failures per device per 15 minutes and nothing else, so the
 * account's and the address's limits, which anyone can exhaust, never lock out the account's own
 * browsers; a device past its limit is treated as unknown (OWASP's device-cookie scheme).
 */
export class LoginLimiter {
  readonly byAttempt: RateLimiter;
  readonly byAccount: RateLimiter;
  readonly byAddress: RateLimiter;
  readonly byDevice: RateLimiter;

  constructor(private readonly db: Executor) {
    this.byAttempt = new RateLimiter(db, "login", LOGIN_LIMIT_PER_ATTEMPT);
    this.byAccount = new RateLimiter(db, "login-account", LOGIN_LIMIT_PER_ACCOUNT);
    this.byAddress = new RateLimiter(db, "login-ip", LOGIN_LIMIT_PER_ADDRESS);
    this.byDevice = new RateLimiter(db, "login-device", LOGIN_LIMIT_PER_DEVICE);
  }

  /**
   * The throttle one sign-in attempt consults. Every attempt is counted under the three limits before
   * its password is checked (so a burst of concurrent guesses gets no more than a limit's worth of
   * password checks), and a refused attempt counts under none. A successful one clears its
   * (ip, e-mail) count, as it always did, and un-counts itself from the per-account and per-address
   * limits: those count failures only, and a success never forgives the other failures there (an
   * attacker with one valid account cannot reset its address's count by signing in to it).
   */
  throttle(ip: string | null, email: string, device: string | null = null): LoginThrottle {
    const address = rateLimitAddress(ip);
    const account = email.trim().toLowerCase();
    const attemptKey = loginRateLimitKey(ip, email);
    let hitIds: number[] = [];
    const throttle: LoginThrottle = {
      trustedDevice: false,
      take: async (now) => {
        if (device !== null) {
          const trusted = await rateLimitTakeHits(this.db, [this.byDevice.entry(device)], new Date(now));
          if (trusted.wait === 0) {
            hitIds = trusted.hitIds;
            throttle.trustedDevice = true;
            return 0;
          }
        }
        throttle.trustedDevice = false;
        const taken = await rateLimitTakeHits(
          this.db,
          [this.byAttempt.entry(attemptKey), this.byAccount.entry(account), this.byAddress.entry(address)],
          new Date(now),
        );
        hitIds = taken.hitIds;
        return taken.wait;
      },
      reset: async () => {
        if (throttle.trustedDevice && device !== null) {
          await this.byDevice.reset(device);
          return;
        }
        await this.byAttempt.reset(attemptKey);
        await rateLimitForgetHits(this.db, hitIds);
      },
    };
    return throttle;
  }
}

export function createLoginRateLimiter(db: Executor): LoginLimiter {
  return new LoginLimiter(db);
}

/** The (address, e-mail) key: an IPv6 address counts by its /64 (rateLimitAddress). */
export function loginRateLimitKey(ip: string | null, email: string): string {
  return `${rateLimitAddress(ip)}|${email.trim().toLowerCase()}`;
}

/**
 * The throttle of one sign-in attempt by (ip, e-mail), trusted when `device` is the id of a valid
 * device cookie for that e-mail: see `LoginLimiter.throttle`.
 */
export function loginThrottle(
  limiter: LoginLimiter,
  ip: string | null,
  email: string,
  device: string | null = null,
): LoginThrottle {
  return limiter.throttle(ip, email, device);
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
    const entries = [this.#byEmail.entry(email.trim().toLowerCase()), this.#byIp.entry(rateLimitAddress(ip))];
    return rateLimitTake(this.#db, entries, new Date(now));
  }
}
