import { sql } from "drizzle-orm";

import type { Executor } from "@lx/db/client";
import { insertAuditEvent, pgSafe, pgSafeJson } from "@lx/db/queries";
import type { CompiledAgentBundle } from "@lx/shared/compiler";
import { decryptSecret, type SecretKeys } from "@lx/shared/crypto";

import type { Logger } from "../logger.ts";
import { failureLogFields, thrownKind, type OutgoingFailureKind } from "./outgoing-webhook.ts";
import { assertCrmTokenDestination, EgressRefused, egressFetch, readBodyCapped, ResponseTooLarge } from "./egress.ts";
import { boundedJson } from "./generate.ts";
import { callToolWebhook } from "./tool-webhook.ts";

type BundleCrm = NonNullable<CompiledAgentBundle["plugins"]["crm"]>;

export type CrmToolContext = {
  db: Executor;
  crm: BundleCrm;
  conversation: { tenantId: string; conversationId: string; customerKey: string; agentId: string | null };
  workerId: string;
  secretKey: SecretKeys;
  retryBackoffMs?: number;
  /** Per request to Pipedrive / RD Station (default 10 s, as for outgoing webhooks). */
  timeoutMs?: number;
  /** The reply's logger: a failed call is logged by its system, status and kind (never its text). */
  logger?: Logger;
};

/** Where the direct adapters go when the spec names no baseUrl. */
export const CRM_DEFAULT_BASE_URLS = { pipedrive: "https://api.pipedrive.com", rdstation: "https://crm.rdstation.com" } as const;

type Created = { externalId: string | null; response: unknown };

/** A deal not created: `error` (audited, which the customer's erasure redacts) may quote the CRM's answer. */
type Failed = { error: string; status: number | null; kind: OutgoingFailureKind };

/**
 * create_deal's arguments checked as the tool checks them before any CRM call: a title, and every
 * `qualifyFields` answer (empty answers dropped). The refusal is the JSON the model gets back.
 */
export function dealArguments(
  args: Record<string, unknown>,
  crm: Pick<BundleCrm, "qualifyFields">,
): { title: string; fields: Record<string, string> } | { refusal: unknown } {
  const title = typeof args.title === "string" ? args.title.trim().slice(0, 200) : "";
  if (title === "") {
    return { refusal: { created: false, error: "title is required" } };
  }
  const raw = args.fields !== null && typeof args.fields === "object" && !Array.isArray(args.fields) ? (args.fields as Record<string, unknown>) : {};
  const fields = Object.fromEntries(
    Object.entries(raw)
      .map(([k, v]) => [k, typeof v === "string" ? v.trim() : v === null || v === undefined ? "" : JSON.stringify(v)] as const)
      .filter(([, v]) => v !== ""),
  );
  const missing = crm.qualifyFields.filter((f) => !(f in fields));
  if (missing.length > 0) {
    return { refusal: { created: false, error: "ask the customer first", missing } };
  }
  return { title, fields };
}

/**
 * create_deal (AGENT_SPEC "Tools"), once the model knows the spec's `qualifyFields`: to the tenant's
 * n8n (`webhook`, signed like every outgoing webhook) or straight to Pipedrive or RD Station CRM
 * (`baseUrl` configurable; the API token is the tenant's `crmToken`, encrypted at rest). The deal
 * and the CRM's answer are kept in `crm_deals` and audited (`crm.deal_created`). One deal per
 * conversation and title: the same call again (a re-run reply job, a model repeating itself)
 * answers the deal already created and calls no CRM. The answer is JSON for the model, never a throw.
 * What `crm_deals.response` keeps of the CRM's answer is at most MAX_TOOL_OUTPUT_CHARS of JSON
 * (generate.ts boundedJson).
 */
