import { sql } from "drizzle-orm";

import { AppError } from "@lx/shared/errors";
import { PLATFORM_ACTORS } from "@lx/shared/schemas";

import type { Executor } from "../client.ts";
import type { TEMPLATE_STATUSES } from "../schema/_enums.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";
import { isoText } from "./conversations.ts";

type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];

/** Meta, as the actor of the changes its webhooks make. */
const META: AuditActor = PLATFORM_ACTORS.meta;

/**
 * Meta's template events (`message_template_status_update`) → the status we keep. Only `approved`
 * templates are sent; an event not listed (FLAGGED: a warning before a pause) changes nothing and
 * is audited all the same.
 */
const EVENT_STATUS: Record<string, TemplateStatus | undefined> = {
  APPROVED: "approved",
  REINSTATED: "approved",
  PENDING: "pending",
  IN_APPEAL: "pending",
  REJECTED: "rejected",
  PAUSED: "paused",
  DISABLED: "disabled",
  PENDING_DELETION: "disabled",
  DELETED: "disabled",
  ARCHIVED: "disabled",
};

/**
 * Applies a template status change Meta sent for a WABA to the template of that name and language of
 * every tenant with a number in that WABA (`phone_numbers.waba_id`), audited `template.status_changed`
 * per template with the event, Meta's reason and the status before and after. Returns how many
 * templates it found (0: no number names the WABA, or no tenant declared the template).
 */
export async function applyTemplateStatusChange(
  db: Executor,
  p: { wabaId: string; name: string; language: string; event: string; reason: string | null; requestId?: string },
): Promise<number> {
  const status = EVENT_STATUS[p.event.toUpperCase()];
  return db.transaction(async (tx) => {
    const found = await tx.execute<{ id: string; tenant_id: string; status: TemplateStatus }>(sql`
      select t.id, t.tenant_id, t.status from templates t
      where t.name = ${p.name} and t.language = ${p.language}
        and t.tenant_id in (select n.tenant_id from phone_numbers n where n.waba_id = ${p.wabaId})
      for update`);
    for (const t of found) {
      if (status && status !== t.status) {
        await tx.execute(sql`update templates set status = ${status}, updated_at = now() where id = ${t.id}::uuid`);
      }
      await insertAuditEvent(tx, {
        tenantId: t.tenant_id,
        actor: META,
        type: "template.status_changed",
        subjectType: "template",
        subjectId: t.id,
        before: { status: t.status },
        after: { status: status ?? t.status },
        data: { name: p.name, language: p.language, event: p.event, reason: p.reason, wabaId: p.wabaId },
        requestId: p.requestId,
      });
    }
    return found.length;
  });
}

/**
 * Meta's webhooks name the WABA a number belongs to (`entry[].id`): the number keeps it, so its
 * tenant's templates follow Meta's status changes with nothing to configure. Written only when it
 * differs from what the number holds (once per number, or when Meta moved it to another WABA; the
 * number directory is told by the phone_numbers trigger), audited `number.waba_recorded`. Returns
 * whether it changed anything.
 */
export async function recordNumberWaba(
  db: Executor,
  p: { tenantId: string; numberId: string; phoneNumberId: string; wabaId: string; requestId?: string },
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx.execute<{ before: string | null }>(sql`
      update phone_numbers n set waba_id = ${p.wabaId}, updated_at = now()
      from phone_numbers old
      where old.id = n.id and n.id = ${p.numberId}::uuid and n.waba_id is distinct from ${p.wabaId}
      returning old.waba_id as before`);
    if (!row) {
      return false;
    }
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: META,
      type: "number.waba_recorded",
      subjectType: "phone_number",
      subjectId: p.phoneNumberId,
      before: { wabaId: row.before },
      after: { wabaId: p.wabaId },
      requestId: p.requestId,
    });
    return true;
  });
}

export type TenantTemplate = {
  id: string;
  name: string;
  language: string;
  category: string;
  purpose: string | null;
  body: string;
  status: TemplateStatus;
  updatedAt: string;
  /** Meta's latest status change of it (`template.status_changed`), when there was one. */
  lastChange: { event: string | null; reason: string | null; at: string } | null;
  /** Agents whose active version sends it (as its re-engagement or reminder template), by slug. */
  usedBy: { agentSlug: string; purpose: "reengagement" | "reminder" }[];
};

