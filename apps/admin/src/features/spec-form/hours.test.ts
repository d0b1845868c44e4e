import { describe, expect, it } from "vitest";

import { hoursByDay, newInterval } from "./hours.ts";

describe("hoursByDay", () => {
  it("groups the intervals by weekday, keeping their index in the list", () => {
    const { days, unknown } = hoursByDay([
      { day: "tue", open: "14:00", close: "18:00" },
      { day: "mon", open: "08:00", close: "12:00" },
      { day: "tue", open: "08:00", close: "12:00" },
      { day: "xyz", open: "08:00", close: "12:00" },
    ]);
    expect(days.map((d) => d.day)).toEqual(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
    expect(days[0]?.intervals).toEqual([{ index: 1, open: "08:00", close: "12:00" }]);
    expect(days[1]?.intervals.map((i) => i.index)).toEqual([0, 2]);
    expect(days[2]?.intervals).toEqual([]);
    expect(unknown).toEqual([{ index: 3, day: "xyz", open: "08:00", close: "12:00" }]);
  });

  it("reads anything else as no hours", () => {
    expect(hoursByDay(undefined).days.every((d) => d.intervals.length === 0)).toBe(true);
    expect(hoursByDay([null]).unknown).toEqual([{ index: 0, day: "", open: "", close: "" }]);
  });
});

describe("newInterval", () => {
  it("opens a closed day from 09:00 to 18:00", () => {
    expect(newInterval(undefined, "sat")).toEqual({ day: "sat", open: "09:00", close: "18:00" });
  });

  it("adds the hour after the day's latest closing", () => {
    const hours = [
      { day: "mon", open: "14:00", close: "18:30" },
      { day: "mon", open: "08:00", close: "12:00" },
      { day: "tue", open: "08:00", close: "23:30" },
    ];
    expect(newInterval(hours, "mon")).toEqual({ day: "mon", open: "18:30", close: "19:30" });
    expect(newInterval(hours, "tue")).toEqual({ day: "tue", open: "23:30", close: "24:00" });
  });

  it("falls back to 09:00–18:00 when the day closes at midnight or its hours are malformed", () => {
    expect(newInterval([{ day: "fri", open: "08:00", close: "24:00" }], "fri").open).toBe("09:00");
    expect(newInterval([{ day: "fri", open: "8h", close: "18h" }], "fri").open).toBe("09:00");
  });
});
