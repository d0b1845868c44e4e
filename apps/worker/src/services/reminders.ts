import { sql } from "drizzle-orm";

import type { Executor } from "@lx/db/client";
import { dueWithConversationHead, insertAuditEvent, isoText } from "@lx/db/queries";
import { REMINDER_OFFSET_MAX_MINUTES } from "@lx/shared/schemas";

/** One due (appointment, offset) the scan found. */
type DueRow = {
  appointment_id: string;
  tenant_id: string;
  conversation_id: string;
  starts_at: string;
  service: string | null;
  name: string | null;
  customer_key: string;
  number_id: string;
  version_id: string;
  template: { name: string; language: string } | null;
  template_body: string | null;
  time_zone: string;
  language: string;
  offset_minutes: number;
};

export type ReminderScan = {
  /** Reminders queued to the outbox (one per appointment at most). */
  queued: number;
  /** Earlier offsets passed over because a later one was due at the same scan (never sent). */
  skipped: number;
  /** Due reminders that could not be sent: no approved reminder template. */
  blocked: number;
};

/**
 * The reminders plugin (PRODUCT.md 14): finds appointments whose reminder is due — `starts_at -
 * offset` has passed, the appointment has not started, and it was booked before that moment — and
 * queues the agent's reminder template to the customer through the outbox, once per appointment and
 * offset, ever: `reminder_deliveries (appointment_id, offset_minutes)` is unique and written in the
 * same transaction as the outbox row, so two workers scanning at once, or a scan repeated after a
 * crash, queue nothing twice. When several offsets are due at one scan (the scanner was down, or the
 * appointment was booked late), only the one closest to the appointment is sent; the earlier ones are
 * recorded as passed over. The offsets and the template come from the conversation's agent's active
 * version; the template must be approved for the tenant.
 *
 * Template parameters, in order: {{1}} the customer's first name, {{2}} the service (else
 * "consulta"/"appointment"), {{3}} the day and time in the agent's zone and language.
 */
export async function scanReminders(db: Executor, o: { now: Date; workerId: string }): Promise<ReminderScan> {
  const now = o.now.toISOString();
  const rows = await db.execute<DueRow>(sql`
    select a.id as appointment_id, a.tenant_id, a.conversation_id, ${isoText(sql`a.starts_at`)} as starts_at, a.service,
           coalesce(a.customer_name, c.customer_name) as name, c.customer_key, c.phone_number_id as number_id,
           av.id as version_id, av.bundle->'templates'->'reminder' as template,
           (select t.body from templates t
            where t.tenant_id = a.tenant_id and t.status = 'approved'
              and t.name = av.bundle->'templates'->'reminder'->>'name'
              and t.language = av.bundle->'templates'->'reminder'->>'language') as template_body,
           av.bundle->'agent'->>'timezone' as time_zone, av.bundle->'agent'->>'language' as language,
           o.offset_minutes
    from appointments a
    -- A paused or archived tenant sends nothing on its own, reminders included.
    join tenants tn on tn.id = a.tenant_id and tn.status = 'active'
    join conversations c on c.id = a.conversation_id
    join phone_numbers n on n.id = c.phone_number_id
    join agents ag on ag.id = coalesce(c.agent_id, n.agent_id)
    join agent_versions av on av.id = ag.active_version_id
    cross join lateral (
      select x::int as offset_minutes
      from jsonb_array_elements_text(coalesce(av.bundle->'plugins'->'reminders'->'offsetsMinutes', '[]'::jsonb)) x
    ) o
    where a.status in ('booked', 'confirmed')
      and a.starts_at > ${now}::timestamptz
      -- No offset reaches further than the spec allows (30 days): the index reads only this window.
      and a.starts_at <= ${now}::timestamptz + make_interval(mins => ${REMINDER_OFFSET_MAX_MINUTES})
      and a.starts_at - make_interval(mins => o.offset_minutes) <= ${now}::timestamptz
      and a.starts_at - make_interval(mins => o.offset_minutes) >= a.created_at
      and not exists (select 1 from reminder_deliveries d where d.appointment_id = a.id and d.offset_minutes = o.offset_minutes)
    order by a.id, o.offset_minutes`);
  const byAppointment = new Map<string, DueRow[]>();
  for (const r of rows) {
    byAppointment.set(r.appointment_id, [...(byAppointment.get(r.appointment_id) ?? []), r]);
  }
  const scan: ReminderScan = { queued: 0, skipped: 0, blocked: 0 };
  for (const due of byAppointment.values()) {
    const [send, ...passed] = due;
    const outcome = send ? await queueReminder(db, send, passed, o.workerId) : null;
    if (outcome) {
      scan[outcome]++;
      scan.skipped += passed.length;
    }
  }
  return scan;
}

