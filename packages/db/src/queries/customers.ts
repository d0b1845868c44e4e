import { sql } from "drizzle-orm";

import { AppError } from "@lx/shared/errors";
import type { TTestCaseResult } from "@lx/shared/schemas";

import type { Executor } from "../client.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";
import { isoText } from "./conversations.ts";
import { redactCaseResult, redactReplay } from "./regression.ts";
import { changeTenantSetting } from "./tenants.ts";

/**
 * A customer's data rights (LGPD art. 18): everything the platform keeps about one customer of a
 * tenant, exported as one document (access, II) or erased (elimination, VI), and the tenant's
 * retention window (art. 15–16: data is not kept past its purpose). A customer is every
 * conversation of the tenant keyed by the same wa_id or Meta user id, on any of its numbers.
 *
 * Erasure anonymises in place instead of deleting: the rows stay, so every count, timing, token
 * figure and version metric stays right, but nothing that identifies or was said by the customer
 * survives — identifiers, name, message texts and Meta payloads, summaries, booking and deal
 * details, handoff reasons, regression replays of the conversation, the test cases copied from it
 * (deleted: their turns are the customer's words), and the free text of its audit events. What lives
 * outside the platform (the tenant's n8n calendar, its CRM, Meta itself) is listed in the result for
 * the operator to erase there.
 */

/** A customer as a request names them: a WhatsApp number in any notation, or a Meta user id. */
export function normalizeCustomer(raw: string): string {
  const s = raw.trim();
  return /^[+\d\s().-]+$/.test(s) ? s.replace(/\D/g, "") : s;
}

/**
 * The keys a named customer may be stored under. A Brazilian mobile's WhatsApp id often lacks the
 * ninth digit its owner writes (`+55 11 99123-4567` arrives as `551191234567`), and the other way
 * round: both forms are looked for.
 */
export function customerKeyVariants(raw: string): string[] {
  const key = normalizeCustomer(raw);
  // Only mobiles of the old 8-digit plan (6–9 first) have the two forms; a variant of any other
  // number could be somebody else's.
  const withNine = /^55(\d{2})9([6-9]\d{7})$/.exec(key);
  if (withNine) {
    return [key, `55${withNine[1]}${withNine[2]}`];
  }
  const withoutNine = /^55(\d{2})([6-9]\d{7})$/.exec(key);
  if (withoutNine) {
    return [key, `55${withoutNine[1]}9${withoutNine[2]}`];
  }
  return [key];
}

export type CustomerRef = { tenantId: string; conversationId?: string; customer?: string };

type CustomerConversation = {
  id: string;
  customer_key: string;
  customer_wa_id: string | null;
  customer_user_id: string | null;
  erased_at: string | null;
};

/** The identifiers a customer is known by, from one of their conversations or as named. */
async function customerKeys(db: Executor, ref: CustomerRef): Promise<string[]> {
  if (ref.customer !== undefined) {
    if (normalizeCustomer(ref.customer).length < 3) {
      throw new AppError("INVALID_INPUT", { message: `"${ref.customer}" is not a WhatsApp number or user id` });
    }
    return customerKeyVariants(ref.customer);
  }
  const [c] = await db.execute<CustomerConversation>(sql`
    select id, customer_key, customer_wa_id, customer_user_id, erased_at::text as erased_at from conversations
    where id = ${ref.conversationId ?? null}::uuid and tenant_id = ${ref.tenantId}::uuid`);
  if (!c) {
    throw new AppError("NOT_FOUND", { message: `unknown conversation ${ref.conversationId}` });
  }
  if (c.erased_at !== null) {
    throw new AppError("INVALID_STATE", { message: `this customer's data was erased on ${c.erased_at}` });
  }
  return [...new Set([c.customer_key, c.customer_wa_id, c.customer_user_id].filter((k): k is string => k !== null))];
}

