/**
 * What to do with a Graph API send failure, by Meta's `error.code` (never by HTTP status alone).
 * The table follows CONTRACT.md "What the Graph API sees" and Meta's error-code reference.
 */
export type SendFailureAction =
  /**
   * Retry with exponential backoff + jitter: the attempt limit, then on while the send is within its
   * time budget (sendRetryDelayMs), then dead-letter.
   */
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

/**
 * How long a send that keeps meeting retryable failures (HTTP 5xx/429, network errors, codes 1, 2, 4,
 * 80007, 130429, 131000 …) is retried, counted from when its row was written: a Meta outage or
 * throughput limit of minutes must not dead-letter the replies written meanwhile. Past it the reply
 * is stale for a chat and is dead-lettered (audited, alerted) for an operator.
 */
export const SEND_RETRY_BUDGET_MS = 30 * 60_000;
/**
 * The longest wait between two tries of one send (equal jitter: half to all of it). Short enough
 * that a reply goes within ~2 minutes of Meta recovering; long enough that a backlog of waiting
 * conversations (only each conversation's head is retried: later sends wait behind it) does not
 * hammer an API that is already refusing.
 */
export const SEND_RETRY_STEP_MAX_MS = 2 * 60_000;

/**
 * When a retryable send failure is tried next, or null when it is dead-lettered now. Every send
 * gets its `maxAttempts` tries on the usual schedule (1 s, 2 s, 4 s … with equal jitter); past
 * them it keeps being retried while it is younger than the time budget, each wait capped at
 * SEND_RETRY_STEP_MAX_MS and at what is left of the budget (so its last try falls at the budget's
 * end, not minutes after it). A `Retry-After` the server sent is a floor (capped at what is left of the budget, and at least
 * one step);
 * 131056 (pair rate limit) keeps Meta's own 4^X s schedule.
 */
export function sendRetryDelayMs(p: {
  action: "retry" | "retry_recipient";
  /** Tries made, this one included. */
  attempts: number;
  maxAttempts: number;
  /** How long ago the row was written. */
  ageMs: number;
  retryAfterMs?: number;
  baseMs?: number;
  budgetMs?: number;
  random?: () => number;
}): number | null {
  const budgetMs = p.budgetMs ?? SEND_RETRY_BUDGET_MS;
  const left = budgetMs - p.ageMs;
  const withinAttempts = p.attempts < p.maxAttempts;
  if (!withinAttempts && left <= 0) {
    return null;
  }
  let delay =
    p.action === "retry_recipient"
      ? pairRateLimitBackoffMs(p.attempts)
      : backoffMs(p.attempts, { baseMs: p.baseMs ?? 1000, maxMs: SEND_RETRY_STEP_MAX_MS, random: p.random });
  if (!withinAttempts) {
    delay = Math.min(delay, left);
  }
  // A Retry-After is honoured up to what is left of the budget (never less than one step): a huge
  // one does not park the conversation's head past the point where the send would be given up.
  return Math.max(delay, Math.min(p.retryAfterMs ?? 0, Math.max(left, SEND_RETRY_STEP_MAX_MS)));
}
