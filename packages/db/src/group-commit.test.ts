import { describe, expect, test } from "vitest";

import { GroupCommit } from "./group-commit.ts";

/** A run function whose batches stay open until released, recording what each batch held. */
function gatedRun() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const run = async (items: number[]) => {
    batches.push(items);
    await new Promise<void>((r) => gates.push(r));
    if (items.includes(-1)) {
      throw new Error("batch failed");
    }
    return items.map((i) => i * 10);
  };
  return { batches, gates, run };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("GroupCommit", () => {
  test("an item alone is written at once; items arriving while batches run go together next", async () => {
    const g = gatedRun();
    const gc = new GroupCommit(g.run, { maxInFlight: 1 });
    const first = gc.add(1);
    await tick();
    expect(g.batches).toEqual([[1]]);
    const rest = [2, 3, 4].map((i) => gc.add(i));
    await tick();
    expect(g.batches).toHaveLength(1);
    g.gates.shift()?.();
    expect(await first).toBe(10);
    await tick();
    expect(g.batches).toEqual([[1], [2, 3, 4]]);
    g.gates.shift()?.();
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
    expect(gc.stats).toEqual({ batches: 2, items: 4, largest: 3 });
  });

  test("a failing batch rejects its own callers only", async () => {
    const g = gatedRun();
    const gc = new GroupCommit(g.run, { maxInFlight: 1 });
    const ok = gc.add(1);
    await tick();
    const bad = [gc.add(-1), gc.add(2)];
    g.gates.shift()?.();
    expect(await ok).toBe(10);
    await tick();
    g.gates.shift()?.();
    await expect(bad[0]).rejects.toThrow("batch failed");
    await expect(bad[1]).rejects.toThrow("batch failed");
    const after = gc.add(3);
    await tick();
    g.gates.shift()?.();
    expect(await after).toBe(30);
  });

  test("maxBatch and maxInFlight bound the batches", async () => {
    const g = gatedRun();
    const gc = new GroupCommit(g.run, { maxInFlight: 2, maxBatch: 3 });
    const all = Array.from({ length: 8 }, (_, i) => gc.add(i));
    await tick();
    expect(g.batches).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    g.gates.shift()?.();
    await tick();
    await tick();
    expect(g.batches.at(-1)).toEqual([6, 7]);
    g.gates.forEach((r) => r());
    g.gates.length = 0;
    await tick();
    g.gates.forEach((r) => r());
    expect(await Promise.all(all)).toEqual([0, 10, 20, 30, 40, 50, 60, 70]);
  });

  test("a run that returns the wrong number of results rejects the batch instead of misrouting", async () => {
    const gc = new GroupCommit(async (items: number[]) => items.slice(1));
    await expect(Promise.all([gc.add(1), gc.add(2)])).rejects.toThrow("1 results for 2 items");
  });
});