/** The customer's conversations not erased yet (locked when `lock`), oldest first. */
async function customerConversations(db: Executor, tenantId: string, keys: string[], lock: boolean): Promise<string[]> {
  const list = sql.join(keys.map((k) => sql`${k}`), sql`, `);
  const rows = await db.execute<{ id: string }>(sql`
    select id from conversations
    where tenant_id = ${tenantId}::uuid and erased_at is null
      and (customer_key in (${list}) or customer_wa_id in (${list}) or customer_user_id in (${list}))
    order by created_at, id
    ${lock ? sql`for update` : sql``}`);
  return rows.map((r) => r.id);
}

function uuidArray(ids: string[]) {
  return sql`array[${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )}]::uuid[]`;
}

// --- Export ----------------------------------------------------------------------------------------

export type CustomerExport = {
  /** What this document is, for whoever receives it. */
  about: string;
  exportedAt: string;
  tenant: { slug: string; name: string };
  customer: { identifiers: string[]; names: string[] };
  conversations: {
    id: string;
    businessNumber: string;
    agent: string | null;
    startedAt: string;
    lastMessageAt: string | null;
    mode: string;
    summary: string;
    messages: { at: string; direction: "in" | "out"; author: string; type: string; text: string; payload: unknown }[];
    handoffs: { startedAt: string; trigger: string; reason: string; endedAt: string | null }[];
    appointments: { startsAt: string; endsAt: string; service: string | null; status: string; name: string | null; source: string }[];
    deals: { createdAt: string; title: string; fields: unknown; backend: string; status: string }[];
  }[];
};

/**
 * Everything kept about one customer of the tenant (NOT_FOUND when nothing is). With an actor, the
 * read is audited (`customer.exported`, with the conversations, never the number): a whole
 * customer's history leaving the platform is something to account for.
 */
