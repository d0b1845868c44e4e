import { describe, expect, it } from "vitest";

import { isUnstorable } from "./webhook.ts";

describe("isUnstorable (a webhook payload PostgreSQL refuses as it is)", () => {
  const pg = (code: string) =>
    new Error("Failed query: …", { cause: Object.assign(new Error("refused"), { severity: "ERROR", code }) });

  it("is PostgreSQL's class 22, 54000 and 54001, and a stack overflow", () => {
    expect(["22P02", "22021", "22003", "22007", "54000", "54001"].map((code) => isUnstorable(pg(code)))).toEqual([true, true, true, true, true, true]);
    const overflow = (() => {
      const deep = (n: number): number => deep(n + 1) + 1;
      try {
        return deep(0);
      } catch (err) {
        return err;
      }
    })();
    expect(overflow).toBeInstanceOf(RangeError);
    expect(isUnstorable(overflow)).toBe(true);
  });

  it("is not any other RangeError (our own bugs: an invalid date, the int8 parser), nor a connection loss, timeout or lock", () => {
    let invalidDate: unknown;
    try {
      new Date(Number.NaN).toISOString();
    } catch (err) {
      invalidDate = err;
    }
    expect(invalidDate).toBeInstanceOf(RangeError);
    expect(isUnstorable(invalidDate)).toBe(false);
    expect(isUnstorable(new RangeError("int8 9007199254740993 is beyond Number.MAX_SAFE_INTEGER: cast it to text or numeric in the query"))).toBe(false);
    expect(["57014", "57P01", "55P03", "40P01", "08006"].map((code) => isUnstorable(pg(code)))).toEqual([false, false, false, false, false]);
    expect(isUnstorable(new Error("write CONNECTION_CLOSED"))).toBe(false);
  });
});
