import { describeFailure, isConnectionLoss, retryWhileUnreachable, type Database, type Executor } from "@lx/db/client";
import { GroupCommit } from "@lx/db/group-commit";
import { listenWithRetry } from "@lx/db/notifier";
import { insertAuditEvent } from "@lx/db/queries";
import { backoffMs, classifyMetaError, sendRetryDelayMs } from "@lx/shared";
import { isPhoneDigits, SERVICE_WINDOW_MS, WINDOWED_OUTBOX_KINDS } from "@lx/shared/domain";
import { decryptSecret, type SecretKeys } from "@lx/shared/crypto";

import type { Logger } from "../logger.ts";
import type { BundleCache } from "../services/bundle-cache.ts";
import { claimBatchWindow } from "../queue/batch-window.ts";
import { claimSends, reapStuckSends, type ClaimedSend } from "./claim.ts";
import { sendToGraph, type GraphSendResult } from "./graph-client.ts";
import {
  markAmbiguous,
  markFinal,
  markRetry,
  markSentMany,
  pauseNumber,
  rewriteAsTemplate,
  templateBody,
} from "./settle.ts";

export type SenderOptions = {
  db: Database;
  logger: Logger;
  workerId: string;
  secretKey: SecretKeys;
  bundles: BundleCache;
  graph: { baseUrl: string; apiVersion: string; sandboxBaseUrl?: string };
  concurrency: number;
  pollMs?: number;
  sendTimeoutMs?: number;
  /** How long an ambiguous send waits for a status callback before it is re-sent. */
  ambiguousGraceMs?: number;
  /** Free-form messages need a customer message within this window (Meta: 24 h). */
  windowMs?: number;
  retryBaseMs?: number;
  now?: () => number;
  onSend?: (outcome: string) => void;
};

/** What became of one send attempt (the `outcome` label of `lx_sends_total`). */
export const SEND_OUTCOMES = ["sent", "retry", "dead", "ambiguous", "paused", "blocked", "templated"] as const;
type Outcome = (typeof SEND_OUTCOMES)[number];

const FREE_FORM: ReadonlySet<string> = new Set(WINDOWED_OUTBOX_KINDS);

/**
 * Whom a send is addressed to. A phone customer (digits: the wa_id Meta gave us) goes in `to` with its
 * `+`: Meta prepends the business number's own country code to a number without one ("Always include
 * + and country code"). A username customer (a business-scoped user id, `US.1349…`, no phone) is
 * addressed by `recipient` as it came, never prefixed.
 */
export function recipientField(recipient: string): { to: string } | { recipient: string } {
  if (isPhoneDigits(recipient)) {
    return { to: recipient.startsWith("+") ? recipient : `+${recipient}` };
  }
  return { recipient };
}

/**
 * Delivers outbox rows through the Graph API: in order per conversation, with the number's own
 * token, `biz_opaque_callback_data` = row id, retries by Meta error code, per-recipient backoff on
 * 131056, number pause on token/account errors, the 24-hour rule, and ambiguous sends reconciled by
 * status callbacks instead of re-sent blindly.
 */
export class OutboxSender {
  private readonly tokens = new Map<string, { version: string; token: string }>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private wakeResolve: (() => void) | undefined;
  private wakePending = false;
  private loopPromise: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private unlisten: (() => Promise<void>) | undefined;
  /**
   * Accepted sends are settled by group commit: one statement for every send Meta accepted while the
   * previous settle was running. A send counts as done only once its batch committed, so the
   * conversation's next row is claimed after this one is recorded. A crash before that leaves the row
   * 'sending' → ambiguous → reconciled by status callbacks, as for any crash after the request.
   */
  private readonly sent: GroupCommit<{ id: number; wamid: string | null }, null>;
  /** The last claim filled its limit: more rows are waiting (see claimBatchWindow). */
  private backlog = false;

  constructor(private readonly o: SenderOptions) {
    this.sent = new GroupCommit(async (rows: { id: number; wamid: string | null }[]) => {
      await markSentMany(o.db, { workerId: o.workerId, rows });
      return rows.map(() => null);
    });
  }

  private get sendTimeoutMs() {
    return this.o.sendTimeoutMs ?? 15_000;
  }
  private get graceMs() {
    return this.o.ambiguousGraceMs ?? 60_000;
  }
  /** A row still 'sending' this long after its claim is taken back as ambiguous by any sender's reaper. */
  private get stuckAfterMs() {
    return this.sendTimeoutMs + 15_000;
  }

