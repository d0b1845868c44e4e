import { describe, expect, test } from "vitest";

import { FLOOD_PAYLOAD } from "@lx/db/notifier";

import { FloodYield } from "./flood.ts";

function clocked(o: { ratePerSecond: number; maxMs?: number; holdMs?: number }) {
  let now = 1_000_000;
  const changes: string[] = [];
  const flood = new FloodYield({
    maxMs: 30_000,
    ...o,
    now: () => now,
    onChange: (yielding, why) => changes.push(`${yielding ? "on" : "off"}:${why}`),
  });
  return {
    flood,
    changes,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("a worker during a webhook flood", () => {
  test("starts freely until a flagged wake-up; plain wake-ups never pace it", () => {
    const { flood, advance } = clocked({ ratePerSecond: 10 });
    expect(flood.allowance()).toBe(Number.POSITIVE_INFINITY);
    flood.onWake("");
    flood.onWake("something else");
    expect(flood.yielding).toBe(false);
    advance(10);
    expect(flood.allowance()).toBe(Number.POSITIVE_INFINITY);
  });

  test("paces starts to the rate, with no burst beyond a tenth of a second's worth", () => {
    const { flood, advance } = clocked({ ratePerSecond: 10, holdMs: 60_000 });
    flood.onWake(FLOOD_PAYLOAD);
    expect(flood.yielding).toBe(true);
    expect(flood.allowance()).toBe(1);
    flood.spend(1);
    expect(flood.allowance()).toBe(0);
    expect(flood.waitMs()).toBe(100);
    advance(50);
    expect(flood.allowance()).toBe(0);
    expect(flood.waitMs()).toBe(50);
    advance(50);
    expect(flood.allowance()).toBe(1);
    // Ten idle seconds inside the flood do not save up ten seconds of starts.
    advance(10_000);
    expect(flood.allowance()).toBe(1);
    // Over a simulated second, as many starts as the rate (and the one in hand).
    let started = 0;
    for (let t = 0; t < 1_000; t += 5) {
      const n = flood.allowance();
      flood.spend(n);
      started += n;
      advance(5);
    }
    // 1 in hand + 10 refills; the last may fall either side of the second's end.
    expect(started).toBeGreaterThanOrEqual(10);
    expect(started).toBeLessThanOrEqual(11);
  });

  test("a higher rate allows small batches", () => {
    const { flood, advance } = clocked({ ratePerSecond: 200, holdMs: 60_000 });
    flood.onWake(FLOOD_PAYLOAD);
    flood.spend(flood.allowance());
    advance(1_000);
    expect(flood.allowance()).toBe(20);
  });

  test("ends holdMs after the last flagged wake-up", () => {
    const { flood, advance, changes } = clocked({ ratePerSecond: 10, holdMs: 250 });
    flood.onWake(FLOOD_PAYLOAD);
    advance(200);
    flood.onWake(FLOOD_PAYLOAD);
    advance(200);
    expect(flood.yielding).toBe(true);
    // The wait for the next start never outlasts the flood.
    flood.spend(flood.allowance());
    expect(flood.waitMs()).toBeLessThanOrEqual(50);
    advance(50);
    expect(flood.yielding).toBe(false);
    expect(flood.allowance()).toBe(Number.POSITIVE_INFINITY);
    expect(changes).toEqual(["on:flood", "off:over"]);
  });

  test("is honoured for its first maxMs only, and the next flood is honoured again", () => {
    const { flood, advance, changes } = clocked({ ratePerSecond: 10, holdMs: 250, maxMs: 1_000 });
    for (let t = 0; t < 2_000; t += 50) {
      flood.onWake(FLOOD_PAYLOAD);
      advance(50);
    }
    // Still flooding (wake-ups keep coming), but past maxMs: full speed.
    expect(flood.yielding).toBe(false);
    expect(flood.allowance()).toBe(Number.POSITIVE_INFINITY);
    advance(300); // the flood ends
    flood.onWake(FLOOD_PAYLOAD);
    expect(flood.yielding).toBe(true);
    expect(changes).toEqual(["on:flood", "off:too long", "on:flood"]);
  });

  test("a rate of 0 ignores floods", () => {
    const { flood } = clocked({ ratePerSecond: 0 });
    flood.onWake(FLOOD_PAYLOAD);
    expect(flood.yielding).toBe(false);
    expect(flood.allowance()).toBe(Number.POSITIVE_INFINITY);
  });
});
