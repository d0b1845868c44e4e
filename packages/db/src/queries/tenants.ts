import { and, asc, eq, sql } from "drizzle-orm";

import { canonicalJson } from "@lx/shared";
import { AppError } from "@lx/shared/errors";

import type { Executor } from "../client.ts";
import { agents, conversations, phoneNumbers, tenants, type TenantRouting } from "../schema/index.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";

export async function getTenantBySlug(db: Executor, slug: string) {
  const [row] = await db.select().from(tenants).where(eq(tenants.slug, slug)).limit(1);
  return row ?? null;
}

/** The tenant named by a slug, or a NOT_FOUND error that names it. */
export async function requireTenant(db: Executor, slug: string) {
  const t = await getTenantBySlug(db, slug);
  if (!t) {
    throw new AppError("NOT_FOUND", { message: `unknown tenant "${slug}"` });
  }
  return t;
}

/** The agent of a tenant named by its slug, or NOT_FOUND. Always filtered by tenant (STYLE rule 18). */
export async function requireAgent(db: Executor, { tenantId, slug }: { tenantId: string; slug: string }) {
  const [row] = await db
    .select()
    .from(agents)
    .where(and(eq(agents.tenantId, tenantId), eq(agents.slug, slug)))
    .limit(1);
  if (!row) {
    throw new AppError("NOT_FOUND", { message: `unknown agent "${slug}"` });
  }
  return row;
}

/** Who reads (a `SessionUser` fits): an operator reads every tenant, a client only their own. */
export type TenantReader = { role: "operator"; tenantId: null } | { role: "client"; tenantId: string };

export type TenantRef = { slug: string } | { id: string };

/** A tenant as the console shows it (never the encrypted webhook secret). */
export type TenantRow = {
  id: string;
  slug: string;
  name: string;
  status: "active" | "paused" | "archived";
  routing: TenantRouting;
  retentionDays: number | null;
  createdAt: Date;
  updatedAt: Date;
};

/** `waitingCount`: conversations whose customer waits for a human (mode `pending_human`). */
export type TenantCounts = { numberCount: number; agentCount: number; waitingCount: number };

export type TenantWithCounts = TenantRow & TenantCounts;

const tenantColumns = {
  id: tenants.id,
  slug: tenants.slug,
  name: tenants.name,
  status: tenants.status,
  routing: tenants.routing,
  retentionDays: tenants.retentionDays,
  createdAt: tenants.createdAt,
  updatedAt: tenants.updatedAt,
};

/** Correlated counts of the outer `tenants` row, for a select list. */
function tenantCountColumns(db: Executor) {
  return {
    numberCount: db.$count(phoneNumbers, eq(phoneNumbers.tenantId, tenants.id)),
    agentCount: db.$count(agents, eq(agents.tenantId, tenants.id)),
    // Read off conversations_tenant_mode_idx (tenant_id, mode): an index-only count per tenant.
    waitingCount: db.$count(
      conversations,
      and(eq(conversations.tenantId, tenants.id), eq(conversations.mode, "pending_human")),
    ),
  };
}

/**
 * The tenant `ref` names, if `user` may read it: an operator reads any tenant, a client only their
 * own. Another tenant reads exactly like a missing one (NOT_FOUND), so a client cannot probe which
 * slugs exist. The client's own tenant id is part of the WHERE clause (STYLE rule 18).
 */
export async function getTenantForUser(
  db: Executor,
  { user, ref }: { user: TenantReader; ref: TenantRef },
): Promise<TenantRow> {
  const byRef = "slug" in ref ? eq(tenants.slug, ref.slug) : eq(tenants.id, ref.id);
  const [row] = await db
    .select(tenantColumns)
    .from(tenants)
    .where(user.role === "client" ? and(byRef, eq(tenants.id, user.tenantId)) : byRef)
    .limit(1);
  if (!row) {
    throw new AppError("NOT_FOUND", {
      message: "slug" in ref ? `unknown tenant "${ref.slug}"` : `unknown tenant ${ref.id}`,
    });
  }
  return row;
}

/**
 * Every tenant with how many numbers and agents it has: the operators' tenant list, so it is the one
 * read here with no tenant filter (the router allows operators only).
 */
export async function listTenantsWithCounts(db: Executor): Promise<TenantWithCounts[]> {
  return db
    .select({ ...tenantColumns, ...tenantCountColumns(db) })
    .from(tenants)
    .orderBy(asc(tenants.name), asc(tenants.slug));
}

/** Counts for one tenant (the tenant page header); zeros for an unknown id. */
export async function getTenantCounts(
  db: Executor,
  { tenantId }: { tenantId: string },
): Promise<TenantCounts> {
  const [row] = await db.select(tenantCountColumns(db)).from(tenants).where(eq(tenants.id, tenantId));
  return {
    numberCount: row?.numberCount ?? 0,
    agentCount: row?.agentCount ?? 0,
    waitingCount: row?.waitingCount ?? 0,
  };
}

