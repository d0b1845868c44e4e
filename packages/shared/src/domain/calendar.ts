/**
 * The built-in calendar's arithmetic (the calendar plugin's `local` backend): the slots of one day
 * from weekly opening hours, in the business' IANA time zone, and ISO-8601 times with that zone's
 * offset. Pure; time zones through the platform's Intl (no clock: `now` is passed in).
 */
import type { Weekday } from "../schemas/agent-spec.ts";
import { minutesOfDay } from "../schemas/time-of-day.ts";

export type OpeningHours = { day: Weekday; open: string; close: string };

/** A free or taken appointment slot: [start, end). */
export type Slot = { start: Date; end: Date };

const WEEKDAY_OF_UTC_DAY: Weekday[] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a calendar date "YYYY-MM-DD"; null when it is not a real date. */
export function parseCalendarDate(date: string): { year: number; month: number; day: number } | null {
  const m = DATE_RE.exec(date);
  if (!m) {
    return null;
  }
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    return null;
  }
  return { year, month, day };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(ms: number, timeZone: string): Record<"year" | "month" | "day" | "hour" | "minute" | "second", number> {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
    formatters.set(timeZone, f);
  }
  const out = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of f.formatToParts(new Date(ms))) {
    if (part.type in out) {
      out[part.type as keyof typeof out] = Number(part.value);
    }
  }
  return out;
}

/** The zone's offset from UTC at an instant, in minutes (São Paulo: -180). Throws on an unknown zone. */
export function zoneOffsetMinutes(at: Date, timeZone: string): number {
  const ms = Math.floor(at.getTime() / 1000) * 1000;
  const p = partsIn(ms, timeZone);
  return Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - ms) / 60_000);
}

/**
 * The instant of a wall-clock time in a zone, or null when that local time does not exist (the hour
 * skipped when daylight saving starts). An ambiguous time (the hour repeated when it ends) is its
 * first occurrence.
 */
export function zonedTime(
  d: { year: number; month: number; day: number },
  minuteOfDay: number,
  timeZone: string,
): Date | null {
  const local = Date.UTC(d.year, d.month - 1, d.day, 0, minuteOfDay);
  // The offset before the time, then after it: the earlier candidate that reads back right wins.
  const candidates = [local - zoneOffsetMinutes(new Date(local - 86_400_000), timeZone) * 60_000, local - zoneOffsetMinutes(new Date(local + 86_400_000), timeZone) * 60_000];
  const matches = candidates
    .filter((ms) => {
      const p = partsIn(ms, timeZone);
      return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) === local;
    })
    .sort((a, b) => a - b);
  return matches[0] === undefined ? null : new Date(matches[0]);
}

/** ISO-8601 in the zone, with its offset: "2026-11-26T09:00:00-03:00" (seconds dropped below). */
export function isoInZone(at: Date, timeZone: string): string {
  const ms = Math.floor(at.getTime() / 1000) * 1000;
  const p = partsIn(ms, timeZone);
  const offset = zoneOffsetMinutes(at, timeZone);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The calendar date ("YYYY-MM-DD") of an instant in a zone. */
export function dateInZone(at: Date, timeZone: string): string {
  return isoInZone(at, timeZone).slice(0, 10);
}

/**
 * Every slot of a calendar day: from each opening of that weekday, one every `stepMinutes`, lasting
 * `durationMinutes` and ending by the closing time. Local times that do not exist that day (a
 * daylight-saving jump) are left out. Sorted, without duplicates.
 */
export function daySlots(p: {
  date: string;
  hours: readonly OpeningHours[];
  timeZone: string;
  stepMinutes: number;
  durationMinutes: number;
}): Slot[] {
  const d = parseCalendarDate(p.date);
  if (!d || p.stepMinutes <= 0 || p.durationMinutes <= 0) {
    return [];
  }
  const weekday = WEEKDAY_OF_UTC_DAY[new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay()];
  const starts = new Map<number, Slot>();
  for (const h of p.hours) {
    if (h.day !== weekday) {
      continue;
    }
    const close = minutesOfDay(h.close);
    for (let m = minutesOfDay(h.open); m + p.durationMinutes <= close; m += p.stepMinutes) {
      const start = zonedTime(d, m, p.timeZone);
      if (start) {
        starts.set(start.getTime(), { start, end: new Date(start.getTime() + p.durationMinutes * 60_000) });
      }
    }
  }
  return [...starts.values()].sort((a, b) => a.start.getTime() - b.start.getTime());
}

/** Whether two slots overlap ([start, end) ranges). */
export function overlaps(a: Slot, b: Slot): boolean {
  return a.start < b.end && b.start < a.end;
}

/** The slots of `all` that start after `now` and overlap none of `taken`. */
export function freeSlots(all: readonly Slot[], taken: readonly Slot[], now: Date): Slot[] {
  return all.filter((slot) => slot.start > now && !taken.some((t) => overlaps(slot, t)));
}
