/**
 * Times of day written `HH:MM` (a business' opening hours, `business.hours`): the one definition the
 * spec's schema, the built-in calendar and the console's hours editor check and read them with.
 */

/** `00:00`–`23:59`: an opening. */
export const TIME_OF_DAY = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

/** `00:00`–`23:59` or `24:00`: a closing (`24:00` closes at midnight). */
export const TIME_OF_DAY_OR_MIDNIGHT = /^(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/;

/** Minutes since midnight of an `HH:MM` string (`24:00` → 1440). */
export function minutesOfDay(hhmm: string): number {
  const [hours = "0", minutes = "0"] = hhmm.split(":");
  return Number(hours) * 60 + Number(minutes);
}