export async function exportCustomer(
  db: Executor,
  ref: CustomerRef & { actor?: AuditActor; requestId?: string },
): Promise<CustomerExport> {
  const keys = await customerKeys(db, ref);
  const ids = await customerConversations(db, ref.tenantId, keys, false);
  if (ids.length === 0) {
    throw new AppError("NOT_FOUND", { message: "no conversation with this customer (or their data was erased)" });
  }
  if (ref.actor) {
    await insertAuditEvent(db, {
      tenantId: ref.tenantId,
      actor: ref.actor,
      type: "customer.exported",
      subjectType: "conversation",
      subjectId: ids[0],
      data: { conversationIds: ids },
      requestId: ref.requestId,
    });
  }
  const [tenant] = await db.execute<{ slug: string; name: string; now: string }>(sql`
    select slug, name, ${isoText(sql`now()`)} as now from tenants where id = ${ref.tenantId}::uuid`);
  const conversations = await db.execute<{
    id: string;
    customer_key: string;
    customer_wa_id: string | null;
    customer_user_id: string | null;
    customer_name: string | null;
    display_phone_number: string;
    agent: string | null;
    started_at: string;
    last_message_at: string | null;
    mode: string;
    summary: string;
  }>(sql`
    select c.id, c.customer_key, c.customer_wa_id, c.customer_user_id, c.customer_name, n.display_phone_number,
           a.slug as agent, ${isoText(sql`c.created_at`)} as started_at, ${isoText(sql`c.last_message_at`)} as last_message_at,
           c.mode, c.summary
    from conversations c
    join phone_numbers n on n.id = c.phone_number_id
    left join agents a on a.id = coalesce(c.agent_id, n.agent_id)
    where c.id = any(${uuidArray(ids)}) and c.tenant_id = ${ref.tenantId}::uuid
    order by c.created_at, c.id`);
  const messages = await db.execute<{
    conversation_id: string;
    at: string;
    direction: "in" | "out";
    author: string;
    type: string;
    body: string;
    payload: unknown;
  }>(sql`
    select conversation_id, ${isoText(sql`created_at`)} as at, direction, author, type, body, payload
    from messages
    where conversation_id = any(${uuidArray(ids)}) and tenant_id = ${ref.tenantId}::uuid and type <> 'note'
    order by id`);
  const handoffs = await db.execute<{ conversation_id: string; started_at: string; trigger: string; reason: string; ended_at: string | null }>(sql`
    select conversation_id, ${isoText(sql`started_at`)} as started_at, trigger, reason, ${isoText(sql`ended_at`)} as ended_at
    from handoffs where conversation_id = any(${uuidArray(ids)}) and tenant_id = ${ref.tenantId}::uuid
    order by started_at, id`);
  const appointments = await db.execute<{
    conversation_id: string;
    starts_at: string;
    ends_at: string;
    service: string | null;
    status: string;
    customer_name: string | null;
    source: string;
  }>(sql`
    select conversation_id, ${isoText(sql`starts_at`)} as starts_at, ${isoText(sql`ends_at`)} as ends_at,
           service, status, customer_name, source
    from appointments where conversation_id = any(${uuidArray(ids)}) and tenant_id = ${ref.tenantId}::uuid
    order by starts_at, id`);
  const deals = await db.execute<{ conversation_id: string; created_at: string; title: string; fields: unknown; backend: string; status: string }>(sql`
    select conversation_id, ${isoText(sql`created_at`)} as created_at, title, fields, backend, status
    from crm_deals where conversation_id = any(${uuidArray(ids)}) and tenant_id = ${ref.tenantId}::uuid
    order by created_at, id`);
  const of = <T extends { conversation_id: string }>(rows: T[], id: string) => rows.filter((r) => r.conversation_id === id);
  const present = (values: (string | null)[]) => values.filter((v): v is string => v !== null && v !== "");
  const identifiers = new Set(conversations.flatMap((c) => present([c.customer_key, c.customer_wa_id, c.customer_user_id])));
  const names = new Set(conversations.flatMap((c) => present([c.customer_name])));
  return {
    about:
      `Personal data kept by ${tenant?.name ?? "the tenant"} (through LX Agent Factory) about this WhatsApp customer: ` +
      "their conversations, messages, handoffs to a human, appointments and CRM deals (LGPD art. 18 II).",
    exportedAt: tenant?.now ?? new Date().toISOString(),
    tenant: { slug: tenant?.slug ?? "", name: tenant?.name ?? "" },
    customer: { identifiers: [...identifiers], names: [...names] },
    conversations: conversations.map((c) => ({
      id: c.id,
      businessNumber: c.display_phone_number,
      agent: c.agent,
      startedAt: c.started_at,
      lastMessageAt: c.last_message_at,
      mode: c.mode,
      summary: c.summary,
      messages: of(messages, c.id).map((m) => ({
        at: m.at,
        direction: m.direction,
        author: m.author,
        type: m.type,
        text: m.body,
        payload: m.payload,
      })),
      handoffs: of(handoffs, c.id).map((h) => ({ startedAt: h.started_at, trigger: h.trigger, reason: h.reason, endedAt: h.ended_at })),
      appointments: of(appointments, c.id).map((a) => ({
        startsAt: a.starts_at,
        endsAt: a.ends_at,
        service: a.service,
        status: a.status,
        name: a.customer_name,
        source: a.source,
      })),
      deals: of(deals, c.id).map((d) => ({ createdAt: d.created_at, title: d.title, fields: d.fields, backend: d.backend, status: d.status })),
    })),
  };
}

// --- Erasure ---------------------------------------------------------------------------------------

/** What an audit event may keep of its data/before/after once its customer is erased: ids, states, counts. */
const AUDIT_KEPT_KEYS = new Set([
  "agentId",
  "agentVersion",
  "answerMessageId",
  "appointmentId",
  "attempts",
  "backend",
  "chars",
  "code",
  "conversationId",
  "dealId",
  "externalId",
  "handoffId",
  "kind",
  "messageId",
  "metaMessageId",
  "mode",
  "notifyCustomer",
  "offsetMinutes",
  "previousOwner",
  "requestId",
  "startsAt",
  "status",
  "task",
  "trigger",
  "verdict",
  "wamid",
]);

export const ERASED_TEXT = "[erased]";

/** Blanks every string of an audit payload but the kept keys' (ids, states), at any depth. */
export function redactAuditValue(value: unknown, key?: string): unknown {
  if (typeof value === "string") {
    return key !== undefined && AUDIT_KEPT_KEYS.has(key) ? value : ERASED_TEXT;
  }
  if (Array.isArray(value)) {
    return value.map((v) => redactAuditValue(v, key));
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactAuditValue(v, k)]));
  }
  return value;
}

