import { sql } from "drizzle-orm";

import { describeFailure, sqlState, type Database } from "@lx/db/client";
import type { GroupCommit } from "@lx/db/group-commit";
import type { NumberDirectory } from "@lx/db/number-directory";
import {
  applyTemplateStatusChange,
  insertAuditEvent,
  recordNumberWaba,
  storeIgnoredEvent,
  type InboundMessageInput,
  type IngestResult,
  type NumberTarget,
  type StatusOutcome,
  type StatusUpdate,
} from "@lx/db/queries";
import {
  describeInbound,
  ZMetaChangeValue,
  ZMetaInboundMessage,
  ZMetaStatus,
  type TMetaStatus,
  ZMetaTemplateStatusUpdate,
  ZMetaWebhook,
  type TMetaChangeValue,
  PLATFORM_ACTORS,
} from "@lx/shared";
import { ANSWER_MAX_AGE_MS, WINDOWED_OUTBOX_KINDS } from "@lx/shared/domain";

import type { Logger } from "../logger.ts";

export type WebhookDeps = {
  db: Database;
  directory: NumberDirectory;
  /** Group commit of inbound messages across concurrent requests (ingestInboundMessages). */
  ingest: GroupCommit<InboundMessageInput, IngestResult>;
  /** Group commit of status callbacks across concurrent requests (applyStatusUpdates). */
  statuses: GroupCommit<StatusUpdate, StatusOutcome>;
  /** Coalesced NOTIFY wake-ups for the workers (never inside the ingest statements). */
  wake?: { jobs: () => void; outbox: () => void };
};

export type WebhookSummary = {
  queued: number;
  stored: number;
  duplicates: number;
  statuses: number;
  ignored: number;
  unknownNumbers: number;
  /** Template status changes applied (`message_template_status_update`). */
  templates: number;
};

const META = PLATFORM_ACTORS.meta;

/** Meta's Unix seconds as a Date; `receivedAt` for none, a non-number, or one past what a Date can hold. */
function parseTimestamp(ts: string | undefined, receivedAt: Date = new Date()): Date {
  const n = ts ? Number(ts) : NaN;
  const at = Number.isFinite(n) && n > 0 ? new Date(n * 1000) : receivedAt;
  return Number.isNaN(at.getTime()) ? receivedAt : at;
}

/**
 * Whether an error is the payload's own fault and would recur on every redelivery: PostgreSQL
 * refusing the data (SQLSTATE class 22, e.g. 22003 a number out of its column's range, 22021 a NUL
 * in text; or 54001, too deep for its parser) or a stack overflow walking it. Not any other
 * RangeError (an int8 past 2^53 in the driver's parser, an invalid Date): those are our bugs. A
 * connection loss, a timeout or a lock wait is not either: those answer 500, and Meta's redelivery
 * stores the payload later.
 */
export function isUnstorable(err: unknown): boolean {
  const state = sqlState(err);
  return (
    (err instanceof RangeError && /call stack/i.test(err.message)) ||
    state?.startsWith("22") === true ||
    state === "54001" ||
    // 54000: e.g. an id too long for its btree index — the payload's, and as permanent as the rest.
    state === "54000"
  );
}

/** What an `ignored` webhook event keeps of one unit of a POST: a change, a message, a status callback. */
type Unit = {
  tenantId?: string | null;
  phoneNumberId?: string | null;
  kind?: "status" | "other";
  payload: unknown;
};

/**
 * One unit of a POST that PostgreSQL refused as it is (isUnstorable) is kept alone as an `ignored`
 * webhook event with the reason, and the rest of the POST goes on (Meta would never redeliver it).
 * Any other error is thrown again: the POST answers 500 and Meta redelivers it.
 */
