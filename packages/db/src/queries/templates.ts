import { sql } from "drizzle-orm";

import type { Executor } from "../client.ts";
import type { TEMPLATE_STATUSES } from "../schema/_enums.ts";
import { insertAuditEvent } from "./audit.ts";

type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];

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
        actor: { type: "meta", label: "meta" },
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
