import { minutesOfDay, TIME_OF_DAY_OR_MIDNIGHT, WEEKDAYS, type Weekday } from "@lx/shared/schemas";

import { isRecord } from "../../lib/paths.ts";

/** One interval of `business.hours`, with its index there (its errors' path: `business.hours.<index>.open`). */
export type HoursInterval = { index: number; open: string; close: string };

export type HoursByDay = {
  /** Monday to Sunday, each with its intervals in the spec's order (none: closed). */
  days: { day: Weekday; intervals: HoursInterval[] }[];
  /** Entries whose `day` is not a weekday (written in the JSON view): shown apart, to be removed. */
  unknown: (HoursInterval & { day: string })[];
};

const text = (value: unknown) => (typeof value === "string" ? value : "");

/** `business.hours` (a list, or anything the JSON view left there) grouped by weekday. */
export function hoursByDay(hours: unknown): HoursByDay {
  const days = WEEKDAYS.map((day) => ({ day, intervals: [] as HoursInterval[] }));
  const unknown: HoursByDay["unknown"] = [];
  (Array.isArray(hours) ? (hours as unknown[]) : []).forEach((entry, index) => {
    const item = isRecord(entry) ? entry : {};
    const interval = { index, open: text(item.open), close: text(item.close) };
    const day = days.find((d) => d.day === item.day);
    if (day) {
      day.intervals.push(interval);
    } else {
      unknown.push({ ...interval, day: text(item.day) });
    }
  });
  return { days, unknown };
}

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/**
 * The interval "+ faixa" adds to `day`: 09:00–18:00 on a closed day; on an open one, the hour after
 * its latest closing (12:00–13:00 after 08:00–12:00), so it does not overlap; 09:00–18:00 again when
 * the day already closes at midnight (the overlap is then reported on the new interval).
 */
export function newInterval(hours: unknown, day: Weekday): { day: Weekday; open: string; close: string } {
  const { days } = hoursByDay(hours);
  const closes = (days.find((d) => d.day === day)?.intervals ?? [])
    .map((interval) => interval.close)
    .filter((close) => TIME_OF_DAY_OR_MIDNIGHT.test(close))
    .map(minutesOfDay);
  const last = closes.length > 0 ? Math.max(...closes) : null;
  if (last === null || last >= 24 * 60) {
    return { day, open: "09:00", close: "18:00" };
  }
  return { day, open: hhmm(last), close: hhmm(Math.min(last + 60, 24 * 60)) };
}