/**
 * How many conversations, across every tenant, have a customer waiting for a human (mode
 * `pending_human`): the operators' navigation badge, polled. Counted per tenant off
 * conversations_tenant_mode_idx (tenant_id, mode) — a count on `mode` alone could not use that index
 * and would read every conversation — so it costs one index probe per tenant. Operators only: no
 * tenant filter here (the router allows operators only).
 */
export async function countWaitingForHuman(db: Executor): Promise<number> {
  const [row] = await waitingForHumanQuery(db);
  return row?.total ?? 0;
}

/** The query of `countWaitingForHuman`, unawaited (its plan is checked in the tests). */
export function waitingForHumanQuery(db: Executor) {
  return db
    .select({
      total: sql<number>`coalesce(sum(${tenantCountColumns(db).waitingCount}), 0)::int`,
    })
    .from(tenants);
}

/** Audits a change of the tenant itself (its settings, its secrets: never their values); pass the change's `tx`. */
export async function insertTenantAuditEvent(
  tx: Executor,
  p: {
    tenantId: string;
    actor: AuditActor;
    type: string;
    before: unknown;
    after: unknown;
    data?: Record<string, unknown>;
    requestId?: string;
  },
): Promise<void> {
  const { tenantId, actor, type, before, after, data, requestId } = p;
  await insertAuditEvent(tx, {
    tenantId,
    actor,
    type,
    subjectType: "tenant",
    subjectId: tenantId,
    before,
    after,
    data,
    requestId,
  });
}

/** A tenant setting the console changes on its own, audited with before and after. */
type TenantSetting = { status: TenantRow["status"]; retentionDays: number | null; routing: TenantRouting };

/**
 * Sets one tenant setting (audited `type` with before/after under the setting's name; a no-op
 * writes nothing): the one shape of `setTenantStatus`, `setTenantRouting` and `setTenantRetention`
 * (customers.ts).
 */
export async function changeTenantSetting<K extends keyof TenantSetting>(
  db: Executor,
  p: {
    tenantId: string;
    setting: K;
    value: TenantSetting[K];
    type: string;
    actor: AuditActor;
    requestId?: string;
  },
): Promise<{ changed: boolean }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({ value: tenants[p.setting] })
      .from(tenants)
      .where(eq(tenants.id, p.tenantId))
      .for("update");
    if (!row) {
      throw new AppError("NOT_FOUND", { message: "unknown tenant" });
    }
    if (canonicalJson(row.value) === canonicalJson(p.value)) {
      return { changed: false };
    }
    await tx
      .update(tenants)
      .set({ [p.setting]: p.value })
      .where(eq(tenants.id, p.tenantId));
    await insertTenantAuditEvent(tx, {
      ...p,
      before: { [p.setting]: row.value },
      after: { [p.setting]: p.value },
    });
    return { changed: true };
  });
}

/**
 * How the tenant's customers reach an agent: by the number they write to, or an initial menu whose
 * options name agents (audited `tenant.routing_changed`). The worker reads it on every reply, so the
 * next message follows it; a conversation that already chose an agent keeps it. INVALID_INPUT names
 * a menu option whose agent the tenant does not have.
 */
export async function setTenantRouting(
  db: Executor,
  p: { tenantId: string; routing: TenantRouting; actor: AuditActor; requestId?: string },
): Promise<{ changed: boolean }> {
  if (p.routing.mode === "menu") {
    const slugs = new Set(
      (await db.select({ slug: agents.slug }).from(agents).where(eq(agents.tenantId, p.tenantId))).map(
        (a) => a.slug,
      ),
    );
    const unknown = p.routing.options.findIndex((o) => !slugs.has(o.agent));
    if (unknown >= 0) {
      throw new AppError("INVALID_INPUT", {
        message: `routing.options.${unknown}.agent: unknown agent "${p.routing.options[unknown]?.agent ?? ""}" (agents: ${[...slugs].sort().join(", ")})`,
      });
    }
  }
  return changeTenantSetting(db, {
    ...p,
    setting: "routing",
    value: p.routing,
    type: "tenant.routing_changed",
  });
}

/**
 * Pauses, archives or resumes a tenant (audited `tenant.status_changed`). A paused or archived
 * tenant's bot answers nobody on its Meta numbers and sends no reminders; messages keep arriving
 * into the inbox, humans can still reply, sandbox numbers keep answering (the worker's reply and
 * reminder paths read the status).
 */
export async function setTenantStatus(
  db: Executor,
  p: { tenantId: string; status: TenantRow["status"]; actor: AuditActor; requestId?: string },
): Promise<{ status: TenantRow["status"]; changed: boolean }> {
  const { changed } = await changeTenantSetting(db, {
    ...p,
    setting: "status",
    value: p.status,
    type: "tenant.status_changed",
  });
  return { status: p.status, changed };
}
