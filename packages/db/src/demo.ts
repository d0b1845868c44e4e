import { count, eq, inArray, sql } from "drizzle-orm";

import type { SecretKeys } from "@lx/shared/crypto";

import type { Executor } from "./client.ts";
import { applyTenantFile, type ApplyReport } from "./queries/apply.ts";
import { SYSTEM_ACTOR } from "./queries/audit.ts";
import { createUser } from "./queries/users.ts";
import { agents, agentVersions, tenants, users } from "./schema/index.ts";

export const DEMO_OPERATOR = { email: "operador@lx.local", password: "lx-demo-operador" } as const;
export const DEMO_CLIENT = { email: "cliente@haven.local", password: "lx-demo-cliente" } as const;

/** True when the database has neither tenants nor users: the one case `pnpm start` seeds the demo. */
export async function isEmptyDatabase(db: Executor): Promise<boolean> {
  const [t] = await db.select({ n: count() }).from(tenants);
  const [u] = await db.select({ n: count() }).from(users);
  return (t?.n ?? 0) === 0 && (u?.n ?? 0) === 0;
}

/**
 * Every agent with a live version and the model it answers with (`pnpm start` says which of them a
 * provider without credentials leaves on the offline responder).
 */
export async function activeAgentModels(db: Executor): Promise<{ tenant: string; agent: string; provider: string; model: string }[]> {
  // The compiled bundle's model: the spec's with its defaults filled in.
  return await db
    .select({
      tenant: tenants.name,
      agent: agents.name,
      provider: sql<string>`${agentVersions.bundle} -> 'model' ->> 'provider'`,
      model: sql<string>`${agentVersions.bundle} -> 'model' ->> 'name'`,
    })
    .from(agents)
    .innerJoin(agentVersions, eq(agentVersions.id, agents.activeVersionId))
    .innerJoin(tenants, eq(tenants.id, agents.tenantId))
    .orderBy(tenants.name, agents.name);
}

/**
 * True when the demo's operator account exists (the logins `pnpm start` prints): not so on a
 * database of one's own, whose accounts are its own. Only the e-mail is checked; a changed password
 * is the user's business.
 */
export async function hasDemoLogins(db: Executor): Promise<boolean> {
  const rows = await db
    .select({ email: users.email })
    .from(users)
    .where(inArray(users.email, [DEMO_OPERATOR.email, DEMO_CLIENT.email]));
  return rows.some((r) => r.email === DEMO_OPERATOR.email);
}

/**
 * The demo of `pnpm start`: the Haven apply file (a sandbox number and an agent with 1.0.0 active),
 * an operator and a client of Haven — one transaction.
 */
export async function provisionDemo(
  db: Executor,
  p: { applyFile: unknown; secretKey: SecretKeys },
): Promise<ApplyReport> {
  return db.transaction(async (tx) => {
    const report = await applyTenantFile(tx, p.applyFile, {
      secretKey: p.secretKey,
      env: {},
      actor: SYSTEM_ACTOR,
    });
    await createUser(tx, { ...DEMO_OPERATOR, role: "operator", name: "Operador Demo", actor: SYSTEM_ACTOR });
    await createUser(tx, {
      ...DEMO_CLIENT,
      role: "client",
      tenantId: report.tenantId,
      name: "Cliente Haven",
      actor: SYSTEM_ACTOR,
    });
    return report;
  });
}
