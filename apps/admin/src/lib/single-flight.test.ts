import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, expect, test } from "vitest";

import { useSingleFlight } from "./single-flight.ts";

/** The guard a component gets, taken out of one render (its ref lives on in the closure). */
function guard(onPendingChange?: (pending: boolean) => void) {
  let run: ReturnType<typeof useSingleFlight> | undefined;
  function Probe() {
    run = useSingleFlight(onPendingChange);
    return null;
  }
  renderToString(createElement(Probe));
  if (!run) {
    throw new Error("not rendered");
  }
  return run;
}

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("useSingleFlight", () => {
  test("a second activation while the first runs is a no-op; once it settled, the next one runs; the pending state is told", async () => {
    const pending: boolean[] = [];
    const run = guard((p) => pending.push(p));
    const first = deferred();
    let calls = 0;
    const action = () => {
      calls += 1;
      return first.promise;
    };
    const a = run(action);
    const b = run(action); // the double click
    expect(calls).toBe(1);
    expect(pending).toEqual([true]);
    first.resolve();
    await Promise.all([a, b]);
    expect(pending).toEqual([true, false]);
    await run(() => {
      calls += 1;
      return Promise.resolve();
    });
    expect(calls).toBe(2);
  });

  test("a rejection is swallowed and opens the guard again (trying again after an error works)", async () => {
    const run = guard();
    const failing = deferred();
    const attempt = run(() => failing.promise);
    failing.reject(new Error("boom"));
    await expect(attempt).resolves.toBeUndefined();
    let again = 0;
    await run(async () => {
      again += 1;
    });
    expect(again).toBe(1);
  });

  test("an action that returns no promise did its work at once: nothing stays in flight, no pending state", async () => {
    const pending: boolean[] = [];
    const run = guard((p) => pending.push(p));
    let calls = 0;
    await Promise.all([run(() => void (calls += 1)), run(() => void (calls += 1))]);
    expect(calls).toBe(2);
    expect(pending).toEqual([]);
  });
});
