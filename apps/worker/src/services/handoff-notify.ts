import { sql } from "drizzle-orm";
import { z } from "zod";

import { asSentBody, insertAuditEvent, lastSendJoin, sendReachedCustomer } from "@lx/db/queries";
import type { SecretKeys } from "@lx/shared/crypto";

import type { JobContext } from "../queue/runner.ts";
import { PermanentJobError } from "../queue/runner.ts";
import { failureLogFields, postSignedWebhook, webhookParty, webhookSecrets } from "./outgoing-webhook.ts";

const ZNotifyPayload = z.object({
  handoffId: z.string().optional(),
  conversationId: z.string(),
  url: z.url(),
  trigger: z.string(),
  /** Jobs queued before the reason was read from the handoff at send time carry it here. */
  reason: z.string().optional(),
});

/**
 * handoff.notify: tells the tenant (their notifyWebhookUrl, e.g. an n8n flow) that a conversation
 * needs a human, with the recent turns. Signed with the tenant's webhook secret.
 */
export async function handleHandoffNotify(ctx: JobContext, deps: { secretKey: SecretKeys; retryBackoffMs?: number }): Promise<void> {
  const parsed = ZNotifyPayload.safeParse(ctx.job.payload);
  if (!parsed.success) {
    throw new PermanentJobError(`bad handoff.notify payload: ${parsed.error.message}`);
  }
  const p = parsed.data;
  const c = await webhookParty(ctx.db, p.conversationId);
  if (!c) {
    throw new PermanentJobError(`conversation ${p.conversationId} not found`);
  }
  const secrets = webhookSecrets(deps.secretKey, c);
  if (!secrets) {
    throw new PermanentJobError(`tenant ${c.tenant_slug} has no webhook secret`);
  }
  // What the customer and the bot said, as the customer saw it (@lx/db delivery.ts, as for the model's context):
  // a reply whose send never reached them is left out, one replaced by a template reads as it.
  const turns = await ctx.db.execute<{ author: string; body: string; at: string }>(sql`
    select author, body, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at from (
      select s.id, s.author, ${asSentBody("s")} as body, s.created_at
      from (
        select id, author, body, type, direction, created_at from messages
        where conversation_id = ${p.conversationId}::uuid and type <> 'note'
        order by id desc
        offset 0
      ) s
      ${lastSendJoin("s")}
      where ${sendReachedCustomer}
      order by s.id desc limit 10
    ) r order by id`);
  // The reason is read now, from the handoff, not copied into the job: a job's payload holds no
  // customer text (an erasure blanks the handoff's reason and needs to look nowhere else).
  const [handoff] = p.handoffId
    ? await ctx.db.execute<{ reason: string }>(sql`select reason from handoffs where id = ${p.handoffId}::uuid`)
    : [];
  const requestId = `handoff-${p.handoffId ?? ctx.job.id}`;
  const res = await postSignedWebhook({
    url: p.url,
    ...secrets,
    requestId,
    backoffMs: deps.retryBackoffMs,
    body: {
      event: "handoff.started",
      tenant: c.tenant_slug,
      agent: c.agent_slug,
      conversation: { id: p.conversationId, waId: c.wa_id ?? c.user_id, name: c.customer_name },
      requestId,
      trigger: p.trigger,
      reason: handoff?.reason ?? p.reason ?? "",
      recentTurns: turns.map((t) => ({ author: t.author, text: t.body, at: t.at })),
    },
  });
  await ctx.finish(async (tx) => {
    await insertAuditEvent(tx, {
      tenantId: ctx.job.tenantId,
      actor: { type: "worker", label: ctx.workerId },
      type: res.ok ? "handoff.notified" : "handoff.notify_failed",
      subjectType: "conversation",
      subjectId: p.conversationId,
      data: { url: p.url, requestId, attempts: res.attempts, status: res.status, ...(res.ok ? {} : { error: res.error }) },
    });
  });
  if (!res.ok) {
    // The error (which may quote the tenant's answer, and so the customer) is in the audit event
    // above, which the customer's erasure redacts; the log line says only how the call failed.
    ctx.logger.error(
      { ...failureLogFields("handoff_webhook", res), host: hostOf(p.url), attempts: res.attempts, requestId },
      "handoff notice could not be delivered",
    );
  }
}

/** The host a webhook went to, for a log line (its path may be the tenant's secret capability URL). */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "?";
  }
}