/** Something the platform sent elsewhere about the customer: the operator erases it there. */
export type ExternalRecord = { kind: "appointment" | "deal"; system: string; externalId: string | null };

/** A test case copied from one of the conversations, deleted with them (its turns were the customer's words). */
export type DeletedTestCase = { id: string; agentSlug: string; name: string };

export type ErasureResult = {
  conversationIds: string[];
  messages: number;
  appointmentsCancelled: number;
  jobsCancelled: number;
  sendsCancelled: number;
  auditEventsRedacted: number;
  /**
   * For the operator who asked (the console lists them). The audit event keeps their ids and agents
   * only: a copied case's default name is "Conversation with <the customer's name>".
   */
  testCasesDeleted: DeletedTestCase[];
  external: ExternalRecord[];
};

/**
 * How long the webhook payloads no tenant claims are kept (malformed envelopes, fields we do not
 * handle, template updates of no tenant's WABA): long enough to look into a Meta change that broke
 * parsing, short enough that a customer Meta named in one is not kept for good (no tenant's erasure
 * can ask for it). The workers then blank the payload (expireTenantlessWebhookEvents).
 */
export const TENANTLESS_EVENT_RETENTION_DAYS = 30;

/**
 * How far before a customer's first conversation an erasure looks for the payloads no tenant claims
 * that name them: Meta sends a customer's first messages right before the conversation exists (a
 * malformed one may come first). Older ones are expired within TENANTLESS_EVENT_RETENTION_DAYS anyway.
 */
const TENANTLESS_EVENT_MARGIN = "1 day";

export type EraseReason = "request" | "retention";

/**
 * Erases these conversations' customer data in the caller's transaction (see the module comment).
 * Refused (CONFLICT) while one of them has a reply being written or a send on its way to Meta: the
 * job would write the customer's words back; a few seconds later the erasure goes through. Queued
 * replies and sends are cancelled first, under their row locks, so no worker can start one.
 */