/** Queues one reminder (and passes over the earlier offsets); null when another scanner claimed them first. */
async function queueReminder(db: Executor, r: DueRow, passed: DueRow[], workerId: string): Promise<"queued" | "blocked" | null> {
  return db.transaction(async (tx) => {
    // Claim every due offset of the appointment; another scanner that got there first wins them all.
    const claimed = await tx.execute<{ offset_minutes: number }>(sql`
      insert into reminder_deliveries (appointment_id, offset_minutes)
      select ${r.appointment_id}::uuid, x from unnest(${`{${[r, ...passed].map((p) => p.offset_minutes).join(",")}}`}::int[]) x
      on conflict (appointment_id, offset_minutes) do nothing
      returning offset_minutes`);
    if (!claimed.some((c) => c.offset_minutes === r.offset_minutes)) {
      return null;
    }
    const audit = (type: string, data: Record<string, unknown>) =>
      insertAuditEvent(tx, {
        tenantId: r.tenant_id,
        actor: { type: "worker", label: workerId },
        type,
        subjectType: "conversation",
        subjectId: r.conversation_id,
        data: { appointmentId: r.appointment_id, offsetMinutes: r.offset_minutes, startsAt: r.starts_at, ...data },
      });
    if (!r.template || r.template_body === null) {
      await audit("reminder.blocked", { reason: r.template ? `template ${r.template.name}/${r.template.language} is not approved` : "no reminder template" });
      return "blocked";
    }
    const params = reminderParameters(r);
    const count = new Set(r.template_body.match(/\{\{\s*\d+\s*\}\}/g) ?? []).size;
    const text = r.template_body.replace(/\{\{\s*(\d+)\s*\}\}/g, (_, n: string) => params[Number(n) - 1] ?? "-");
    const payload = {
      type: "template",
      template: {
        name: r.template.name,
        language: { code: r.template.language },
        ...(count > 0
          ? { components: [{ type: "body", parameters: Array.from({ length: count }, (_, i) => ({ type: "text", text: params[i] ?? "-" })) }] }
          : {}),
      },
    };
    const [row] = await tx.execute<{ outbox_id: string }>(sql`
      with msg as (
        insert into messages (tenant_id, conversation_id, direction, author, type, body, agent_version_id)
        values (${r.tenant_id}::uuid, ${r.conversation_id}::uuid, 'out', 'bot', 'template', ${text}, ${r.version_id}::uuid)
        returning id
      ),
      ob as (
        insert into outbox_messages (tenant_id, conversation_id, phone_number_id, message_id, kind, recipient, payload,
                                     next_attempt_at)
        select ${r.tenant_id}::uuid, ${r.conversation_id}::uuid, ${r.number_id}::uuid, msg.id, 'template', ${r.customer_key},
               ${JSON.stringify(payload)}::jsonb, ${dueWithConversationHead(sql`${r.conversation_id}::uuid`)}
        from msg
        returning id
      )
      update reminder_deliveries d set outbox_message_id = ob.id::text
      from ob where d.appointment_id = ${r.appointment_id}::uuid and d.offset_minutes = ${r.offset_minutes}
      returning ob.id::text as outbox_id`);
    await audit("reminder.queued", { outboxId: row?.outbox_id ?? null, template: r.template.name, passedOver: passed.map((p) => p.offset_minutes) });
    return "queued";
  });
}

function reminderParameters(r: DueRow): string[] {
  const pt = r.language.toLowerCase().startsWith("pt");
  const first = r.name?.trim().split(/\s+/)[0];
  const when = new Intl.DateTimeFormat(r.language, {
    timeZone: r.time_zone,
    weekday: "short",
    day: "2-digit",
    month: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(r.starts_at));
  return [first || (pt ? "tudo bem" : "there"), r.service ?? (pt ? "consulta" : "appointment"), when];
}
