/**
 * Tenant reads for the console, always decided by who asks. Belongs in packages/db
 * (queries/tenants.ts) once moved; see services/auth.ts for why it uses the relational API.
 */
import type { Database } from "@lx/db/client";
import type { TenantRouting } from "@lx/db/schema";
import { AppError } from "@lx/shared/errors";

import type { SessionUser } from "./auth.ts";

export type TenantRef = { slug: string } | { id: string };

export type TenantRow = {
  id: string;
  slug: string;
  name: string;
  status: "active" | "paused" | "archived";
  routing: TenantRouting;
  createdAt: Date;
  updatedAt: Date;
};

const tenantColumns = {
  id: true,
  slug: true,
  name: true,
  status: true,
  routing: true,
  createdAt: true,
  updatedAt: true,
} as const;

function notFound(ref: TenantRef): AppError {
  return new AppError("NOT_FOUND", {
    message: "slug" in ref ? `unknown tenant "${ref.slug}"` : `unknown tenant ${ref.id}`,
  });
}

/**
 * The tenant `ref` names, if `user` may read it: an operator reads any tenant, a client only their
 * own. Another tenant reads exactly like a missing one (NOT_FOUND), so a client cannot probe which
 * slugs exist. The client's own tenant id is part of the WHERE clause (STYLE rule 18).
 */
export async function getTenantForUser(db: Database, user: SessionUser, ref: TenantRef): Promise<TenantRow> {
  const row = await db.query.tenants.findFirst({
    columns: tenantColumns,
    where: (t, { and, eq }) => {
      const byRef = "slug" in ref ? eq(t.slug, ref.slug) : eq(t.id, ref.id);
      return user.role === "client" ? and(byRef, eq(t.id, user.tenantId)) : byRef;
    },
  });
  if (!row) {
    throw notFound(ref);
  }
  return row;
}

export type TenantWithCounts = TenantRow & { numberCount: number; agentCount: number };

// Inside relational-query `extras` drizzle renders columns unqualified (`"id"`), which a correlated
// subquery would resolve against its own table; the root table is named by its alias instead (the
// schema key, "tenants"). Covered by the tenants.list test.
const NUMBER_COUNT = `(select count(*)::int from phone_numbers n where n.tenant_id = "tenants"."id")`;
const AGENT_COUNT = `(select count(*)::int from agents a where a.tenant_id = "tenants"."id")`;

/** Every tenant with how many numbers and agents it has (operators' tenant list). */
export async function listTenantsWithCounts(db: Database): Promise<TenantWithCounts[]> {
  return db.query.tenants.findMany({
    columns: tenantColumns,
    extras: (_t, { sql }) => ({
      numberCount: sql<number>`${sql.raw(NUMBER_COUNT)}`.as("number_count"),
      agentCount: sql<number>`${sql.raw(AGENT_COUNT)}`.as("agent_count"),
    }),
    orderBy: (t, { asc }) => [asc(t.name), asc(t.slug)],
  });
}

/** Counts for one tenant (the tenant page header). */
export async function getTenantCounts(
  db: Database,
  tenantId: string,
): Promise<{ numberCount: number; agentCount: number }> {
  const row = await db.query.tenants.findFirst({
    columns: { id: true },
    where: (t, { eq }) => eq(t.id, tenantId),
    extras: (_t, { sql }) => ({
      numberCount: sql<number>`${sql.raw(NUMBER_COUNT)}`.as("number_count"),
      agentCount: sql<number>`${sql.raw(AGENT_COUNT)}`.as("agent_count"),
    }),
  });
  return { numberCount: row?.numberCount ?? 0, agentCount: row?.agentCount ?? 0 };
}