async function eraseConversations(
  tx: Executor,
  p: { tenantId: string; ids: string[]; actor: AuditActor; reason: EraseReason; requestId?: string },
): Promise<ErasureResult> {
  const ids = uuidArray(p.ids);
  const t = sql`${p.tenantId}::uuid`;
  // Nothing about a conversation is older than the conversation: the tenant-wide reads below (its
  // sends, deals and audit events, by (tenant, created_at)) start there, with a minute's margin.
  const [span] = await tx.execute<{ since: string | null }>(sql`
    select (min(created_at) - interval '1 minute')::text as since from conversations where id = any(${ids})`);
  const since = sql`${span?.since ?? "-infinity"}::timestamptz`;
  // The audit trigger lets this transaction blank the events' free text (migration 0018).
  await tx.execute(sql`select set_config('lx.redacting', 'on', true)`);

  // The conversations' open jobs: replies (by conversation), summaries (by job key) and handoff
  // notices (conversation in the payload; open jobs only, through the queued/running partial
  // indexes). No job payload holds customer text (a notice reads its reason from the handoff when
  // it runs), so finished jobs need nothing: they are pruned within a day.
  const openJobs = sql`
    select id from message_queue where conversation_id = any(${ids}) and status in ('queued', 'running')
    union
    select id from message_queue
    where job_key = any(array(select 'summarize:' || x from unnest(${ids}::text[]) x)) and status in ('queued', 'running')
    union
    select id from message_queue
    where status in ('queued', 'running') and task = 'handoff.notify' and payload->>'conversationId' = any(${ids}::text[])`;
  const jobs = await tx.execute<{ id: string }>(sql`
    update message_queue
    set status = 'cancelled', finished_at = now(), last_error = 'customer data erased', locked_by = null, locked_at = null
    where id in (${openJobs}) and tenant_id = ${t} and status = 'queued'
    returning id`);
  const sends = await tx.execute<{ id: string }>(sql`
    update outbox_messages set status = 'cancelled', last_error = 'customer data erased', locked_by = null, updated_at = now()
    where tenant_id = ${t} and conversation_id = any(${ids}) and status in ('queued', 'ambiguous')
    returning id`);
  const [busy] = await tx.execute<{ running: number; sending: number }>(sql`
    select (select count(*)::int from message_queue where id in (${openJobs}) and status = 'running') as running,
           (select count(*)::int from outbox_messages
            where tenant_id = ${t} and conversation_id = any(${ids}) and status = 'sending') as sending`);
  if ((busy?.running ?? 0) > 0 || (busy?.sending ?? 0) > 0) {
    throw new AppError("CONFLICT", {
      message: "a reply to this customer is being written or sent right now; try again in a few seconds",
    });
  }

  // Meta's copies of the inbound messages (the webhook log), then the sends' recipients and bodies.
  await tx.execute(sql`
    update webhook_events set payload = '{"erased": true}'::jsonb, error = null
    where tenant_id = ${t} and meta_message_id in (
      select meta_message_id from messages
      where conversation_id = any(${ids}) and direction = 'in' and meta_message_id is not null)`);
  await tx.execute(sql`
    update outbox_messages set recipient = ${ERASED_TEXT}, payload = '{}'::jsonb, read_receipt_for = null, updated_at = now()
    where tenant_id = ${t} and created_at >= ${since} and conversation_id = any(${ids})`);
  // Payloads kept but not used (malformed messages, statuses of unknown sends) that name the customer.
  const keys = await tx.execute<{ k: string }>(sql`
    select distinct k from conversations c,
      lateral unnest(array[c.customer_key, c.customer_wa_id, c.customer_user_id]) k
    where c.id = any(${ids}) and k is not null`);
  if (keys.length > 0) {
    const named = sql.join(
      keys.map((r) => sql`strpos(payload::text, ${r.k}) > 0`),
      sql` or `,
    );
    await tx.execute(sql`
      update webhook_events set payload = '{"erased": true}'::jsonb, error = null
      where tenant_id = ${t} and status = 'ignored' and (${named})`);
    // And those no tenant claims (a malformed envelope naming them), from a day before the
    // conversations began. Every tenant-less row is `ignored` (storeIgnoredEvent is the only writer),
    // so no status filter: the read goes through the partial index of the not yet expired ones
    // (migration 0025), at most TENANTLESS_EVENT_RETENTION_DAYS of those rare rows however old the
    // conversations are — not through the ignored-events index, which keeps every expired one too.
    await tx.execute(sql`
      update webhook_events set payload = '{"erased": true}'::jsonb, error = null
      where tenant_id is null and payload <> '{"expired": true}'::jsonb
        and received_at >= ${since} - ${TENANTLESS_EVENT_MARGIN}::interval
        and (${named})`);
  }

  // Texts and Meta payloads go; Sentinel's verdicts keep their rule and action, not the matched detail.
  const [msgs] = await tx.execute<{ n: number }>(sql`
    with erased as (
      update messages
      set body = '', payload = null,
          policy_verdicts = (select coalesce(jsonb_agg(v - 'detail'), '[]'::jsonb) from jsonb_array_elements(policy_verdicts) v)
      where conversation_id = any(${ids}) and tenant_id = ${t}
      returning 1)
    select count(*)::int as n from erased`);
  await tx.execute(sql`delete from conversation_summaries where conversation_id = any(${ids}) and tenant_id = ${t}`);
  await tx.execute(sql`
    update handoffs set reason = '', ended_at = coalesce(ended_at, now()), end_reason = coalesce(end_reason, 'closed')
    where conversation_id = any(${ids}) and tenant_id = ${t}`);

  const appointments = await tx.execute<{ source: string; external_id: string | null; cancelled: boolean }>(sql`
    update appointments a
    set customer_key = ${ERASED_TEXT}, customer_name = null, service = null,
        status = case when a.status in ('booked', 'confirmed') and a.starts_at > now() then 'cancelled' else a.status end,
        reschedule_requested_at = null, updated_at = now()
    from appointments old
    where old.id = a.id and a.conversation_id = any(${ids}) and a.tenant_id = ${t}
    returning a.source, a.external_id, (old.status <> a.status) as cancelled`);
  const deals = await tx.execute<{ backend: string; external_id: string | null }>(sql`
    update crm_deals set title = ${ERASED_TEXT}, fields = '{}'::jsonb, response = null, updated_at = now()
    where tenant_id = ${t} and created_at >= ${since} and conversation_id = any(${ids})
    returning backend, external_id`);

  // Test cases copied from these conversations: their turns are the customer's words (deleted, not
  // blanked: a case of empty turns is no test). The agent's cases change, so its regression gate asks
  // for a new run, as after any edit of its cases.
  const cases = await tx.execute<{ id: string; agent_id: string; agent_slug: string; name: string }>(sql`
    with gone as (
      delete from agent_test_cases
      where source_conversation_id = any(${ids}) and tenant_id = ${t}
      returning id, agent_id, name)
    select gone.id, gone.agent_id, a.slug as agent_slug, gone.name
    from gone join agents a on a.id = gone.agent_id
    order by a.slug, gone.name`);

  // Replays of these conversations in regression runs (the customer's words and the replies).
  const runs = await tx.execute<{ id: string; results: { conversationId?: string }[] }>(sql`
    select id, results from agent_test_runs
    where tenant_id = ${t} and kind = 'replay'
      and exists (select 1 from jsonb_array_elements(results) r where r->>'conversationId' = any(${ids}::text[]))`);
  for (const run of runs) {
    const results = run.results.map((r) =>
      r.conversationId !== undefined && p.ids.includes(r.conversationId) ? redactReplay(r) : r,
    );
    await tx.execute(sql`update agent_test_runs set results = ${JSON.stringify(results)}::jsonb where id = ${run.id}::uuid`);
  }

  // The events about them: theirs, and those naming them (a copied test case's created, updated and
  // deleted events carry it, with the case's turns).
  const events = await tx.execute<{ id: string; type: string; subject_id: string | null; data: unknown; before: unknown; after: unknown }>(sql`
    select id, type, subject_id, data, before, after from audit_events
    where tenant_id = ${t} and subject_type = 'conversation' and subject_id = any(${ids}::text[])
    union
    select id, type, subject_id, data, before, after from audit_events
    where tenant_id = ${t} and created_at >= ${since} and data->>'conversationId' = any(${ids}::text[])`);

  // The results of every cases run of a test case copied from them — deleted now, or earlier by an
  // operator (known from its audit events): the simulated conversation is the customer's words.
  const copied = new Map(cases.map((c) => [c.id, c.agent_id]));
  for (const e of events) {
    if (e.type.startsWith("agent_test.case_") && e.subject_id !== null) {
      const id = caseIdOf(e.after) ?? caseIdOf(e.before);
      if (id !== null) {
        copied.set(id, e.subject_id);
      }
    }
  }
  if (copied.size > 0) {
    const caseIds = [...copied.keys()];
    const agentIds = [...new Set(copied.values())];
    const caseRuns = await tx.execute<{ id: string; results: TTestCaseResult[] }>(sql`
      select id, results from agent_test_runs
      where agent_id = any(${uuidArray(agentIds)}) and created_at >= ${since} and tenant_id = ${t} and kind = 'cases'
        and exists (select 1 from jsonb_array_elements(results) r where r->>'caseId' = any(${uuidArray(caseIds)}::text[]))`);
    for (const run of caseRuns) {
      const results = run.results.map((r) => (copied.has(r.caseId) ? redactCaseResult(r) : r));
      await tx.execute(sql`update agent_test_runs set results = ${JSON.stringify(results)}::jsonb where id = ${run.id}::uuid`);
    }
  }

  for (const e of events) {
    await tx.execute(sql`
      update audit_events
      set data = ${JSON.stringify(redactAuditValue(e.data))}::jsonb,
          before = ${JSON.stringify(redactAuditValue(e.before))}::jsonb,
          after = ${JSON.stringify(redactAuditValue(e.after))}::jsonb
      where id = ${e.id}`);
  }

  await tx.execute(sql`
    update conversations
    set customer_key = 'erased:' || id::text, customer_wa_id = null, customer_user_id = null, customer_name = null,
        summary = '', summary_up_to_message_id = null, menu_state = null, mode = 'closed',
        bot_resume_at = null, handoff_started_at = null, erased_at = now(), updated_at = now()
    where id = any(${ids}) and tenant_id = ${t}`);

  const result: ErasureResult = {
    conversationIds: p.ids,
    messages: msgs?.n ?? 0,
    appointmentsCancelled: appointments.filter((a) => a.cancelled).length,
    jobsCancelled: jobs.length,
    sendsCancelled: sends.length,
    auditEventsRedacted: events.length,
    testCasesDeleted: cases.map((c): DeletedTestCase => ({ id: c.id, agentSlug: c.agent_slug, name: c.name })),
    external: [
      ...appointments
        .filter((a) => a.source !== "local")
        .map((a): ExternalRecord => ({ kind: "appointment", system: a.source, externalId: a.external_id })),
      ...deals.map((d): ExternalRecord => ({ kind: "deal", system: d.backend, externalId: d.external_id })),
    ],
  };
  // Never the customer's number: the event says what was erased, not whose it was.
  await insertAuditEvent(tx, {
    tenantId: p.tenantId,
    actor: p.actor,
    type: "customer.erased",
    subjectType: "conversation",
    subjectId: p.ids[0],
    data: {
      reason: p.reason,
      ...result,
      testCasesDeleted: result.testCasesDeleted.map(({ id, agentSlug }) => ({ id, agentSlug })),
    },
    requestId: p.requestId,
  });
  return result;
}

