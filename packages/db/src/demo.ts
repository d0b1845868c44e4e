import { count } from "drizzle-orm";

import type { SecretKeys } from "@lx/shared/crypto";

import type { Executor } from "./client.ts";
import { applyTenantFile, type ApplyReport } from "./queries/apply.ts";
import { SYSTEM_ACTOR } from "./queries/audit.ts";
import { createUser } from "./queries/users.ts";
import { tenants, users } from "./schema/index.ts";

export const DEMO_OPERATOR = { email: "operador@lx.local", password: "lx-demo-operador" } as const;
export const DEMO_CLIENT = { email: "cliente@haven.local", password: "lx-demo-cliente" } as const;

/** True when the database has neither tenants nor users: the one case `pnpm start` seeds the demo. */
export async function isEmptyDatabase(db: Executor): Promise<boolean> {
  const [t] = await db.select({ n: count() }).from(tenants);
  const [u] = await db.select({ n: count() }).from(users);
  return (t?.n ?? 0) === 0 && (u?.n ?? 0) === 0;
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
