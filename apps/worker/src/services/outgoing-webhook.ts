import { createHmac } from "node:crypto";

import { sql } from "drizzle-orm";

import type { Executor } from "@lx/db/client";
import { decryptSecret, type SecretKeys } from "@lx/shared/crypto";

import { EgressRefused, egressFetch, readBodyCapped, ResponseTooLarge } from "./egress.ts";

/**
 * Outgoing webhooks (tool backends, handoff notices), per CONTRACT.md: JSON body,
 * `X-LX-Signature: sha256=<hex HMAC-SHA256 of the raw body with the tenant's webhook secret>`
 * (and, for the overlap after a rotation, `X-LX-Signature-Previous`: the same with the secret replaced),
 * `X-LX-Request-Id`, 10 s timeout, at most 2 retries on timeout/5xx/network errors with the same
 * request id (the receiver can deduplicate on it). Each attempt is stamped with its own time, signed:
 * `"sentAt"` (ISO-8601, UTC) added to the JSON body, and the same string in `X-LX-Timestamp`, so a
 * receiver refuses a captured call replayed later (too old) and dedupes retries on the request id.
 * The URL is a tenant's: it goes through the egress guard (egress.ts: no private or local addresses
 * unless allowed, no redirects), and its answer is read up to MAX_RESPONSE_BYTES (256 KiB): past it
 * the call fails as `too_large`, not retried.
 */
export type OutgoingResult =
  | { ok: true; status: number; json: unknown; attempts: number }
  | {
      ok: false;
      status: number | null;
      kind: OutgoingFailureKind;
      /**
       * What went wrong, for a row an erasure reaches (an audit event of the conversation), never for
       * a log line (see failureLogFields): an HTTP error quotes the start of the receiver's answer,
       * and a tenant's n8n flow may answer an error that quotes the customer.
       */
      error: string;
      attempts: number;
      retryable: boolean;
    };

/**
 * How a call to a tenant's system failed: an HTTP error (a redirect included), no answer in time, no
 * connection, not set up, a destination the egress guard refuses, or an answer past
 * MAX_RESPONSE_BYTES (egress.ts).
 */
export type OutgoingFailureKind = "http" | "timeout" | "network" | "not_configured" | "refused" | "too_large";

/**
 * What a log line says of a failed call to a tenant's system (its n8n or Make webhook, Pipedrive, RD
 * Station): which system, the HTTP status, how it failed and how long the error was. Never the
 * error's text: it may quote the customer, and an erasure cannot reach a log (docs/privacy.md, "Logs").
 */
export function failureLogFields(
  system: string,
  f: { status: number | null; kind: OutgoingFailureKind; error: string },
): { system: string; status: number | null; failure: OutgoingFailureKind; errorChars: number } {
  return { system, status: f.status, failure: f.kind, errorChars: f.error.length };
}

/** A thrown fetch error's kind: AbortSignal.timeout's TimeoutError, or anything else on the way (DNS, refused, reset). */
export function thrownKind(err: unknown): OutgoingFailureKind {
  if (err instanceof EgressRefused) {
    return "refused";
  }
  if (err instanceof ResponseTooLarge) {
    return "too_large";
  }
  return err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError") ? "timeout" : "network";
}

