import { describe, expect, onTestFinished } from "vitest";

import type { Database } from "@lx/db/client";
import { FLOOD_PAYLOAD } from "@lx/db/notifier";
import { dbTest as test } from "@lx/db/testing";

import { FloodYield } from "./flood.ts";
import { enqueue, runnerOn, setup, waitUntil } from "./testing.ts";

/** The API's wake-ups during a flood (it sends them 50 ms apart), until the test stops them. */
function floodWakeUps(db: Database): () => void {
  const timer = setInterval(() => void db.$client.notify("lx_jobs", FLOOD_PAYLOAD).catch(() => undefined), 40);
  const stop = () => clearInterval(timer);
  onTestFinished(stop);
  return stop;
}

/** A started runner with 16 slots under `flood`, whose jobs record when they started (the returned list). */
async function pacedRunner(dbUrl: string, flood: FloodYield): Promise<number[]> {
  const started: number[] = [];
  const runner = await runnerOn(
    dbUrl,
    async (ctx) => {
      started.push(Date.now());
      await ctx.finish(() => Promise.resolve());
    },
    { flood, concurrency: 16 },
  );
  await runner.start();
  return started;
}

describe("a runner during a webhook flood", () => {
  test("starts jobs at the flood's pace while flagged wake-ups arrive, and catches up once they stop", async ({ db, dbUrl }) => {
    const { tenant, convs } = await setup(db, 40);
    const flood = new FloodYield({ ratePerSecond: 20, maxMs: 60_000 });
    const started = await pacedRunner(dbUrl, flood);
    const stop = floodWakeUps(db);
    await waitUntil(db, () => Promise.resolve(flood.yielding));
    const floodStart = Date.now();
    for (const [i, conv] of convs.entries()) {
      await enqueue(db, tenant.id, conv, i); // 40 conversations: nothing holds a job but the pace
    }
    await waitUntil(db, () => Promise.resolve(started.length >= 10));
    // Unpaced, 16 free slots take 10 ready jobs in one claim; at 20 a second (one in hand, at most
    // 2 saved up) the tenth start comes 350 ms or more after the flood began.
    expect(Math.max(...started.slice(0, 10)) - floodStart).toBeGreaterThanOrEqual(350);
    expect(started.length).toBeLessThan(40);
    stop();
    await waitUntil(db, () => Promise.resolve(started.length === 40));
    expect(flood.yielding).toBe(false);
  });

  test("a flood longer than maxMs is honoured for maxMs only: the rest is answered at full speed while it goes on", async ({ db, dbUrl }) => {
    const { tenant, convs } = await setup(db, 50);
    const flood = new FloodYield({ ratePerSecond: 5, maxMs: 1_000 });
    const started = await pacedRunner(dbUrl, flood);
    floodWakeUps(db);
    await waitUntil(db, () => Promise.resolve(flood.yielding));
    for (const [i, conv] of convs.entries()) {
      await enqueue(db, tenant.id, conv, i);
    }
    await waitUntil(db, () => Promise.resolve(started.length === 50));
    expect(flood.yielding).toBe(false); // the wake-ups still say "flood"
    // At 5 a second, the last 40 starts would take 8 s; past maxMs they go at once.
    const last40 = started.slice(10);
    expect(Math.max(...last40) - Math.min(...last40)).toBeLessThan(4_000);
  });
});
