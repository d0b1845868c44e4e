import { parsePhoneNumberFromString } from "libphonenumber-js/min";

/**
 * Whether `value` is a phone number written as digits, with an optional leading `+` (a customer's
 * WhatsApp id: `5511999990002`), rather than a username user's business-scoped id (`US.1349…`) or a
 * number written with separators. The one test the console's formatting and the worker's addressing
 * (`to` with a `+`, or `recipient` as it came) share.
 */
export function isPhoneDigits(value: string): boolean {
  return /^\+?\d+$/.test(value);
}

/**
 * One format for every phone number the console shows (customers' WhatsApp ids, which are digits
 * only, and business numbers): international, as libphonenumber-js formats a valid number
 * (`5511999990002` → `+55 11 99999 0002`); one it does not know as written when it was written with
 * separators (a display number an operator typed: `+55 11 9612 3456` stays so), else `+<digits>`
 * (test customers' WhatsApp ids). Browser-safe: the admin and the API format alike.
 */
export function formatPhone(raw: string): string {
  const digits = raw.replace(/\D/g, "");
  if (digits === "") {
    return raw;
  }
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  // The minimal metadata checks lengths, not patterns: a number no national format fits comes back
  // as "+55 1196123456" (country code, then the digits run together), which formats nothing.
  const international = parsed?.isValid() ? parsed.formatInternational() : null;
  if (international && international.split(" ").length > 2) {
    return international;
  }
  return isPhoneDigits(raw.trim()) ? `+${digits}` : raw.trim();
}

/**
 * The console's own test customers (the test chat's, apps/api services/sandbox-chat.ts): `55000`
 * and eight digits, a range no real Brazilian number uses (area code 00).
 */
const TEST_CUSTOMER_PREFIX = "55000";

export function isTestCustomerWaId(waId: string): boolean {
  return waId.length === TEST_CUSTOMER_PREFIX.length + 8 && waId.startsWith(TEST_CUSTOMER_PREFIX) && /^\d+$/.test(waId);
}

/** The WhatsApp id of the test chat's customer for a console user: the prefix and 8 digits of `seed`. */
export function testCustomerWaId(seed: number): string {
  return `${TEST_CUSTOMER_PREFIX}${String(seed % 100_000_000).padStart(8, "0")}`;
}

/**
 * A conversation's customer key as the console shows it: a WhatsApp id (digits) formatted as a phone
 * number, a username user's id as it is.
 */
export function formatCustomerKey(key: string): string {
  return isPhoneDigits(key) ? formatPhone(key) : key;
}