async function keepUnstorable(
  deps: WebhookDeps,
  err: unknown,
  unit: Unit,
  summary: WebhookSummary,
  p: { logger: Logger },
): Promise<void> {
  if (!isUnstorable(err)) {
    throw err;
  }
  const error = `could not be stored: ${describeFailure(err)}`;
  p.logger.warn(
    { error, tenantId: unit.tenantId ?? null, kind: unit.kind ?? "other" },
    "webhook item kept as ignored: it cannot be stored as it is",
  );
  await storeIgnoredEvent(deps.db, { ...unit, error });
  summary.ignored++;
}

type InboundJob = { key: string; run: () => Promise<void> };

/**
 * Enqueue-only processing of one signed webhook POST: every entry and change of a batch (one POST may
 * mix numbers of several tenants). Inbound messages are stored and queued (one statement each,
 * deduplicated by (tenant, meta message id)); status callbacks update the outbox; anything we cannot
 * use is stored as `ignored`. No inference happens here.
 *
 * What PostgreSQL refuses to store (isUnstorable) costs only its own unit — the inbound message, the
 * status callback (each is isolated by its group commit), or else the change — which is kept as
 * `ignored` with the reason; the rest of the batch is processed as usual.
 */
export async function processWebhook(
  deps: WebhookDeps,
  payload: unknown,
  p: { requestId: string; logger: Logger },
): Promise<WebhookSummary> {
  const summary: WebhookSummary = {
    queued: 0,
    stored: 0,
    duplicates: 0,
    statuses: 0,
    ignored: 0,
    unknownNumbers: 0,
    templates: 0,
  };
  const envelope = ZMetaWebhook.safeParse(payload);
  if (!envelope.success || envelope.data.object !== "whatsapp_business_account") {
    await storeIgnoredEvent(deps.db, {
      payload,
      error: envelope.success
        ? `object "${envelope.data.object}" is not whatsapp_business_account`
        : "not a WhatsApp webhook envelope",
    });
    summary.ignored++;
    return summary;
  }
  const inbound: InboundJob[] = [];
  for (const entry of envelope.data.entry) {
    for (const change of entry.changes) {
      try {
        await processChange(deps, entry.id, change, inbound, summary, p);
      } catch (err) {
        // What the change stored before the failure stays (a redelivery would find it a duplicate).
        await keepUnstorable(deps, err, { payload: change }, summary, p);
      }
    }
  }
  await runByCustomer(inbound, 8);
  if (summary.queued > 0) {
    deps.wake?.jobs();
  }
  return summary;
}

/**
 * One change of an entry: a template status, or a number's messages (collected into `inbound`, run
 * after every change is read), statuses and errors; anything else is kept as `ignored`.
 */
async function processChange(
  deps: WebhookDeps,
  entryId: string | undefined,
  change: { field?: string | undefined; value: unknown },
  inbound: InboundJob[],
  summary: WebhookSummary,
  p: { requestId: string; logger: Logger },
): Promise<void> {
  if (change.field === "message_template_status_update") {
    await applyTemplateStatus(deps, entryId, change, summary, p);
    return;
  }
  const value = ZMetaChangeValue.safeParse(change.value);
  if (change.field !== "messages" || !value.success || !value.data.metadata) {
    await storeIgnoredEvent(deps.db, {
      payload: change,
      error:
        change.field !== "messages"
          ? `field "${change.field ?? "?"}" is not handled`
          : "change without metadata",
    });
    summary.ignored++;
    return;
  }
  const target = await deps.directory.resolve(value.data.metadata.phone_number_id);
  if (!target) {
    summary.unknownNumbers++;
    await insertAuditEvent(deps.db, {
      actor: META,
      type: "webhook.unknown_number",
      subjectType: "phone_number",
      subjectId: value.data.metadata.phone_number_id,
      data: { messages: value.data.messages?.length ?? 0, statuses: value.data.statuses?.length ?? 0 },
      requestId: p.requestId,
    });
    return;
  }
  if (entryId !== undefined && entryId !== target.wabaId && WABA_ID.test(entryId)) {
    await learnWaba(deps, target, entryId, p);
  }
  collectInbound(deps, target, value.data, inbound, summary, p);
  await applyStatuses(deps, target, value.data, summary, p);
  for (const err of value.data.errors ?? []) {
    await insertAuditEvent(deps.db, {
      tenantId: target.tenantId,
      actor: META,
      type: "meta.error",
      subjectType: "phone_number",
      subjectId: target.phoneNumberId,
      data: { code: err.code, title: err.title, details: err.error_data?.details },
      requestId: p.requestId,
    });
  }
}

