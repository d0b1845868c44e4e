/**
 * What to do with a Graph API send failure, by Meta's `error.code` (never by HTTP status alone).
 * The table follows CONTRACT.md "What the Graph API sees" and Meta's error-code reference.
 */
export type SendFailureAction =
  /** Retry with exponential backoff + jitter, up to the attempt limit, then dead-letter. */
  | "retry"
  /** 131056: too many messages to this one user; back off for this recipient only. */
  | "retry_recipient"
  /** Permanent for this message: dead-letter with an audit event. */
  | "permanent"
  /** Token or account problem: pause the number's sends, keep the rows, alert. */
  | "pause_number"
  /** 131047: outside the 24-hour window: take the template path. */
  | "window_closed";

const RETRYABLE = new Set([1, 2, 4, 80007, 130429, 131000, 131016, 131057, 133004, 613]);
const PAUSE = new Set([190, 368, 131031, 130497, 0, 3, 10, 131042]);

export function classifyMetaError(code: number | null | undefined, httpStatus?: number): SendFailureAction {
  if (code === 131047) {
    return "window_closed";
  }
  if (code === 131056) {
    return "retry_recipient";
  }
  if (code !== null && code !== undefined) {
    if (RETRYABLE.has(code)) {
      return "retry";
    }
    if (PAUSE.has(code) || (code >= 200 && code <= 299)) {
      return "pause_number";
    }
    return "permanent";
  }
  // No Meta error code: decide on the transport.
  if (httpStatus === undefined || httpStatus === 429 || httpStatus >= 500) {
    return "retry";
  }
  return "permanent";
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay plus a random half, capped.
 * `attempt` counts from 1. `random` is injectable for tests.
 */
export function backoffMs(
  attempt: number,
  { baseMs = 1000, maxMs = 5 * 60_000, random = Math.random }: { baseMs?: number; maxMs?: number; random?: () => number } = {},
): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** 131056 pair rate limit: Meta suggests waiting 4^X seconds (X = 0, 1, 2 …) before retrying that user. */
export function pairRateLimitBackoffMs(attempt: number): number {
  return Math.min(15 * 60_000, 4 ** Math.max(0, attempt - 1) * 1000);
}
