import { createHash } from "node:crypto";

import { sql } from "drizzle-orm";

import type { Executor } from "@lx/db/client";
import { canonicalJson } from "@lx/shared/compiler";
import { decryptSecret } from "@lx/shared/crypto";

import { postSignedWebhook } from "./outgoing-webhook.ts";

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
  secretKey: Buffer;
  conversation: { conversationId: string; agentId: string | null };
  tool: string;
  args: Record<string, unknown>;
  retryBackoffMs?: number;
}): Promise<{ ok: true; json: unknown; requestId: string } | { ok: false; error: string; status: number | null; requestId: string }> {
  const requestId = `tool-${createHash("sha256")
    .update(canonicalJson({ conversation: p.conversation.conversationId, tool: p.tool, arguments: p.args }))
    .digest("hex")
    .slice(0, 32)}`;
  const [c] = await p.db.execute<{
    tenant_slug: string;
    webhook_secret_enc: string | null;
    agent_slug: string | null;
    wa_id: string | null;
    user_id: string | null;
    customer_name: string | null;
  }>(sql`
    select t.slug as tenant_slug, t.webhook_secret_enc, a.slug as agent_slug, c.customer_wa_id as wa_id,
           c.customer_user_id as user_id, c.customer_name
    from conversations c
    join tenants t on t.id = c.tenant_id
    left join agents a on a.id = ${p.conversation.agentId}::uuid
    where c.id = ${p.conversation.conversationId}::uuid`);
  if (!c?.webhook_secret_enc) {
    return { ok: false, error: "the tenant has no webhook secret", status: null, requestId };
  }
  const res = await postSignedWebhook({
    url: p.url,
    secret: decryptSecret(p.secretKey, c.webhook_secret_enc),
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
  return res.ok ? { ok: true, json: res.json, requestId } : { ok: false, error: res.error, status: res.status, requestId };
}