export async function runCrmTool(args: Record<string, unknown>, ctx: CrmToolContext): Promise<unknown> {
  const checked = dealArguments(args, ctx.crm);
  if ("refusal" in checked) {
    return checked.refusal;
  }
  const { title, fields } = checked;
  const [existing] = await ctx.db.execute<{ id: string; external_id: string | null }>(sql`
    select id, external_id from crm_deals
    where tenant_id = ${ctx.conversation.tenantId}::uuid and conversation_id = ${ctx.conversation.conversationId}::uuid
      and lower(title) = lower(${title}) and status = 'created'
    limit 1`);
  if (existing) {
    return { created: true, alreadyCreated: true, dealId: existing.external_id ?? existing.id };
  }

  let created: Created | Failed;
  try {
    created = await create(title, fields, ctx);
  } catch (err) {
    const kind = err instanceof CrmUnreachable ? err.kind : thrownKind(err);
    created = { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), status: null, kind };
  }
  if ("error" in created) {
    ctx.logger?.warn(failureLogFields(ctx.crm.backend, created), "CRM deal not created");
    await insertAuditEvent(ctx.db, {
      tenantId: ctx.conversation.tenantId,
      actor: { type: "worker", label: ctx.workerId },
      type: "crm.deal_failed",
      subjectType: "conversation",
      subjectId: ctx.conversation.conversationId,
      data: { backend: ctx.crm.backend, title, error: created.error },
    });
    return { created: false, error: "the CRM could not be reached; do not tell the customer it was recorded" };
  }
  const done = created;
  const deal = await ctx.db.transaction(async (tx) => {
    const [row] = await tx.execute<{ id: string }>(sql`
      insert into crm_deals (tenant_id, conversation_id, title, fields, backend, external_id, status, response)
      values (${ctx.conversation.tenantId}::uuid, ${ctx.conversation.conversationId}::uuid, ${title},
              ${pgSafeJson(fields)}::jsonb, ${ctx.crm.backend}, ${done.externalId}, 'created',
              ${boundedJson(pgSafe(done.response ?? null))}::jsonb)
      returning id`);
    await insertAuditEvent(tx, {
      tenantId: ctx.conversation.tenantId,
      actor: { type: "worker", label: ctx.workerId },
      type: "crm.deal_created",
      subjectType: "conversation",
      subjectId: ctx.conversation.conversationId,
      data: { dealId: row?.id ?? null, backend: ctx.crm.backend, externalId: done.externalId, title },
    });
    return row;
  });
  return { created: true, dealId: created.externalId ?? deal?.id ?? null };
}