/** The test case an `agent_test.case_*` event's before/after is about. */
function caseIdOf(value: unknown): string | null {
  const id = value !== null && typeof value === "object" ? (value as { id?: unknown }).id : undefined;
  return typeof id === "string" ? id : null;
}

/**
 * Erases one customer of a tenant (every conversation of theirs; see eraseConversations), audited
 * `customer.erased`. NOT_FOUND when the tenant has no conversation with them left to erase.
 */
export async function eraseCustomer(
  db: Executor,
  p: CustomerRef & { actor: AuditActor; requestId?: string },
): Promise<ErasureResult> {
  return db.transaction(async (tx) => {
    const keys = await customerKeys(tx, p);
    const ids = await customerConversations(tx, p.tenantId, keys, true);
    if (ids.length === 0) {
      throw new AppError("NOT_FOUND", { message: "no conversation with this customer (or their data was erased)" });
    }
    return eraseConversations(tx, { tenantId: p.tenantId, ids, actor: p.actor, reason: "request", requestId: p.requestId });
  });
}

/**
 * The workers' expiry of the webhook payloads no tenant claims (every 10 minutes, with the retention
 * sweep): those received more than `olderThanDays` ago keep their row (kind, status, time, and the
 * `error` saying why it was unusable — our own words, Meta's field or object name, a template's name
 * and WABA id, never a customer's) and lose the payload, which becomes `{"expired": true}`. A partial
 * index holds only the rows not expired yet (migration 0025): each call reads those few rows, never
 * the webhook log. In batches (short transactions), SKIP LOCKED (every worker may run it at once).
 * Returns how many it expired.
 */
