import { createHash } from "node:crypto";

import type { Executor } from "@lx/db/client";
import { canonicalJson } from "@lx/shared/compiler";
import type { SecretKeys } from "@lx/shared/crypto";

import { postSignedWebhook, webhookParty, webhookSecrets, type OutgoingFailureKind } from "./outgoing-webhook.ts";

/**
 * A plugin tool served by the tenant's own endpoint (n8n, Make…), per CONTRACT.md "Outgoing
 * webhooks": `{ tool, arguments, tenant, agent, conversation: { id, waId, name }, requestId }`, signed
 * with the tenant's webhook secret, 10 s timeout, two retries on timeout/5xx with the same request id.
 * The request id is derived from the conversation, the tool and its arguments, so a reply job that
 * runs again repeats it and the receiver can deduplicate (a booking, a deal).
 */
export async function callToolWebhook(p: {
  db: Executor;
  url: string;
  secretKey: SecretKeys;
  conversation: { conversationId: string };
  tool: string;
  args: Record<string, unknown>;
  retryBackoffMs?: number;
}): Promise<
  | { ok: true; json: unknown; requestId: string }
  // `error` may quote the receiver's answer: never for a log line (failureLogFields).
  | { ok: false; error: string; status: number | null; kind: OutgoingFailureKind; requestId: string }
> {
  const requestId = `tool-${createHash("sha256")
    .update(canonicalJson({ conversation: p.conversation.conversationId, tool: p.tool, arguments: p.args }))
    .digest("hex")
    .slice(0, 32)}`;
  const c = await webhookParty(p.db, p.conversation.conversationId);
  const secrets = c ? webhookSecrets(p.secretKey, c) : null;
  if (!c || !secrets) {
    return { ok: false, error: "the tenant has no webhook secret", status: null, kind: "not_configured", requestId };
  }
  const res = await postSignedWebhook({
    url: p.url,
    ...secrets,
    requestId,
    backoffMs: p.retryBackoffMs,
    body: {
      tool: p.tool,
      arguments: p.args,
      tenant: c.tenant_slug,
      agent: c.agent_slug,
      conversation: { id: p.conversation.conversationId, waId: c.wa_id ?? c.user_id, name: c.customer_name },
      requestId,
    },
  });
  return res.ok
    ? { ok: true, json: res.json, requestId }
    : { ok: false, error: res.error, status: res.status, kind: res.kind, requestId };
}