async function create(title: string, fields: Record<string, string>, ctx: CrmToolContext): Promise<Created | Failed> {
  const { crm } = ctx;
  if (crm.backend === "webhook") {
    if (!crm.webhookUrl) {
      return { error: "no webhookUrl", status: null, kind: "not_configured" };
    }
    const res = await callToolWebhook({ ...ctx, url: crm.webhookUrl, tool: "create_deal", args: { title, fields } });
    if (!res.ok) {
      return { error: res.error, status: res.status, kind: res.kind };
    }
    const answer = res.json as { id?: unknown; dealId?: unknown } | null;
    const id = answer?.dealId ?? answer?.id;
    return { externalId: typeof id === "string" || typeof id === "number" ? String(id) : null, response: res.json };
  }
  const base = (crm.baseUrl ?? CRM_DEFAULT_BASE_URLS[crm.backend]).replace(/\/+$/, "");
  // Before the token is even read: it goes only to the CRM's own API hosts (or what LX_EGRESS_ALLOW
  // lists). A refusal throws EgressRefused: audited and logged as `refused`, never retried.
  assertCrmTokenDestination(crm.backend, base);
  const [t] = await ctx.db.execute<{ crm_token_enc: string | null }>(sql`
    select crm_token_enc from tenants where id = ${ctx.conversation.tenantId}::uuid`);
  if (!t?.crm_token_enc) {
    return { error: "the tenant has no crmToken", status: null, kind: "not_configured" };
  }
  const token = decryptSecret(ctx.secretKey, t.crm_token_enc);
  // Mapped answers go to the CRM's own custom fields; the rest to a note on the deal.
  const mapped = Object.entries(fields).flatMap(([k, v]) => {
    const key = crm.customFields?.[k];
    return key ? [[key, v] as const] : [];
  });
  const note = Object.entries(fields)
    .filter(([k]) => !crm.customFields?.[k])
    .map(([k, v]) => `${k}: ${v}`)
    .join("\n");
  if (crm.backend === "pipedrive") {
    const deal = await postJson(
      `${base}/v1/deals?api_token=${encodeURIComponent(token)}`,
      { title, ...Object.fromEntries(mapped) },
      ctx.timeoutMs,
    );
    const id = (deal.json as { data?: { id?: unknown } } | null)?.data?.id;
    if (!deal.ok || (typeof id !== "number" && typeof id !== "string")) {
      return { error: `Pipedrive answered ${deal.status}`, status: deal.status, kind: "http" };
    }
    if (note !== "") {
      await postJson(`${base}/v1/notes?api_token=${encodeURIComponent(token)}`, { deal_id: id, content: note }, ctx.timeoutMs);
    }
    return { externalId: String(id), response: deal.json };
  }
  const deal = await postJson(
    `${base}/api/v1/deals?token=${encodeURIComponent(token)}`,
    {
      deal: {
        name: title,
        ...(mapped.length > 0 ? { deal_custom_fields: mapped.map(([key, value]) => ({ custom_field_id: key, value })) } : {}),
      },
    },
    ctx.timeoutMs,
  );
  const body = deal.json as { _id?: unknown; id?: unknown } | null;
  const id = body?._id ?? body?.id;
  if (!deal.ok || typeof id !== "string") {
    return { error: `RD Station answered ${deal.status}`, status: deal.status, kind: "http" };
  }
  if (note !== "") {
    await postJson(`${base}/api/v1/activities?token=${encodeURIComponent(token)}`, { activity: { deal_id: id, text: note } }, ctx.timeoutMs);
  }
  return { externalId: id, response: deal.json };
}

/** A CRM that did not answer (its message names no URL: the URL holds the token). */
class CrmUnreachable extends Error {
  constructor(
    message: string,
    readonly kind: OutgoingFailureKind,
  ) {
    super(message);
  }
}

/**
 * One POST, no retry: creating a deal is not idempotent on these APIs, so a failed call is reported
 * to the model (and audited) rather than repeated blindly. The token travels in the query string, as
 * both APIs require; it is never logged (errors carry the status only). The answer is read up to
 * MAX_RESPONSE_BYTES (egress.ts): a larger one fails the call as `too_large` (an error answer is only
 * read for its first KiB).
 */
async function postJson(url: string, body: unknown, timeoutMs = 10_000): Promise<{ ok: boolean; status: number; json: unknown }> {
  let res: Awaited<ReturnType<typeof egressFetch>>;
  try {
    res = await egressFetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    // Never fetch's message: it names the URL, and the URL holds the token. The guard's names the address only.
    if (err instanceof EgressRefused) {
      throw new CrmUnreachable(err.message, "refused");
    }
    const cause = (err as { cause?: { code?: unknown } }).cause?.code;
    throw new CrmUnreachable(`${err instanceof Error ? err.name : "Error"}${typeof cause === "string" ? ` (${cause})` : ""}`, thrownKind(err));
  }
  let text: string;
  try {
    text = await readBodyCapped(res, res.ok ? {} : { maxBytes: 1024, truncate: true });
  } catch (err) {
    if (err instanceof ResponseTooLarge) {
      throw new CrmUnreachable(`${err.name}: ${err.message}`, "too_large");
    }
    const cause = (err as { cause?: { code?: unknown } }).cause?.code;
    throw new CrmUnreachable(`${err instanceof Error ? err.name : "Error"}${typeof cause === "string" ? ` (${cause})` : ""}`, thrownKind(err));
  }
  let json: unknown = null;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = null;
  }
  return { ok: res.ok, status: res.status, json };
}