export type TenantTemplates = {
  templates: TenantTemplate[];
  /** Whether any number of the tenant has its WABA id: without one, Meta's status changes reach no template. */
  wabaKnown: boolean;
  /** Templates an active version names that the tenant does not have at all (blocked like a paused one). */
  missing: { agentSlug: string; purpose: "reengagement" | "reminder"; name: string; language: string }[];
};

type TemplateRef = { slug: string; purpose: "reengagement" | "reminder"; name: string; language: string };

/** The templates the tenant's active versions send (re-engagement, reminder), by agent slug. */
async function activeTemplateRefs(db: Executor, tenantId: string): Promise<TemplateRef[]> {
  return db.execute<TemplateRef>(sql`
    select a.slug, r.purpose, r.ref ->> 'name' as name, r.ref ->> 'language' as language
    from agents a
    join agent_versions v on v.id = a.active_version_id and v.agent_id = a.id
    cross join lateral (values ('reengagement', v.bundle -> 'templates' -> 'reengagement'),
                               ('reminder', v.bundle -> 'templates' -> 'reminder')) r(purpose, ref)
    where a.tenant_id = ${tenantId}::uuid and jsonb_typeof(r.ref) = 'object'
    order by a.slug, r.purpose`);
}

/**
 * A tenant's templates with their status at Meta, Meta's latest change and which active agents send
 * them: a paused template an agent relies on means its replies outside the 24-hour window are blocked.
 */
export async function listTenantTemplates(db: Executor, p: { tenantId: string }): Promise<TenantTemplates> {
  const t = sql`${p.tenantId}::uuid`;
  const rows = await db.execute<{
    id: string;
    name: string;
    language: string;
    category: string;
    purpose: string | null;
    body: string;
    status: TemplateStatus;
    updated_at: string;
    event: string | null;
    reason: string | null;
    changed_at: string | null;
  }>(sql`
    select t.id, t.name, t.language, t.category, t.purpose, t.body, t.status,
           ${isoText(sql`t.updated_at`)} as updated_at,
           e.data ->> 'event' as event, e.data ->> 'reason' as reason, ${isoText(sql`e.created_at`)} as changed_at
    from templates t
    left join lateral (
      select x.data, x.created_at from audit_events x
      where x.tenant_id = t.tenant_id and x.type = 'template.status_changed' and x.subject_id = t.id::text
      order by x.created_at desc, x.id desc limit 1
    ) e on true
    where t.tenant_id = ${t}
    order by t.name, t.language`);
  const refs = await activeTemplateRefs(db, p.tenantId);
  const [waba] = await db.execute<{ known: boolean }>(sql`
    select exists (select 1 from phone_numbers where tenant_id = ${t} and waba_id is not null) as known`);
  const key = (name: string, language: string) => `${name}\u0000${language}`;
  const byKey = new Map(rows.map((r) => [key(r.name, r.language), r]));
  const usedBy = new Map<string, TenantTemplate["usedBy"]>();
  const missing: TenantTemplates["missing"] = [];
  for (const ref of refs) {
    const k = key(ref.name, ref.language);
    if (!byKey.has(k)) {
      missing.push({ agentSlug: ref.slug, purpose: ref.purpose, name: ref.name, language: ref.language });
      continue;
    }
    usedBy.set(k, [...(usedBy.get(k) ?? []), { agentSlug: ref.slug, purpose: ref.purpose }]);
  }
  return {
    templates: rows.map((r) => ({
      id: r.id,
      name: r.name,
      language: r.language,
      category: r.category,
      purpose: r.purpose,
      body: r.body,
      status: r.status,
      updatedAt: r.updated_at,
      lastChange: r.changed_at ? { event: r.event, reason: r.reason, at: r.changed_at } : null,
      usedBy: usedBy.get(key(r.name, r.language)) ?? [],
    })),
    wabaKnown: waba?.known ?? false,
    missing,
  };
}

type TemplateFields = { category: string; purpose?: string | null; body: string };

const templateRef = (t: { name: string; language: string }) => `${t.name} (${t.language})`;

/**
 * Declares a template Meta approved for the tenant (as the apply file's `templates[]` does), audited
 * `template.created`. CONFLICT when the tenant already has one of that name and language.
 */
export async function createTemplate(
  db: Executor,
  p: { tenantId: string; template: TemplateFields & { name: string; language: string }; actor: AuditActor; requestId?: string },
): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const [row] = await tx.execute<{ id: string }>(sql`
      insert into templates (tenant_id, name, language, category, purpose, body)
      values (${p.tenantId}::uuid, ${p.template.name}, ${p.template.language}, ${p.template.category},
              ${p.template.purpose ?? null}, ${p.template.body})
      on conflict (tenant_id, name, language) do nothing
      returning id`);
    if (!row) {
      throw new AppError("CONFLICT", { message: `the tenant already has template ${templateRef(p.template)}` });
    }
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: p.actor,
      type: "template.created",
      subjectType: "template",
      subjectId: row.id,
      after: { ...p.template, purpose: p.template.purpose ?? null },
      requestId: p.requestId,
    });
    return row;
  });
}