const WABA_ID = /^\d{1,30}$/;

/**
 * The entry's id is the WABA of the number the change is for (Meta's signed word): the number keeps
 * it, so template status changes reach its tenant without anyone typing the id. The cached target is
 * updated at once (concurrent requests do not write it again); the trigger's NOTIFY refreshes every
 * other process. A failure costs only this (it is tried again on the number's next webhook).
 */
async function learnWaba(
  deps: WebhookDeps,
  target: NumberTarget,
  wabaId: string,
  p: { requestId: string; logger: Logger },
): Promise<void> {
  const before = target.wabaId;
  target.wabaId = wabaId;
  try {
    await recordNumberWaba(deps.db, { ...target, wabaId, requestId: p.requestId });
  } catch (err) {
    target.wabaId = before;
    p.logger.warn({ err, phoneNumberId: target.phoneNumberId }, "could not record the number's WABA id");
  }
}

/**
 * Meta approved, rejected, paused or disabled a template of a WABA (the entry's id): the tenants
 * whose numbers are in that WABA keep the new status (only approved templates are sent). A change no
 * tenant's template matches is kept as `ignored`, with why.
 */
async function applyTemplateStatus(
  deps: WebhookDeps,
  wabaId: string | undefined,
  change: { value: unknown },
  summary: WebhookSummary,
  p: { requestId: string },
): Promise<void> {
  const update = ZMetaTemplateStatusUpdate.safeParse(change.value);
  const found =
    update.success && wabaId
      ? await applyTemplateStatusChange(deps.db, {
          wabaId,
          name: update.data.message_template_name,
          language: update.data.message_template_language,
          event: update.data.event,
          reason: update.data.reason ?? null,
          requestId: p.requestId,
        })
      : 0;
  if (found === 0) {
    await storeIgnoredEvent(deps.db, {
      payload: change,
      error: !update.success
        ? "template status update without event, name or language"
        : `no tenant has template ${update.data.message_template_name} (${update.data.message_template_language}) on a number of WABA ${wabaId ?? "?"}`,
    });
    summary.ignored++;
    return;
  }
  summary.templates++;
}

