import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { sourceFiles } from "../testing/sources.ts";
import { minutesOfDay, TIME_OF_DAY, TIME_OF_DAY_OR_MIDNIGHT } from "./time-of-day.ts";

describe("HH:MM times of day", () => {
  it("an opening is 00:00–23:59; a closing may also be 24:00 (midnight)", () => {
    for (const time of ["00:00", "09:30", "23:59"]) {
      expect(TIME_OF_DAY.test(time), time).toBe(true);
      expect(TIME_OF_DAY_OR_MIDNIGHT.test(time), time).toBe(true);
    }
    expect(TIME_OF_DAY.test("24:00")).toBe(false);
    expect(TIME_OF_DAY_OR_MIDNIGHT.test("24:00")).toBe(true);
    for (const time of ["24:01", "25:00", "7pm", "9:30", "09:60", " 09:30", "09:30\n"]) {
      expect(TIME_OF_DAY.test(time), time).toBe(false);
      expect(TIME_OF_DAY_OR_MIDNIGHT.test(time), time).toBe(false);
    }
    expect(minutesOfDay("00:00")).toBe(0);
    expect(minutesOfDay("09:30")).toBe(570);
    expect(minutesOfDay("24:00")).toBe(1440);
  });

  it("is defined once: no other source spells the HH:MM pattern or parses HH:MM itself", () => {
    const here = fileURLToPath(new URL("./time-of-day.ts", import.meta.url));
    const copies = sourceFiles()
      .filter((file) => file !== here)
      .filter((file) => {
        const source = readFileSync(file, "utf8");
        return source.includes("[01]\\d|2[0-3]") || source.includes('hhmm.split(":")');
      });
    expect(copies).toEqual([]);
  });
});
