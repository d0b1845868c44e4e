import { errorCode } from "./errors.ts";

/**
 * The console's one answer to "is this error worth sending the same request again?", for TanStack
 * Query's retries (app.tsx) and the draft autosave's backoff (features/draft/draft-context.tsx).
 *
 * Transient, retried: no answer at all (a network error, the API down, a proxy's page that is not
 * tRPC's — `errorCode` is then null), 5xx (INTERNAL_SERVER_ERROR/INTERNAL, BAD_GATEWAY,
 * SERVICE_UNAVAILABLE, GATEWAY_TIMEOUT), TIMEOUT (408), CLIENT_CLOSED_REQUEST (499), and rate
 * limiting (TOO_MANY_REQUESTS/RATE_LIMITED, 429: the limit lifts with time, and both callers back
 * off between attempts).
 *
 * Final, never retried: every other answer the server gave on purpose. The same request gets the
 * same answer: UNAUTHORIZED/FORBIDDEN (the session or the role), NOT_FOUND, BAD_REQUEST/INVALID_INPUT
 * and PAYLOAD_TOO_LARGE (the same body again), CONFLICT (the data changed: resending the stale
 * request cannot fix it, the user has to look — the autosave shows its conflict banner),
 * PRECONDITION_FAILED/INVALID_STATE (the state has to change first, by someone's action), and any
 * 4xx code not listed here. An unknown code is final: the server answered, and retrying a deliberate
 * refusal only delays the message the user needs.
 */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  "INTERNAL_SERVER_ERROR",
  "INTERNAL",
  "BAD_GATEWAY",
  "SERVICE_UNAVAILABLE",
  "GATEWAY_TIMEOUT",
  "TIMEOUT",
  "CLIENT_CLOSED_REQUEST",
  "TOO_MANY_REQUESTS",
  "RATE_LIMITED",
]);

/** True when the same request may well succeed later (see above); false for a final answer. */
export function isTransientError(err: unknown): boolean {
  const code = errorCode(err);
  return code === null || TRANSIENT_CODES.has(code);
}

/** A query is sent at most this many more times after its first failure (TanStack's backoff between). */
export const QUERY_RETRIES = 2;

/** TanStack Query's `retry` for every query: a transient error, at most QUERY_RETRIES times. */
export function shouldRetryQuery(failureCount: number, err: unknown): boolean {
  return failureCount < QUERY_RETRIES && isTransientError(err);
}