  async start(): Promise<void> {
    const l = await listenWithRetry(this.o.db, "lx_outbox", () => this.notify(), {
      onRetry: (err, attempt) => this.o.logger.warn({ err, attempt }, "LISTEN lx_outbox failed; retrying"),
    });
    this.unlisten = l.unlisten;
    this.timers.push(setInterval(() => void this.reap(), 5_000));
    void this.reap();
    this.loopPromise = this.loop();
  }

  notify(): void {
    this.wakePending = true;
    this.wakeResolve?.();
  }

  async stop(timeoutMs = 15_000): Promise<void> {
    this.stopping = true;
    this.notify();
    for (const t of this.timers) {
      clearInterval(t);
    }
    await this.unlisten?.();
    await this.loopPromise;
    await Promise.race([
      Promise.allSettled([...this.inFlight]),
      new Promise((r) => setTimeout(r, timeoutMs).unref()),
    ]);
  }

  /** Claims and sends one batch and waits for it (tests). */
  async runOnce(limit = 32): Promise<number> {
    const rows = await claimSends(this.o.db, { workerId: this.o.workerId, limit });
    await Promise.all(rows.map((r) => this.send(r)));
    return rows.length;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      if (this.backlog) {
        await claimBatchWindow(this.o.concurrency - this.inFlight.size, this.o.concurrency);
      }
      const free = this.o.concurrency - this.inFlight.size;
      let full = false;
      if (free > 0) {
        this.wakePending = false;
        try {
          const rows = await claimSends(this.o.db, { workerId: this.o.workerId, limit: Math.min(free, 32) });
          for (const r of rows) {
            const p: Promise<void> = this.send(r).finally(() => {
              this.inFlight.delete(p);
              this.notify();
            });
            this.inFlight.add(p);
          }
          full = rows.length === Math.min(free, 32);
          this.backlog = full;
        } catch (err) {
          this.o.logger.error({ err }, "outbox claim failed");
          await new Promise((r) => setTimeout(r, 500));
        }
      }
      // Only go round again with a free slot (see JobRunner.loop: otherwise this would spin).
      if (this.inFlight.size < this.o.concurrency && (full || this.wakePending)) {
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.o.pollMs ?? 1_000);
        this.wakeResolve = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeResolve = undefined;
    }
  }

  private token(row: ClaimedSend): string {
    const cached = this.tokens.get(row.numberId);
    if (cached?.version === row.numberUpdatedAt) {
      return cached.token;
    }
    const token = decryptSecret(this.o.secretKey, row.accessTokenEnc);
    this.tokens.set(row.numberId, { version: row.numberUpdatedAt, token });
    return token;
  }

  private async audit(row: ClaimedSend, type: string, data: Record<string, unknown>, db: Executor = this.o.db) {
    await insertAuditEvent(db, {
      tenantId: row.tenantId,
      actor: { type: "worker", label: this.o.workerId },
      type,
      subjectType: "outbox_message",
      subjectId: row.id,
      data: { conversationId: row.conversationId, kind: row.kind, attempts: row.attempts, ...data },
    });
  }

  /** The 24-hour rule: returns the payload to send, or null when the row was blocked. */
  private async applyWindow(row: ClaimedSend): Promise<{ kind: string; payload: Record<string, unknown> } | null> {
    if (!row.conversationId || !FREE_FORM.has(row.kind)) {
      return { kind: row.kind, payload: row.payload };
    }
    const now = this.o.now?.() ?? Date.now();
    const last = row.lastCustomerMessageAt ? Date.parse(row.lastCustomerMessageAt) : NaN;
    if (Number.isFinite(last) && now - last < (this.o.windowMs ?? SERVICE_WINDOW_MS)) {
      return { kind: row.kind, payload: row.payload };
    }
    const bundle = row.activeVersionId ? (await this.o.bundles.get(this.o.db, row.activeVersionId))?.bundle : undefined;
    const tpl = bundle?.templates.reengagement;
    const body = tpl ? await templateBody(this.o.db, { tenantId: row.tenantId, name: tpl.name, language: tpl.language }) : null;
    if (!tpl || body === null) {
      await this.o.db.transaction(async (tx) => {
        await markFinal(tx, {
          id: row.id,
          workerId: this.o.workerId,
          status: "blocked",
          code: 131047,
          error: tpl ? `template ${tpl.name}/${tpl.language} is not approved for this tenant` : "outside the 24-hour window and no re-engagement template",
          block: tpl ? { reason: "template_not_approved", template: tpl.name } : { reason: "no_template", template: null },
        });
        await this.audit(row, "send.blocked", { reason: "24h window closed", template: tpl?.name ?? null }, tx);
      });
      return null;
    }
    const params = [...new Set(body.match(/\{\{\s*\d+\s*\}\}/g) ?? [])].length;
    const name = row.customerName?.split(/\s+/)[0] || (tpl.language.startsWith("pt") ? "tudo bem" : "there");
    const payload: Record<string, unknown> = {
      type: "template",
      template: {
        name: tpl.name,
        language: { code: tpl.language },
        ...(params > 0
          ? { components: [{ type: "body", parameters: Array.from({ length: params }, (_, i) => ({ type: "text", text: i === 0 ? name : "-" })) }] }
          : {}),
      },
    };
    await this.o.db.transaction(async (tx) => {
      await rewriteAsTemplate(tx, { id: row.id, workerId: this.o.workerId, payload });
      await this.audit(row, "send.template_substituted", { template: tpl.name, language: tpl.language }, tx);
    });
    return { kind: "template", payload };
  }

  private async send(row: ClaimedSend): Promise<void> {
    const log = this.o.logger.child({ outboxId: row.id, tenantId: row.tenantId, conversationId: row.conversationId });
    let outcome: Outcome;
    const progress = { requested: false };
    try {
      outcome = await this.deliver(row, log, progress);
    } catch (err) {
      if (!progress.requested && isConnectionLoss(err)) {
        // The database went away before anything was sent (a restart, a failover): nothing is
        // ambiguous, so the send goes again a second after the database answers again (the row is put
        // back as soon as it can be; past the reaper's horizon the reaper takes it back), without
        // spending an attempt.
        log.warn({ err }, "database connection lost before the send; it goes again");
        await retryWhileUnreachable(
          () =>
            markRetry(this.o.db, {
              id: row.id,
              workerId: this.o.workerId,
              delayMs: 1_000,
              code: null,
              error: describeFailure(err),
              countAttempt: false,
            }),
          { forMs: this.sendTimeoutMs, stopped: () => this.stopping },
        ).catch(() => undefined);
        this.o.onSend?.("retry");
        return;
      }
      if (!progress.requested) {
        // Our own failure before anything left (a statement cancelled or timed out, a bundle or
        // template that cannot be read): nothing can have reached Meta, so nothing is ambiguous. It
        // is an ordinary failed attempt: retried with backoff, dead-lettered past the limit.
        outcome = await this.failBeforeRequest(row, err, log).catch((e: unknown) => {
          log.error({ err: e }, "settling a failed send failed; the reaper will take the row back");
          return "retry" as const;
        });
      } else {
        // Our own failure after the request left (the "sent" settle failed, say): ambiguous, so
        // nothing is re-sent blindly; the status callbacks or the grace period settle it.
        log.error({ err }, "send crashed after the request");
        await markAmbiguous(this.o.db, { id: row.id, workerId: this.o.workerId, graceMs: this.graceMs, error: describeFailure(err) }).catch(
          () => undefined,
        );
        outcome = "ambiguous";
      }
    }
    this.o.onSend?.(outcome);
  }

  private async deliver(row: ClaimedSend, log: Logger, progress: { requested: boolean }): Promise<Outcome> {
    const { db, workerId } = this.o;
    const baseUrl = row.numberKind === "sandbox" ? (this.o.graph.sandboxBaseUrl ?? this.o.graph.baseUrl) : this.o.graph.baseUrl;
    if (row.author === "bot" && row.conversationMode !== null && row.conversationMode !== "bot") {
      // A bot reply made stale by a handoff (a human owns the conversation now): never sent. The
      // customer's message is still marked as read.
      await this.readReceipt(row, baseUrl, log);
      await db.transaction(async (tx) => {
        await markFinal(tx, { id: row.id, workerId, status: "cancelled", code: null, error: `conversation is ${row.conversationMode}` });
        await this.audit(row, "send.stale_cancelled", { mode: row.conversationMode }, tx);
      });
      return "blocked";
    }
    let token: string;
    try {
      token = this.token(row);
    } catch (err) {
      // Not Meta's doing and not worth a retry: a token saved under another LX_SECRET_KEY (or
      // damaged) fails the same way every time. The number waits, paused, for an operator.
      const error = `the number's access token cannot be decrypted: is LX_SECRET_KEY the key it was saved with? (${describeFailure(err)})`;
      return await this.pause(row, null, error, log);
    }
    if (row.priorStatus === "ambiguous") {
      await this.audit(row, "send.ambiguous_resend", { graceMs: this.graceMs });
    }
    const windowed = await this.applyWindow(row);
    if (!windowed) {
      return "blocked";
    }
    const body: Record<string, unknown> =
      windowed.kind === "mark_read"
        ? { messaging_product: "whatsapp", ...windowed.payload }
        : {
            messaging_product: "whatsapp",
            recipient_type: "individual",
            ...recipientField(row.recipient),
            ...windowed.payload,
            biz_opaque_callback_data: String(row.id),
          };
    // The read receipt this reply carries goes out alongside it (not before: no added latency).
    const receipt = windowed.kind === "template" ? undefined : this.readReceipt(row, baseUrl, log);
    progress.requested = true;
    const res: GraphSendResult = await sendToGraph({
      baseUrl,
      apiVersion: this.o.graph.apiVersion,
      phoneNumberId: row.metaPhoneNumberId,
      token,
      body,
      timeoutMs: this.sendTimeoutMs,
    });
    await receipt;
    if (res.ok) {
      // Meta accepted it and we hold its wamid: nothing about it is ambiguous. A connection lost while
      // recording that (a restart, a failover) is retried — the settle is idempotent — instead of
      // leaving the row to the ambiguous path, which re-sends after the grace period when the status
      // callbacks did not get through the same outage either (a duplicate the customer would see).
      // It is retried until that re-send could happen: past the reaper's horizon and the grace
      // period, a settle still lands on the ambiguous row (markSentMany) and stops the re-send.
      await retryWhileUnreachable(() => this.sent.add({ id: row.id, wamid: res.wamid }), {
        forMs: this.stuckAfterMs + this.graceMs,
        stopped: () => this.stopping,
      });
      // Read receipts are logged at debug: one info line per delivered message is enough.
      log[windowed.kind === "mark_read" ? "debug" : "info"]({ wamid: res.wamid, kind: windowed.kind }, "sent");
      return "sent";
    }
    if (res.kind === "ambiguous") {
      await db.transaction(async (tx) => {
        await markAmbiguous(tx, { id: row.id, workerId, graceMs: this.graceMs, error: res.message });
        await this.audit(row, "send.ambiguous", { error: res.message }, tx);
      });
      log.warn({ error: res.message }, "ambiguous send: waiting for a status callback before any re-send");
      return "ambiguous";
    }
    const code = res.kind === "meta" ? res.code : null;
    const action = res.kind === "unsent" ? "retry" : classifyMetaError(code, res.httpStatus);
    const error = res.message;
    if (action === "pause_number") {
      return await this.pause(row, code, error, log);
    }
    if (action === "window_closed" && row.conversationId && FREE_FORM.has(windowed.kind)) {
      // Meta says the window closed (our clock or Meta's differ): take the template path next time.
      await markRetry(db, { id: row.id, workerId, delayMs: 0, code, error, countAttempt: false });
      await db.$client`update conversations set last_customer_message_at = null where id = ${row.conversationId}::uuid`;
      return "retry";
    }
    // 131047 on a send the window does not govern (a template — the template path already taken —
    // a read receipt, or a send of no conversation): there is nothing else to send instead, and
    // Meta's table says not to retry it ("no; send a template instead"). Put back at once it would
    // be re-sent unchanged forever, so it is dead-lettered like the other non-retryable codes.
    const permanent = action === "permanent" || action === "window_closed";
    // A retryable failure (5xx/429, network, Meta's transient codes) is retried past the attempt
    // limit while the row is within its time budget (SEND_RETRY_BUDGET_MS from when it was written):
    // an outage or throughput limit of minutes must not dead-letter every reply written meanwhile.
    const delayMs =
      action === "retry" || action === "retry_recipient"
        ? sendRetryDelayMs({
            action,
            attempts: row.attempts,
            maxAttempts: row.maxAttempts,
            ageMs: row.ageMs,
            retryAfterMs: res.kind === "meta" ? res.retryAfterMs : undefined,
            baseMs: this.o.retryBaseMs ?? 1000,
          })
        : null;
    if (permanent || delayMs === null) {
      await db.transaction(async (tx) => {
        await markFinal(tx, { id: row.id, workerId, status: "dead", code, error });
        await this.audit(row, "send.dead", { code, error, permanent, ...(permanent ? {} : { ageMs: Math.round(row.ageMs) }) }, tx);
      });
      log.error({ code, error, attempts: row.attempts, ageMs: Math.round(row.ageMs) }, "send dead-lettered");
      return "dead";
    }
    await markRetry(db, { id: row.id, workerId, delayMs, code, error });
    log.warn({ code, error, attempts: row.attempts, delayMs }, "send failed; will retry");
    return "retry";
  }

  /** A failure of ours before the Graph request: a counted attempt, as a retryable Meta error is. */
  private async failBeforeRequest(row: ClaimedSend, err: unknown, log: Logger): Promise<Outcome> {
    const { db, workerId } = this.o;
    const error = `failed before the request to Meta: ${describeFailure(err)}`;
    if (row.attempts >= row.maxAttempts) {
      await db.transaction(async (tx) => {
        await markFinal(tx, { id: row.id, workerId, status: "dead", code: null, error });
        await this.audit(row, "send.dead", { code: null, error, permanent: false }, tx);
      });
      log.error({ err, attempts: row.attempts }, "send dead-lettered: it failed before the request on its last attempt");
      return "dead";
    }
    const delayMs = backoffMs(row.attempts, { baseMs: this.o.retryBaseMs ?? 1000 });
    await markRetry(db, { id: row.id, workerId, delayMs, code: null, error });
    log.error({ err, attempts: row.attempts, delayMs }, "send failed before the request; will retry");
    return "retry";
  }

  /**
   * Pauses the number's sends (token or account problem): this send goes back to the queue without
   * spending an attempt, and the first pause is audited. An operator resumes the number.
   */
  private async pause(row: ClaimedSend, code: number | null, error: string, log: Logger): Promise<Outcome> {
    const { db, workerId } = this.o;
    const paused = await db.transaction(async (tx) => {
      await markRetry(tx, { id: row.id, workerId, delayMs: 0, code, error, countAttempt: false });
      const first = await pauseNumber(tx, { numberId: row.numberId, reason: code === null ? error : `Meta error ${code}: ${error}` });
      if (first) {
        await this.audit(row, "number.paused", { code, error, numberId: row.numberId }, tx);
      }
      return first;
    });
    if (paused) {
      log.error({ code, error }, "token or account problem: sends of this number are paused");
    }
    return "paused";
  }

  /**
   * Marks the customer message a reply answers as read (`read_receipt_for`). Best effort and never
   * throws: a receipt is cosmetic, so it is not retried on its own; if the reply is retried, its
   * receipt is sent again (Meta accepts a repeat).
   */
  private async readReceipt(row: ClaimedSend, baseUrl: string, log: Logger): Promise<void> {
    if (!row.readReceiptFor) {
      return;
    }
    try {
      const res = await sendToGraph({
        baseUrl,
        apiVersion: this.o.graph.apiVersion,
        phoneNumberId: row.metaPhoneNumberId,
        token: this.token(row),
        body: { messaging_product: "whatsapp", status: "read", message_id: row.readReceiptFor },
        timeoutMs: this.sendTimeoutMs,
      });
      if (!res.ok) {
        log.warn({ receiptFor: row.readReceiptFor, error: res.message }, "read receipt not accepted");
      }
    } catch (err) {
      log.warn({ err, receiptFor: row.readReceiptFor }, "read receipt failed");
    }
  }

  private async reap(): Promise<void> {
    try {
      const stuck = await reapStuckSends(this.o.db, { olderThanMs: this.stuckAfterMs, graceMs: this.graceMs });
      if (stuck.length > 0) {
        this.o.logger.warn({ ids: stuck.map((s) => s.id) }, "sends left mid-request by a stopped worker are now ambiguous");
      }
    } catch (err) {
      this.o.logger.error({ err }, "outbox reap failed");
    }
  }
}
