/**
 * How deep a JSON text nests, found by a byte scan before anything parses it: a body of a few MiB of
 * `[[[[…` costs nothing to JSON.parse, but everything that walks the parsed value afterwards
 * (recursive checks, JSON.stringify, PostgreSQL's jsonb parser) overflows its stack on it.
 */

/**
 * The deepest nesting a request body may have, for the console API and the Meta webhook. The
 * deepest legitimate input is an agent spec draft inside a tRPC batch: the batch (1) → the call's
 * input (2) → the spec (3) → `business` (4) → `hours` (5) → an interval (6); Meta's webhooks nest
 * about 8 deep (entry → changes → value → messages → interactive → …).
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether the JSON text in `bytes` (UTF-8) opens more than `max` arrays/objects inside one another.
 * Brackets inside strings do not count (a `\"` or `\\` escape is skipped, so an escaped quote does not
 * end the string); in UTF-8 the bytes of `"`, `\`, `[`, `{`, `]` and `}` never occur inside a
 * multi-byte character. Invalid JSON is not detected here (JSON.parse refuses it afterwards).
 */
export function jsonNestingExceeds(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) {
        i++;
      } else if (b === QUOTE) {
        inString = false;
      }
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      depth++;
      if (depth > max) {
        return true;
      }
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
