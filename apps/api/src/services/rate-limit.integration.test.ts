import { describe, expect, onTestFinished } from "vitest";

import { eq } from "drizzle-orm";

import { closeDb, createDb } from "@lx/db/client";
import { login, pruneRateLimitHits } from "@lx/db/queries";
import { rateLimitHits } from "@lx/db/schema";
import { dbTest as test, seedUser, uniqueSuffix } from "@lx/db/testing";
import { AppError } from "@lx/shared/errors";

import { createLoginRateLimiter, loginRateLimitKey, loginThrottle, RateLimiter, ResetRequestLimiter } from "./rate-limit.ts";

describe("RateLimiter (counted in PostgreSQL)", () => {
  test("limits a key after max failures inside the window and frees it when they age out", async ({ db }) => {
    const limiter = new RateLimiter(db, `t-${uniqueSuffix()}`, { max: 3, windowMs: 1000 });
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 3; i++) {
      expect(await limiter.take("k", t0 + i)).toBe(0);
    }
    expect(await limiter.take("k", t0 + 3)).toBe(997);
    // A refused attempt is not counted: the wait does not grow.
    expect(await limiter.retryAfterMs("k", t0 + 3)).toBe(997);
    expect(await limiter.retryAfterMs("other", t0 + 3)).toBe(0);
    // The first failure leaves the window at t0 + 1000.
    expect(await limiter.retryAfterMs("k", t0 + 1000)).toBe(0);
  });

  test("reset clears a key; limits of another name do not share counts", async ({ db }) => {
    const name = `t-${uniqueSuffix()}`;
    const limiter = new RateLimiter(db, name, { max: 1, windowMs: 60_000 });
    expect(await limiter.take("k")).toBe(0);
    expect(await limiter.retryAfterMs("k")).toBeGreaterThan(0);
    expect(await new RateLimiter(db, `${name}-other`, { max: 1, windowMs: 60_000 }).retryAfterMs("k")).toBe(0);
    await limiter.reset("k");
    expect(await limiter.retryAfterMs("k")).toBe(0);
  });

  test("two API processes (two connection pools) count against one limit", async ({ db, dbUrl }) => {
    const other = createDb(dbUrl, { max: 1 });
    onTestFinished(() => closeDb(other));
    const name = `login-${uniqueSuffix()}`;
    const a = new RateLimiter(db, name, { max: 5, windowMs: 60_000 });
    const b = new RateLimiter(other, name, { max: 5, windowMs: 60_000 });
    for (let i = 0; i < 5; i++) {
      expect(await (i % 2 === 0 ? a : b).take("10.0.0.9|ana@x.test")).toBe(0);
    }
    expect(await a.retryAfterMs("10.0.0.9|ana@x.test")).toBeGreaterThan(0);
    expect(await b.retryAfterMs("10.0.0.9|ana@x.test")).toBeGreaterThan(0);
  });

  test("concurrent attempts from two API processes: exactly max go ahead, however they interleave", async ({
    db,
    dbUrl,
  }) => {
    const other = createDb(dbUrl, { max: 8 });
    onTestFinished(() => closeDb(other));
    const name = `burst-${uniqueSuffix()}`;
    const a = new RateLimiter(db, name, { max: 5, windowMs: 60_000 });
    const b = new RateLimiter(other, name, { max: 5, windowMs: 60_000 });
    const waits = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).take("k")));
    expect(waits.filter((w) => w === 0)).toHaveLength(5);
    expect(await db.$count(rateLimitHits, eq(rateLimitHits.key, `${name}|k`))).toBe(5);
  });

  test("a burst of wrong passwords gets no more password checks than the limit", async ({ db, dbUrl }) => {
    const other = createDb(dbUrl, { max: 8 });
    onTestFinished(() => closeDb(other));
    const user = await seedUser(db, { role: "operator" });
    const ip = "198.51.100.77";
    const attempt = (pool: typeof db) =>
      login(pool, {
        email: user.email,
        password: "not-the-password",
        ip,
        userAgent: "vitest",
        throttle: loginThrottle(createLoginRateLimiter(pool), ip, user.email),
      }).then(
        () => "signed in",
        (error: unknown) => (error instanceof AppError ? error.code : String(error)),
      );
    const outcomes = await Promise.all(Array.from({ length: 24 }, (_, i) => attempt(i % 2 === 0 ? db : other)));
    expect(outcomes.filter((o) => o === "UNAUTHORIZED")).toHaveLength(5);
    expect(outcomes.filter((o) => o === "RATE_LIMITED")).toHaveLength(19);
    // The right password is refused too until the window passes: the guesses used it up.
    expect(await attempt(db)).toBe("RATE_LIMITED");
  });

  test("reset requests: 3 per e-mail and 10 per address, a refused request not counted", async ({ db }) => {
    const limiter = new ResetRequestLimiter(db);
    const ip = `10.1.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const email = `reset-${uniqueSuffix()}@x.test`;
    for (let i = 0; i < 3; i++) {
      expect(await limiter.take(ip, email.toUpperCase())).toBe(0);
    }
    expect(await limiter.take(ip, email)).toBeGreaterThan(0);
    for (let i = 0; i < 7; i++) {
      expect(await limiter.take(ip, `other-${i}-${email}`)).toBe(0);
    }
    expect(await limiter.take(ip, `last-${email}`)).toBeGreaterThan(0);
    expect(await limiter.take(`${ip}0`, `last-${email}`)).toBe(0);
  });

  test("the workers' prune deletes counts older than a day, and only those", async ({ db }) => {
    const limiter = new RateLimiter(db, `t-${uniqueSuffix()}`, { max: 1, windowMs: 60_000 });
    await limiter.take("old", Date.now() - 25 * 3_600_000);
    await limiter.take("new");
    expect(await pruneRateLimitHits(db)).toBeGreaterThanOrEqual(1);
    expect(await limiter.retryAfterMs("new")).toBeGreaterThan(0);
    await limiter.take("old", Date.now() - 25 * 3_600_000 + 1);
    expect(await limiter.retryAfterMs("old", Date.now() - 25 * 3_600_000 + 2)).toBeGreaterThan(0);
    await pruneRateLimitHits(db);
    expect(await limiter.retryAfterMs("old", Date.now() - 25 * 3_600_000 + 2)).toBe(0);
  });

  test("keys logins by ip and case-insensitive e-mail", () => {
    expect(loginRateLimitKey("1.2.3.4", " Ana@X.test ")).toBe("1.2.3.4|ana@x.test");
    expect(loginRateLimitKey(null, "a@b.c")).toBe("unknown|a@b.c");
    // IPv6 by its /64, however it is written; IPv4-mapped as the IPv4 address.
    expect(loginRateLimitKey("2001:db8:0:1::1", "a@b.c")).toBe("2001:db8:0:1::/64|a@b.c");
    expect(loginRateLimitKey("2001:0DB8:0000:0001:ffff:1:2:3", "a@b.c")).toBe("2001:db8:0:1::/64|a@b.c");
    expect(loginRateLimitKey("::ffff:10.0.0.7", "a@b.c")).toBe("10.0.0.7|a@b.c");
    expect(loginRateLimitKey("fe80::1%eth0", "a@b.c")).toBe("fe80:0:0:0::/64|a@b.c");
    expect(loginRateLimitKey("::1", "a@b.c")).toBe("0:0:0:0::/64|a@b.c");
  });

  test("an IPv6 client counts by its /64: hopping addresses inside it gets no more sign-in tries", async ({ db }) => {
    const limiter = createLoginRateLimiter(db);
    const net = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:${Math.floor(Math.random() * 0xffff).toString(16)}`;
    const host = (i: number) => `${net}:${i.toString(16)}::${(i * 7 + 1).toString(16)}`;
    const email = `v6-${uniqueSuffix()}@x.test`;
    // One account, a new address of the /64 for each guess: 5 per (address, e-mail), as from one address.
    for (let i = 1; i <= 5; i++) {
      expect(await limiter.throttle(host(i), email).take(Date.now())).toBe(0);
    }
    expect(await limiter.throttle(host(6), email).take(Date.now())).toBeGreaterThan(0);
    // Spraying other accounts from the same /64: 30 in all, the first 5 included.
    for (let i = 7; i < 7 + 25; i++) {
      expect(await limiter.throttle(host(i), `other-${i}-${email}`).take(Date.now())).toBe(0);
    }
    expect(await limiter.throttle(host(99), `last-${email}`).take(Date.now())).toBeGreaterThan(0);
    // Another /64 is another client.
    expect(await limiter.throttle(`2001:db8:ffff:ffff::1`, `last-${email}`).take(Date.now())).toBe(0);
  });
});
