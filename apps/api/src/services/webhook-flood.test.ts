import { describe, expect, test } from "vitest";

import { WebhookFlood } from "./webhook-flood.ts";

function clocked(slowMs = 10) {
  let now = 5_000_000;
  const changes: string[] = [];
  const flood = new WebhookFlood({ slowMs, now: () => now, onChange: (f, rate) => changes.push(`${f ? "on" : "off"}@${rate}`) });
  /** `n` POSTs spread over one 50 ms window, `slow` of them slower than the threshold. */
  const window = (n: number, slow: number) => {
    for (let i = 0; i < n; i++) {
      flood.arrive();
      flood.record(i < slow ? slowMs + 5 : 2, true);
      now += 50 / n;
    }
    if (n === 0) {
      now += 50;
    }
  };
  return { flood, changes, window, advance: (ms: number) => (now += ms) };
}

describe("webhook flood detection", () => {
  test("a fast webhook at any rate is no flood", () => {
    const { flood, window } = clocked();
    for (let i = 0; i < 20; i++) {
      window(400, 0);
    }
    expect(flood.flooding).toBe(false);
  });

  test("a slow webhook at a trickle is no flood", () => {
    const { flood, window } = clocked();
    for (let i = 0; i < 20; i++) {
      window(9, 9);
    }
    expect(flood.flooding).toBe(false);
  });

  test("two busy windows with a quarter of the POSTs slow declare one; it lasts while the rate holds, fast or not", () => {
    const { flood, window, changes } = clocked();
    window(100, 25);
    expect(flood.flooding).toBe(false); // one window is not enough
    window(100, 25);
    expect(flood.flooding).toBe(true);
    // The workers yield, the webhook gets fast: still a flood while POSTs keep coming.
    for (let i = 0; i < 10; i++) {
      window(300, 0);
    }
    expect(flood.flooding).toBe(true);
    window(5, 0); // the rate falls below 200/s for one window: a lull, not the end
    window(300, 0);
    expect(flood.flooding).toBe(true);
    window(5, 0); // two windows in a row: the end
    window(5, 0);
    expect(flood.flooding).toBe(false);
    expect(changes).toEqual(["on@2000", "off@100"]);
  });

  test("under a quarter slow, or a slow window between fast ones, is no flood", () => {
    const { flood, window } = clocked();
    for (let i = 0; i < 5; i++) {
      window(100, 24);
    }
    window(100, 100);
    window(100, 0);
    window(100, 100);
    window(100, 0);
    expect(flood.flooding).toBe(false);
  });

  test("a flood ends when the POSTs stop, read without any new one", () => {
    const { flood, window, advance } = clocked();
    window(100, 100);
    window(100, 100);
    window(100, 100);
    expect(flood.flooding).toBe(true);
    advance(40);
    expect(flood.flooding).toBe(true); // one window without a POST
    advance(100);
    expect(flood.flooding).toBe(false);
  });

  test("within 5 s of a flood's end, one busy window starts it again, slow or not; later, it takes the evidence again", () => {
    const { flood, window, advance } = clocked();
    window(100, 100);
    window(100, 100);
    expect(flood.flooding).toBe(true);
    advance(3_000); // the POSTs stop: over
    expect(flood.flooding).toBe(false);
    window(100, 0); // a fast, busy window 3 s later: the same flood, again
    expect(flood.flooding).toBe(true);
    advance(6_000);
    expect(flood.flooding).toBe(false);
    window(100, 0);
    window(100, 0);
    window(100, 0);
    expect(flood.flooding).toBe(false); // 6 s later a fast webhook is no flood
    window(100, 100);
    expect(flood.flooding).toBe(false);
    window(100, 100);
    expect(flood.flooding).toBe(true);
  });

  test("a stall that answers nothing while POSTs keep arriving neither ends a flood nor hides one", () => {
    const { flood, window, advance } = clocked();
    window(100, 100);
    window(100, 100);
    expect(flood.flooding).toBe(true);
    // 150 ms with POSTs arriving and none answered (a GC pause, a checkpoint's flush).
    for (let i = 0; i < 150; i++) {
      flood.arrive();
      advance(1);
    }
    expect(flood.flooding).toBe(true);
    advance(6_000); // over, and forgotten
    expect(flood.flooding).toBe(false);
    for (let i = 0; i < 150; i++) {
      flood.arrive();
      advance(1);
    }
    expect(flood.flooding).toBe(true); // busy windows that answered nothing are slow ones
  });

  test("status callbacks, the echo of the workers' own sends, make POSTs slow but never busy", () => {
    const { flood, advance } = clocked();
    /** One 50 ms window: `messages` fast POSTs with messages among `statuses` slow status callbacks. */
    const mixed = (messages: number, statuses: number) => {
      const n = messages + statuses;
      for (let i = 0; i < n; i++) {
        flood.arrive();
        flood.record(i < messages ? 2 : 50, i < messages);
        advance(50 / n);
      }
    };
    for (let i = 0; i < 5; i++) {
      mixed(0, 300);
    }
    expect(flood.flooding).toBe(false);
    // Messages pour in, slowed (a quarter of all POSTs slow) by the statuses among them: a flood.
    mixed(20, 100);
    mixed(20, 100);
    expect(flood.flooding).toBe(true);
    // The messages stop; the statuses of the replies go on: over, and they cannot restart it.
    for (let i = 0; i < 10; i++) {
      mixed(0, 300);
    }
    expect(flood.flooding).toBe(false);
  });

  test("WEBHOOK_FLOOD_MS=0 never declares one", () => {
    const { flood, window } = clocked(0);
    for (let i = 0; i < 5; i++) {
      window(500, 500);
    }
    expect(flood.flooding).toBe(false);
  });
});