export async function expireTenantlessWebhookEvents(
  db: Executor,
  {
    olderThanDays = TENANTLESS_EVENT_RETENTION_DAYS,
    batchSize = 1_000,
    maxBatches = 20,
  }: { olderThanDays?: number; batchSize?: number; maxBatches?: number } = {},
): Promise<number> {
  let total = 0;
  for (let i = 0; i < maxBatches; i++) {
    const [row] = await db.execute<{ n: number }>(sql`
      with old as (
        select id from webhook_events
        where tenant_id is null and payload <> '{"expired": true}'::jsonb
          and received_at < now() - ${olderThanDays} * interval '1 day'
        order by received_at
        limit ${batchSize}
        for update skip locked
      ), expired as (
        update webhook_events w set payload = '{"expired": true}'::jsonb from old where w.id = old.id returning 1
      )
      select count(*)::int as n from expired`);
    const n = row?.n ?? 0;
    total += n;
    if (n < batchSize) {
      break;
    }
  }
  return total;
}

/** Sets (or, with null, clears) how many days a tenant's conversations are kept (`tenant.retention_changed`). */
export async function setTenantRetention(
  db: Executor,
  p: { tenantId: string; days: number | null; actor: AuditActor; requestId?: string },
): Promise<{ days: number | null; changed: boolean }> {
  const { changed } = await changeTenantSetting(db, { ...p, setting: "retentionDays", value: p.days, type: "tenant.retention_changed" });
  return { days: p.days, changed };
}

