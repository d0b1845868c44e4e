import { and, eq } from "drizzle-orm";

import { AppError } from "@lx/shared/errors";

import type { Executor } from "../client.ts";
import { agents, tenants } from "../schema/index.ts";

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
