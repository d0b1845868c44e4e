import { describe, expect, test } from "vitest";

import { dateInZone, daySlots, freeSlots, isoInZone, parseCalendarDate, zonedTime, type OpeningHours } from "./calendar.ts";

const iso = (slots: { start: Date }[], tz: string) => slots.map((s) => isoInZone(s.start, tz));

describe("calendar arithmetic", () => {
  test("dates: real ones only", () => {
    expect(parseCalendarDate("2026-11-26")).toEqual({ year: 2026, month: 11, day: 26 });
    expect(parseCalendarDate("2026-02-30")).toBeNull();
    expect(parseCalendarDate("26/11/2026")).toBeNull();
    expect(parseCalendarDate("2026-11-26T09:00")).toBeNull();
  });

  test("a wall-clock time in a zone and back, with the zone's offset", () => {
    const at = zonedTime({ year: 2026, month: 11, day: 26 }, 9 * 60, "America/Sao_Paulo");
    expect(at?.toISOString()).toBe("2026-11-26T12:00:00.000Z");
    expect(isoInZone(at!, "America/Sao_Paulo")).toBe("2026-11-26T09:00:00-03:00");
    expect(isoInZone(at!, "Asia/Kolkata")).toBe("2026-11-26T17:30:00+05:30");
    expect(isoInZone(at!, "UTC")).toBe("2026-11-26T12:00:00+00:00");
    expect(dateInZone(new Date("2026-11-27T02:30:00Z"), "America/Sao_Paulo")).toBe("2026-11-26");
  });

  test("a weekday's openings make slots every step, each ending by closing time", () => {
    const hours: OpeningHours[] = [
      { day: "thu", open: "09:00", close: "12:00" },
      { day: "thu", open: "14:00", close: "15:30" },
      { day: "fri", open: "09:00", close: "18:00" },
    ];
    // 2026-11-26 is a Thursday.
    const slots = daySlots({ date: "2026-11-26", hours, timeZone: "America/Sao_Paulo", stepMinutes: 60, durationMinutes: 60 });
    expect(iso(slots, "America/Sao_Paulo")).toEqual([
      "2026-11-26T09:00:00-03:00",
      "2026-11-26T10:00:00-03:00",
      "2026-11-26T11:00:00-03:00",
      "2026-11-26T14:00:00-03:00",
    ]);
    expect(slots[0]!.end.toISOString()).toBe("2026-11-26T13:00:00.000Z");
    // A 90-minute service on a 30-minute grid.
    const long = daySlots({ date: "2026-11-26", hours, timeZone: "America/Sao_Paulo", stepMinutes: 30, durationMinutes: 90 });
    expect(iso(long, "America/Sao_Paulo").slice(-2)).toEqual(["2026-11-26T10:30:00-03:00", "2026-11-26T14:00:00-03:00"]);
    // Closed on Sunday; a bad date has no slots.
    expect(daySlots({ date: "2026-11-29", hours, timeZone: "America/Sao_Paulo", stepMinutes: 30, durationMinutes: 30 })).toEqual([]);
    expect(daySlots({ date: "2026-13-01", hours, timeZone: "America/Sao_Paulo", stepMinutes: 30, durationMinutes: 30 })).toEqual([]);
  });

  test("daylight saving: the skipped hour has no slot, the offset changes within the day", () => {
    // New York springs forward at 02:00 on Sunday 2026-03-08.
    const hours: OpeningHours[] = [{ day: "sun", open: "01:00", close: "05:00" }];
    const slots = daySlots({ date: "2026-03-08", hours, timeZone: "America/New_York", stepMinutes: 30, durationMinutes: 30 });
    expect(iso(slots, "America/New_York")).toEqual([
      "2026-03-08T01:00:00-05:00",
      "2026-03-08T01:30:00-05:00",
      "2026-03-08T03:00:00-04:00",
      "2026-03-08T03:30:00-04:00",
      "2026-03-08T04:00:00-04:00",
      "2026-03-08T04:30:00-04:00",
    ]);
    // Falling back on 2026-11-01, 01:30 happens twice: the first one.
    expect(zonedTime({ year: 2026, month: 11, day: 1 }, 90, "America/New_York")?.toISOString()).toBe("2026-11-01T05:30:00.000Z");
  });

  test("free slots: in the future and overlapping no booking", () => {
    const hours: OpeningHours[] = [{ day: "thu", open: "09:00", close: "12:00" }];
    const all = daySlots({ date: "2026-11-26", hours, timeZone: "UTC", stepMinutes: 30, durationMinutes: 60 });
    const taken = [{ start: new Date("2026-11-26T10:00:00Z"), end: new Date("2026-11-26T10:30:00Z") }];
    const free = freeSlots(all, taken, new Date("2026-11-26T09:10:00Z"));
    expect(iso(free, "UTC")).toEqual(["2026-11-26T10:30:00+00:00", "2026-11-26T11:00:00+00:00"]);
  });
});
