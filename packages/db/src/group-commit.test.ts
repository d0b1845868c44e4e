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
    expect(gc.stats).toEqual({ batches: 2, items: 4, largest: 3, isolated: 0 });
  });

  test("a poison item fails only its own caller: a failed batch is re-run item by item", async () => {
    const batches: number[][] = [];
    const gc = new GroupCommit(
      async (items: number[]) => {
        batches.push(items);
        if (items.includes(-1)) {
          throw new Error("bad item");
        }
        return items.map((i) => i * 10);
      },
      { maxInFlight: 1 },
    );
    const settled = await Promise.allSettled([gc.add(1), gc.add(2), gc.add(-1), gc.add(3)]);
    expect(settled.map((r) => (r.status === "fulfilled" ? r.value : (r.reason as Error).message))).toEqual([10, 20, "bad item", 30]);
    // The shared batch failed once, then each of its items ran alone, in order.
    expect(batches).toEqual([[1, 2, -1, 3], [1], [2], [-1], [3]]);
    expect(gc.stats.isolated).toBe(1);
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
    await expect(Promise.all([gc.add(1), gc.add(2)])).rejects.toThrow("0 results for 1 items");
  });
});
