/// <reference lib="es2024.string" />
/**
 * PostgreSQL text and jsonb cannot hold U+0000 (jsonb refuses the `\u0000` escape, text the byte),
 * nor a lone UTF-16 surrogate (jsonb refuses `\ud800` without its pair: 22P02 "Unicode low surrogate
 * must follow a high surrogate"). Whatever arrives from outside (a webhook's text, a contact name) is
 * stored with each NUL and each lone surrogate replaced by U+FFFD instead of making the insert fail —
 * a failing insert would make Meta redeliver the same payload forever and the message would never be
 * stored.
 */

/** Containers nested deeper than this are stored as PG_SAFE_TOO_DEEP (Meta's payloads nest about 8 deep). */
export const PG_SAFE_MAX_DEPTH = 128;
/** What pgSafe stores instead of a container nested deeper than PG_SAFE_MAX_DEPTH. */
export const PG_SAFE_TOO_DEEP = `[nested deeper than ${PG_SAFE_MAX_DEPTH} levels]`;

function safeText(s: string): string {
  const wellFormed = s.isWellFormed() ? s : s.toWellFormed();
  return wellFormed.includes("\u0000") ? wellFormed.replaceAll("\u0000", "\uFFFD") : wellFormed;
}

type Frame = { source: object; target: unknown[] | Record<string, unknown>; depth: number };

/**
 * A copy of a JSON value with every string (object keys included) made storable, walked without
 * recursion (a deep payload cannot overflow the stack); containers deeper than PG_SAFE_MAX_DEPTH
 * become PG_SAFE_TOO_DEEP. A `toJSON` (a Date) is applied first, as JSON.stringify would.
 */
export function pgSafe<T>(value: T): T {
  const stack: Frame[] = [];
  const copy = (v: unknown, depth: number): unknown => {
    const plain =
      v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function"
        ? (v as { toJSON: () => unknown }).toJSON()
        : v;
    if (typeof plain === "string") {
      return safeText(plain);
    }
    if (plain === null || typeof plain !== "object") {
      return plain;
    }
    if (depth > PG_SAFE_MAX_DEPTH) {
      return PG_SAFE_TOO_DEEP;
    }
    const target: unknown[] | Record<string, unknown> = Array.isArray(plain) ? [] : {};
    stack.push({ source: plain, target, depth });
    return target;
  };
  const out = copy(value, 1);
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const { source, target, depth } = frame;
    if (Array.isArray(target)) {
      for (const item of source as unknown[]) {
        target.push(copy(item, depth + 1));
      }
    } else {
      for (const [key, item] of Object.entries(source)) {
        // defineProperty: a "__proto__" key (JSON.parse makes it an own property) stays a key.
        Object.defineProperty(target, safeText(key), {
          value: copy(item, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
  }
  return out as T;
}

/** A NUL or a lone surrogate, as JSON.stringify writes them (`\u0000`, `\ud800`: always lower case). */
const UNSAFE_ESCAPE = /\\u(?:0000|d[89a-f])/;

/**
 * `JSON.stringify(value)`, storable as jsonb: the walk (pgSafe) runs only when the JSON names a NUL
 * or a lone surrogate at all, so the webhook's hot path pays one scan; a value too deep for
 * JSON.stringify's recursion (RangeError) is walked too, and its deepest part cut (PG_SAFE_TOO_DEEP).
 */
export function pgSafeJson(value: unknown): string {
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    if (err instanceof RangeError) {
      return JSON.stringify(pgSafe(value));
    }
    throw err;
  }
  return UNSAFE_ESCAPE.test(json) ? JSON.stringify(pgSafe(value)) : json;
}
