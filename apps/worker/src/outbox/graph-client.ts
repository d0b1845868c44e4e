import { request, type Dispatcher } from "undici";

import { httpAgent } from "../http.ts";

/**
 * The Graph API send call. It tells three failure kinds apart, because they need different care:
 * a Meta error (Meta answered: branch on error.code), a definite transport failure (the request
 * never left: safe to retry), and an ambiguous one (timeout or connection dropped after the request
 * may have reached Meta: never re-send blindly).
 */
export type GraphSendResult =
  | { ok: true; wamid: string | null; httpStatus: number }
  | { ok: false; kind: "meta"; httpStatus: number; code: number | null; message: string; retryAfterMs?: number }
  | { ok: false; kind: "unsent"; message: string }
  | { ok: false; kind: "ambiguous"; message: string };

const UNSENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      return code;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export async function sendToGraph(p: {
  baseUrl: string;
  apiVersion: string;
  phoneNumberId: string;
  token: string;
  body: Record<string, unknown>;
  timeoutMs: number;
}): Promise<GraphSendResult> {
  const url = `${p.baseUrl.replace(/\/+$/, "")}/${p.apiVersion}/${encodeURIComponent(p.phoneNumberId)}/messages`;
  const signal = AbortSignal.timeout(p.timeoutMs);
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, {
      method: "POST",
      headers: { authorization: `Bearer ${p.token}`, "content-type": "application/json" },
      body: JSON.stringify(p.body),
      signal,
      // `request()` on the shared keep-alive pool: a fraction of `fetch()`'s CPU (no WHATWG
      // Request/Response/stream objects); the sender makes two calls per answered message.
      dispatcher: httpAgent,
    });
  } catch (err) {
    return transportFailure(err, signal, p.timeoutMs);
  }
  let text: string;
  try {
    text = await res.body.text();
  } catch (err) {
    // Headers arrived but the body was cut: Meta may well have accepted the message.
    return { ok: false, kind: "ambiguous", message: `response body lost: ${(err as Error).message}` };
  }
  let json: unknown = null;
  try {
    json = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    json = null;
  }
  const obj = (json ?? {}) as { messages?: { id?: string }[]; success?: boolean; error?: { code?: number; message?: string } };
  const ok = res.statusCode >= 200 && res.statusCode < 300;
  if (ok && !obj.error) {
    return { ok: true, wamid: obj.messages?.[0]?.id ?? null, httpStatus: res.statusCode };
  }
  const retryAfterMs = parseRetryAfter(res.headers["retry-after"]);
  return {
    ok: false,
    kind: "meta",
    httpStatus: res.statusCode,
    code: typeof obj.error?.code === "number" ? obj.error.code : null,
    message: obj.error?.message ?? `HTTP ${res.statusCode}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

/**
 * A `Retry-After` header (seconds, or an HTTP date) in milliseconds. Meta's Graph API itself rarely
 * sends one, but a proxy or load balancer in front of it may, with a 429 or 503.
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) {
    return undefined;
  }
  if (/^\d+$/.test(v)) {
    return Number(v) * 1000;
  }
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** No HTTP response: either the request never left (safe to retry) or it may have reached Meta. */
function transportFailure(err: unknown, signal: AbortSignal, timeoutMs: number): GraphSendResult {
  if (signal.aborted) {
    return { ok: false, kind: "ambiguous", message: `timeout after ${timeoutMs} ms` };
  }
  const code = errorCode(err);
  if (code && UNSENT_CODES.has(code)) {
    return { ok: false, kind: "unsent", message: `${code}: ${(err as Error).message}` };
  }
  return { ok: false, kind: "ambiguous", message: `${code ?? (err as Error).name}: ${(err as Error).message}` };
}
