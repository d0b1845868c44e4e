import { sql } from "drizzle-orm";

import type { Executor } from "../client.ts";
import { isoText } from "./conversations.ts";

/**
 * The "setup delivered" checklist of a tenant (PRODUCT.md "Delivery"), each item computed from what
 * the system recorded — never ticked by hand:
 * 1. an official number answered through the API: an outbox text row of the tenant reached delivered
 *    or read on a `meta` number (on a `sandbox` number it counts for the demo, labelled as such) —
 *    recorded as the number's `first_answered_at`;
 * 2. an agent has a version ≥ 1.0.0 active;
 * 3. the handoff test passed (audit `handoff_test.passed`);
 * 4. a client of the tenant signed in (audit `auth.login` with role client);
 * 5. a client saw the metrics (audit `metrics.viewed` with role client).
 */

export const SETUP_ITEM_KEYS = [
  "number_answered",
  "version_active",
  "handoff_test",
  "client_login",
  "client_metrics",
] as const;
export type SetupItemKey = (typeof SETUP_ITEM_KEYS)[number];

/** done: checked; sandbox: checked through the sandbox number only (demo); pending: not yet. */
export type SetupItemStatus = "done" | "sandbox" | "pending";

export type SetupItem = {
  key: SetupItemKey;
  status: SetupItemStatus;
  /** When the evidence happened (the first delivery, the activation, the test, the sign-in…). */
  at: string | null;
  /** The evidence in a few words: the number, the version, who. */
  evidence: string | null;
};

export type SetupChecklist = { items: SetupItem[]; complete: boolean; sandboxOnly: boolean };

type Evidence = { at: string | null; evidence: string | null };

async function latestAudit(
  db: Executor,
  p: { tenantId: string; type: string; clientOnly?: boolean },
): Promise<Evidence | null> {
  const [row] = await db.execute<{ at: string | null; actor_label: string }>(sql`
    select ${isoText(sql`e.created_at`)} as at, e.actor_label
    from audit_events e
    where e.tenant_id = ${p.tenantId}::uuid and e.type = ${p.type}
      ${p.clientOnly ? sql`and e.data ->> 'role' = 'client'` : sql``}
    order by e.created_at desc, e.id desc limit 1`);
  return row ? { at: row.at, evidence: row.actor_label } : null;
}

export async function getSetupChecklist(db: Executor, p: { tenantId: string }): Promise<SetupChecklist> {
  // Recorded on the number by the status callback that first moved one of its texts to delivered or
  // read (applyStatusUpdates): aggregating the outbox here read every answer the tenant ever sent, at
  // every poll of the page.
  const answered = await db.execute<{ kind: "meta" | "sandbox"; display_phone_number: string; at: string | null }>(sql`
    select n.kind, n.display_phone_number, ${isoText(sql`n.first_answered_at`)} as at
    from phone_numbers n
    where n.tenant_id = ${p.tenantId}::uuid and n.first_answered_at is not null
    order by n.first_answered_at`);
  const official = answered.find((r) => r.kind === "meta");
  const sandbox = answered.find((r) => r.kind === "sandbox");
  const numberItem: SetupItem = official
    ? { key: "number_answered", status: "done", at: official.at, evidence: official.display_phone_number }
    : sandbox
      ? { key: "number_answered", status: "sandbox", at: sandbox.at, evidence: sandbox.display_phone_number }
      : { key: "number_answered", status: "pending", at: null, evidence: null };

  const [active] = await db.execute<{ slug: string; version: string; at: string | null }>(sql`
    select a.slug, v.version,
           ${isoText(sql`(select max(x.created_at) from agent_activations x where x.agent_id = a.id and x.version_id = v.id)`)}
             as at
    from agents a
    join agent_versions v on v.id = a.active_version_id and v.agent_id = a.id
    where a.tenant_id = ${p.tenantId}::uuid and v.major >= 1
    order by v.major desc, v.minor desc, v.patch desc, a.slug
    limit 1`);
  const versionItem: SetupItem = active
    ? { key: "version_active", status: "done", at: active.at, evidence: `${active.slug} v${active.version}` }
    : { key: "version_active", status: "pending", at: null, evidence: null };

  const fromAudit = (key: SetupItemKey, e: Evidence | null): SetupItem =>
    e ? { key, status: "done", ...e } : { key, status: "pending", at: null, evidence: null };
  const items = [
    numberItem,
    versionItem,
    fromAudit("handoff_test", await latestAudit(db, { tenantId: p.tenantId, type: "handoff_test.passed" })),
    fromAudit("client_login", await latestAudit(db, { tenantId: p.tenantId, type: "auth.login", clientOnly: true })),
    fromAudit(
      "client_metrics",
      await latestAudit(db, { tenantId: p.tenantId, type: "metrics.viewed", clientOnly: true }),
    ),
  ];
  return {
    items,
    complete: items.every((item) => item.status !== "pending"),
    sandboxOnly: numberItem.status === "sandbox",
  };
}