/** `sha256=<hex HMAC-SHA256 of raw with secret>`: the value of X-LX-Signature. */
export function signatureOf(secret: string, raw: string): string {
  return `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;
}

export async function postSignedWebhook(p: {
  url: string;
  secret: string;
  /**
   * The secret a rotation replaced, while its overlap lasts: `X-LX-Signature-Previous` is made with
   * it, for a receiver not yet updated (null or absent: no such header).
   */
  previousSecret?: string | null;
  requestId: string;
  /** The JSON body, without `sentAt`: each attempt adds its own. */
  body: Record<string, unknown>;
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  /** The clock of `sentAt` (tests). */
  now?: () => Date;
}): Promise<OutgoingResult> {
  const retries = p.retries ?? 2;
  let last: OutgoingResult = { ok: false, status: null, kind: "network", error: "not sent", attempts: 0, retryable: true };
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    // A retry keeps its request id but says when it was sent: the timestamp is inside what is signed.
    const sentAt = (p.now?.() ?? new Date()).toISOString();
    const raw = JSON.stringify({ ...p.body, sentAt });
    const signatures: Record<string, string> = { "x-lx-signature": signatureOf(p.secret, raw) };
    if (p.previousSecret) {
      signatures["x-lx-signature-previous"] = signatureOf(p.previousSecret, raw);
    }
    try {
      const res = await egressFetch(p.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...signatures, "x-lx-request-id": p.requestId, "x-lx-timestamp": sentAt },
        body: raw,
        signal: AbortSignal.timeout(p.timeoutMs ?? 10_000),
      });
      // An error answer is quoted by its start only: no more of it is read.
      const text = await readBodyCapped(res, res.ok ? {} : { maxBytes: 1024, truncate: true });
      if (res.ok) {
        let json: unknown = null;
        try {
          json = text ? (JSON.parse(text) as unknown) : null;
        } catch {
          json = { text };
        }
        return { ok: true, status: res.status, json, attempts: attempt };
      }
      last = {
        ok: false,
        status: res.status,
        kind: "http",
        error:
          res.status >= 300 && res.status < 400
            ? `HTTP ${res.status}: redirects are not followed (the URL must be the receiver's own)`
            : `HTTP ${res.status}: ${text.slice(0, 200)}`,
        attempts: attempt,
        retryable: res.status >= 500,
      };
      if (res.status < 500) {
        return last;
      }
    } catch (err) {
      const kind = thrownKind(err);
      last = {
        ok: false,
        status: null,
        kind,
        error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
        attempts: attempt,
        retryable: kind !== "refused" && kind !== "too_large",
      };
      if (!last.retryable) {
        return last;
      }
    }
    if (attempt <= retries) {
      await new Promise((r) => setTimeout(r, (p.backoffMs ?? 500) * attempt));
    }
  }
  return last;
}

/** Who an outgoing webhook about a conversation is from and about: tenant (and its secret), agent, customer. */
export type WebhookParty = {
  tenant_slug: string;
  webhook_secret_enc: string | null;
  /** The secret before the last rotation, only while its overlap lasts (an expired one reads null). */
  webhook_secret_previous_enc: string | null;
  agent_slug: string | null;
  wa_id: string | null;
  user_id: string | null;
  customer_name: string | null;
};

export async function webhookParty(db: Executor, conversationId: string): Promise<WebhookParty | undefined> {
  const [party] = await db.execute<WebhookParty>(sql`
    select t.slug as tenant_slug, t.webhook_secret_enc,
           case when t.webhook_secret_previous_until > now() then t.webhook_secret_previous_enc end as webhook_secret_previous_enc,
           a.slug as agent_slug, c.customer_wa_id as wa_id,
           c.customer_user_id as user_id, c.customer_name
    from conversations c
    join tenants t on t.id = c.tenant_id
    join phone_numbers n on n.id = c.phone_number_id
    left join agents a on a.id = coalesce(c.agent_id, n.agent_id)
    where c.id = ${conversationId}::uuid`);
  return party;
}

/**
 * The signing secrets of `party`, opened: the current one, and the previous one while its overlap
 * lasts. A previous box no key opens (it cannot be, but for a key rotation gone wrong) is left out
 * rather than failing the call: the current signature is the one the contract promises.
 */
export function webhookSecrets(keys: SecretKeys, party: Pick<WebhookParty, "webhook_secret_enc" | "webhook_secret_previous_enc">): {
  secret: string;
  previousSecret: string | null;
} | null {
  if (!party.webhook_secret_enc) {
    return null;
  }
  let previousSecret: string | null = null;
  if (party.webhook_secret_previous_enc) {
    try {
      previousSecret = decryptSecret(keys, party.webhook_secret_previous_enc);
    } catch {
      previousSecret = null;
    }
  }
  return { secret: decryptSecret(keys, party.webhook_secret_enc), previousSecret };
}