/** Which of these conversations is being answered or sent to right now (a running job or send). */
async function busyConversations(tx: Executor, ids: string[]): Promise<Set<string>> {
  const rows = await tx.execute<{ id: string }>(sql`
    select c.id from unnest(${uuidArray(ids)}) c(id)
    where exists (select 1 from message_queue q where q.conversation_id = c.id and q.status = 'running')
       or exists (select 1 from message_queue q where q.job_key = 'summarize:' || c.id::text and q.status = 'running')
       or exists (select 1 from outbox_messages o where o.conversation_id = c.id and o.status = 'sending')`);
  return new Set(rows.map((r) => r.id));
}

/**
 * The retention sweep (the workers, every 10 minutes): erases up to `limit` conversations whose last
 * message is older than their tenant's `retention_days`, a tenant's batch (up to `batchSize`, oldest
 * first) per transaction, so the tenant-wide reads of an erasure (its sends, its audit events) are
 * paid once a batch. A conversation a human is handling, or one being answered right now, waits for
 * a later sweep. Returns how many it erased. SKIP LOCKED: every worker may sweep at once without
 * erasing the same one twice.
 */
export async function eraseExpiredConversations(
  db: Executor,
  { limit = 500, batchSize = 50, actor }: { limit?: number; batchSize?: number; actor: AuditActor },
): Promise<number> {
  let erased = 0;
  const skipped = new Set<string>();
  while (erased < limit) {
    const n = await db.transaction(async (tx) => {
      const due = await tx.execute<{ id: string; tenant_id: string }>(sql`
        with tenant as (
          select t.id, t.retention_days from tenants t
          where t.retention_days is not null
            and exists (
              select 1 from conversations c
              where c.tenant_id = t.id and c.erased_at is null
                and coalesce(c.last_message_at, c.created_at) < now() - t.retention_days * interval '1 day'
                and c.mode not in ('human', 'pending_human')
                ${skipped.size === 0 ? sql`` : sql`and c.id <> all(${uuidArray([...skipped])})`})
          limit 1
        )
        select c.id, c.tenant_id from conversations c, tenant t
        where c.tenant_id = t.id and c.erased_at is null
          and coalesce(c.last_message_at, c.created_at) < now() - t.retention_days * interval '1 day'
          and c.mode not in ('human', 'pending_human')
          ${skipped.size === 0 ? sql`` : sql`and c.id <> all(${uuidArray([...skipped])})`}
        order by coalesce(c.last_message_at, c.created_at)
        limit ${Math.min(batchSize, limit - erased)}
        for update of c skip locked`);
      const tenantId = due[0]?.tenant_id;
      if (tenantId === undefined) {
        return null;
      }
      const busy = await busyConversations(tx, due.map((d) => d.id));
      busy.forEach((id) => skipped.add(id));
      const ids = due.map((d) => d.id).filter((id) => !busy.has(id));
      if (ids.length === 0) {
        return 0;
      }
      try {
        await tx.execute(sql`savepoint erase`);
        await eraseConversations(tx, { tenantId, ids, actor, reason: "retention" });
        return ids.length;
      } catch (err) {
        if (err instanceof AppError && err.code === "CONFLICT") {
          // One of them started being answered in between: the batch waits for a later sweep.
          await tx.execute(sql`rollback to savepoint erase`);
          ids.forEach((id) => skipped.add(id));
          return 0;
        }
        throw err;
      }
    });
    if (n === null) {
      break;
    }
    erased += n;
  }
  return erased;
}