/**
 * Changes a declared template's category, use or text (its status at Meta stays: Meta's webhooks
 * move it), audited `template.updated` with what it was. NOT_FOUND for another tenant's.
 */
export async function updateTemplate(
  db: Executor,
  p: { tenantId: string; templateId: string; template: TemplateFields; actor: AuditActor; requestId?: string },
): Promise<{ changed: boolean }> {
  return db.transaction(async (tx) => {
    const [old] = await tx.execute<{ category: string; purpose: string | null; body: string }>(sql`
      select category, purpose, body from templates
      where id = ${p.templateId}::uuid and tenant_id = ${p.tenantId}::uuid
      for update`);
    if (!old) {
      throw new AppError("NOT_FOUND", { message: "no such template" });
    }
    const next = { category: p.template.category, purpose: p.template.purpose ?? null, body: p.template.body };
    if (old.category === next.category && old.purpose === next.purpose && old.body === next.body) {
      return { changed: false };
    }
    await tx.execute(sql`
      update templates set category = ${next.category}, purpose = ${next.purpose}, body = ${next.body}, updated_at = now()
      where id = ${p.templateId}::uuid`);
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: p.actor,
      type: "template.updated",
      subjectType: "template",
      subjectId: p.templateId,
      before: old,
      after: next,
      requestId: p.requestId,
    });
    return { changed: true };
  });
}

/**
 * Removes a declared template, audited `template.removed` with what it was. Refused (INVALID_STATE)
 * while an active version sends it: that agent's replies outside the window would be blocked — publish
 * and activate a version without it first. NOT_FOUND for another tenant's.
 */
export async function removeTemplate(
  db: Executor,
  p: { tenantId: string; templateId: string; actor: AuditActor; requestId?: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    const [old] = await tx.execute<{ name: string; language: string; category: string; purpose: string | null; body: string; status: string }>(sql`
      select name, language, category, purpose, body, status from templates
      where id = ${p.templateId}::uuid and tenant_id = ${p.tenantId}::uuid
      for update`);
    if (!old) {
      throw new AppError("NOT_FOUND", { message: "no such template" });
    }
    const uses = (await activeTemplateRefs(tx, p.tenantId)).filter((r) => r.name === old.name && r.language === old.language);
    if (uses.length > 0) {
      throw new AppError("INVALID_STATE", {
        message: `${templateRef(old)} is sent by the active version of ${uses.map((u) => `${u.slug} (${u.purpose})`).join(", ")}: activate a version without it first`,
      });
    }
    await tx.execute(sql`delete from templates where id = ${p.templateId}::uuid`);
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: p.actor,
      type: "template.removed",
      subjectType: "template",
      subjectId: p.templateId,
      before: old,
      requestId: p.requestId,
    });
  });
}

/**
 * What a compile preview adds to the compiler's warnings from the tenant's templates: a template
 * the spec names that the tenant has not declared, or one Meta does not have approved (its sends
 * would be blocked). English, like the compiler's (the console translates both).
 */
export async function templateWarnings(
  db: Executor,
  p: { tenantId: string; templates: Record<string, { name: string; language: string } | null> },
): Promise<string[]> {
  const named = Object.entries(p.templates).filter((e): e is [string, { name: string; language: string }] => e[1] !== null);
  if (named.length === 0) {
    return [];
  }
  const rows = await db.execute<{ name: string; language: string; status: TemplateStatus }>(sql`
    select name, language, status from templates
    where tenant_id = ${p.tenantId}::uuid and name in (${sql.join(
      named.map(([, ref]) => sql`${ref.name}`),
      sql`, `,
    )})`);
  return named.flatMap(([purpose, ref]) => {
    const row = rows.find((r) => r.name === ref.name && r.language === ref.language);
    if (!row) {
      return [`templates.${purpose} names ${templateRef(ref)}, which the tenant has not declared: those sends will be blocked.`];
    }
    return row.status === "approved"
      ? []
      : [`templates.${purpose} names ${templateRef(ref)}, which is ${row.status} at Meta: those sends are blocked until Meta approves it.`];
  });
}