function collectInbound(
  deps: WebhookDeps,
  target: NumberTarget,
  value: TMetaChangeValue,
  out: InboundJob[],
  summary: WebhookSummary,
  p: { requestId: string; logger: Logger },
): void {
  const contacts = value.contacts ?? [];
  for (const raw of value.messages ?? []) {
    const parsed = ZMetaInboundMessage.safeParse(raw);
    if (!parsed.success) {
      out.push({
        key: "ignored",
        run: async () => {
          await storeIgnoredEvent(deps.db, {
            tenantId: target.tenantId,
            phoneNumberId: target.phoneNumberId,
            payload: raw,
            error: "message without id/type",
          });
          summary.ignored++;
        },
      });
      continue;
    }
    const m = parsed.data;
    const contact =
      contacts.find(
        (c) => (m.from && c.wa_id === m.from) || (m.from_user_id && c.user_id === m.from_user_id),
      ) ?? (contacts.length === 1 ? contacts[0] : undefined);
    const waId = m.from ?? contact?.wa_id ?? null;
    const userId = m.from_user_id ?? contact?.user_id ?? null;
    if (!waId && !userId) {
      out.push({
        key: "ignored",
        run: async () => {
          await storeIgnoredEvent(deps.db, {
            tenantId: target.tenantId,
            phoneNumberId: target.phoneNumberId,
            payload: raw,
            error: "message without a sender",
          });
          summary.ignored++;
        },
      });
      continue;
    }
    const d = describeInbound(m);
    // Meta's clock, not ours: a timestamp ahead of the receipt would hold the window open past its
    // end, so it counts as received now; one too far behind is a replay not worth answering.
    const receivedAt = new Date();
    const stamped = parseTimestamp(m.timestamp, receivedAt);
    const sentAt = stamped > receivedAt ? receivedAt : stamped;
    const tooOld = d.answerable && receivedAt.getTime() - sentAt.getTime() > ANSWER_MAX_AGE_MS;
    const audit: InboundMessageInput["audit"] = d.system
      ? { type: "message.system", data: { systemType: d.system.type, newWaId: d.system.newWaId }, requestId: p.requestId }
      : tooOld
        ? { type: "message.too_old_to_answer", data: { type: d.type, sentAt: sentAt.toISOString(), ageHours: Math.floor((receivedAt.getTime() - sentAt.getTime()) / 3_600_000) }, requestId: p.requestId }
        : null;
    const ingest = async () => {
      const input: InboundMessageInput = {
        target,
        customer: { waId, userId, name: contact?.profile?.name ?? null },
        metaMessageId: m.id,
        type: d.type,
        body: d.body,
        contextId: d.contextId,
        sentAt,
        answerable: d.answerable && !tooOld,
        opensWindow: d.opensWindow,
        audit,
        payload: { metadata: value.metadata, contact: contact ?? null, message: raw },
      };
      const r = await deps.ingest.add(input);
      if (r.status === "duplicate") {
        summary.duplicates++;
        await insertAuditEvent(deps.db, {
          tenantId: target.tenantId,
          actor: META,
          type: "webhook.duplicate",
          subjectType: "conversation",
          subjectId: r.conversationId,
          data: { metaMessageId: m.id },
          requestId: p.requestId,
        });
      } else {
        summary[r.status]++;
        p.logger.debug({ tenantId: target.tenantId, metaMessageId: m.id, jobId: r.jobId }, "inbound queued");
      }
    };
    out.push({
      key: `${target.numberId}:${waId ?? userId}`,
      run: async () => {
        try {
          await ingest();
        } catch (err) {
          // The group commit ran this message on its own: the others of its batch are stored.
          await keepUnstorable(
            deps,
            err,
            { tenantId: target.tenantId, phoneNumberId: target.phoneNumberId, payload: raw },
            summary,
            p,
          );
        }
      },
    });
  }
}

async function applyStatuses(
  deps: WebhookDeps,
  target: NumberTarget,
  value: TMetaChangeValue,
  summary: WebhookSummary,
  p: { requestId: string; logger: Logger },
): Promise<void> {
  const parsed: { update: StatusUpdate; err: NonNullable<TMetaStatus["errors"]>[number] | undefined }[] = [];
  const malformed: unknown[] = [];
  for (const raw of value.statuses ?? []) {
    const s = ZMetaStatus.safeParse(raw);
    if (!s.success) {
      malformed.push(raw);
      continue;
    }
    const err = s.data.errors?.[0];
    // Every status goes to the group commit: one it cannot use (an unknown send, "played" for a voice
    // message) is kept there as an `ignored` webhook event, in the same statement.
    const update: StatusUpdate = {
      tenantId: target.tenantId,
      wamid: s.data.id,
      status: s.data.status,
      bizOpaque: s.data.biz_opaque_callback_data ?? null,
      recipientId: s.data.recipient_id ?? null,
      recipientUserId: s.data.recipient_user_id ?? null,
      at: parseTimestamp(s.data.timestamp),
      errorCode: err?.code ?? null,
      errorMessage: err ? (err.error_data?.details ?? err.title ?? err.message ?? null) : null,
      phoneNumberId: target.phoneNumberId,
      payload: raw,
    };
    parsed.push({ update, err });
  }
  for (const raw of malformed) {
    await storeIgnoredEvent(deps.db, {
      tenantId: target.tenantId,
      phoneNumberId: target.phoneNumberId,
      kind: "status",
      payload: raw,
      error: "status without id/status",
    });
    summary.ignored++;
  }
  // All of this POST's callbacks in one group commit (with those of concurrent POSTs); one that fails
  // is run again on its own there, so it fails alone.
  const results = await Promise.allSettled(parsed.map(({ update }) => deps.statuses.add(update)));
  let fatal: { err: unknown } | null = null;
  for (const [i, { update, err }] of parsed.entries()) {
    const result = results[i];
    if (result?.status !== "fulfilled") {
      try {
        await keepUnstorable(
          deps,
          result?.reason,
          {
            tenantId: target.tenantId,
            phoneNumberId: target.phoneNumberId,
            kind: "status",
            payload: update.payload,
          },
          summary,
          p,
        );
      } catch (thrown) {
        // Not the payload's fault: the POST answers 500 once the others are done (Meta redelivers it).
        fatal ??= { err: thrown };
      }
      continue;
    }
    const updated = result.value;
    if (updated === "ignored") {
      summary.ignored++;
      continue;
    }
    summary.statuses++;
    if (!updated) {
      continue;
    }
    if (updated.released > 0) {
      deps.wake?.outbox(); // later sends held behind this one (it was ambiguous) are due now
    }
    if (update.status === "failed") {
      await insertAuditEvent(deps.db, {
        tenantId: target.tenantId,
        actor: META,
        type: "send.failed_status",
        subjectType: "outbox_message",
        subjectId: updated.id,
        data: { code: err?.code ?? null, details: err?.error_data?.details ?? null, wamid: update.wamid },
        requestId: p.requestId,
      });
      if (err?.code === 131047 && updated.conversationId) {
        await resendOutsideWindow(deps.db, { outboxId: updated.id, conversationId: updated.conversationId, at: update.at });
        deps.wake?.outbox();
      }
    }
  }
  if (fatal) {
    throw fatal.err;
  }
}

/**
 * Meta refused a free-form message because the 24-hour window had closed (131047, usually as an
 * asynchronous failed status). The window is marked closed and the message is queued again: the
 * sender then takes the template path (the agent's re-engagement template) or blocks it with an audit.
 */
async function resendOutsideWindow(
  db: Database,
  p: { outboxId: number; conversationId: string; at: Date },
): Promise<void> {
  await db.execute(sql`
    with closed as (
      update conversations set last_customer_message_at = null
      where id = ${p.conversationId}::uuid and last_customer_message_at <= ${p.at.toISOString()}::timestamptz
    )
    insert into outbox_messages (tenant_id, conversation_id, phone_number_id, message_id, kind, recipient, payload)
    select tenant_id, conversation_id, phone_number_id, message_id, kind, recipient, payload
    from outbox_messages where id = ${p.outboxId}
      and kind in (${sql.join(
        WINDOWED_OUTBOX_KINDS.map((kind) => sql`${kind}`),
        sql`, `,
      )})`);
}

/** Runs inbound work in parallel across customers but in order within one customer's messages. */
async function runByCustomer(jobs: InboundJob[], parallel: number): Promise<void> {
  if (jobs.length === 1) {
    await jobs[0]?.run();
    return;
  }
  const groups = new Map<string, InboundJob[]>();
  for (const j of jobs) {
    const g = groups.get(j.key);
    if (g) {
      g.push(j);
    } else {
      groups.set(j.key, [j]);
    }
  }
  const queue = [...groups.values()];
  const workers = Array.from({ length: Math.min(parallel, queue.length) }, async () => {
    for (let g = queue.shift(); g; g = queue.shift()) {
      for (const j of g) {
        await j.run();
      }
    }
  });
  await Promise.all(workers);
}
