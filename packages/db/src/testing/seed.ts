import { randomBytes } from "node:crypto";

import { encryptSecret, parseSecretKey } from "@lx/shared/crypto";
import { havenSpec } from "@lx/shared/testing";
import type { TAgentSpec } from "@lx/shared";

import type { Executor } from "../client.ts";
import type { LoginThrottle } from "../queries/auth.ts";
import { activateVersion, publishVersion } from "../queries/versions.ts";
import { createUser } from "../queries/users.ts";
import { agents, phoneNumbers, tenants, type TenantRouting } from "../schema/index.ts";

/** A fixed key for tests (never a production key). */
export const TEST_SECRET_KEY_HEX = "0f".repeat(32);
export const TEST_SECRET_KEY = parseSecretKey(TEST_SECRET_KEY_HEX);
export const TEST_ACTOR = { type: "system", label: "test" } as const;

/** A sign-in throttle that never refuses (tests of `login` that are not about its rate limit). */
export const NO_THROTTLE: LoginThrottle = {
  take: () => Promise.resolve(0),
  reset: () => Promise.resolve(),
};

export function uniqueSuffix(): string {
  return randomBytes(4).toString("hex");
}

export async function seedTenant(
  db: Executor,
  overrides: { slug?: string; name?: string; routing?: TenantRouting; webhookSecret?: string } = {},
) {
  const slug = overrides.slug ?? `t-${uniqueSuffix()}`;
  const [row] = await db
    .insert(tenants)
    .values({
      slug,
      name: overrides.name ?? `Tenant ${slug}`,
      routing: overrides.routing ?? { mode: "number" },
      webhookSecretEnc: encryptSecret(TEST_SECRET_KEY, overrides.webhookSecret ?? "test-webhook-secret"),
    })
    .returning();
  if (!row) {
    throw new Error("seedTenant: no row");
  }
  return row;
}

/** An agent with `spec` published as 1.0.0 and (unless `activate: false`) active. */
export async function seedAgent(
  db: Executor,
  p: { tenantId: string; slug?: string; spec?: TAgentSpec; activate?: boolean },
) {
  const slug = p.slug ?? `a-${uniqueSuffix()}`;
  const spec = p.spec ?? havenSpec;
  const [agent] = await db
    .insert(agents)
    .values({ tenantId: p.tenantId, slug, name: spec.agent.name })
    .returning();
  if (!agent) {
    throw new Error("seedAgent: no row");
  }
  const version = await publishVersion(db, { tenantId: p.tenantId, agentId: agent.id, spec, actor: TEST_ACTOR });
  if (p.activate !== false) {
    await activateVersion(db, { tenantId: p.tenantId, agentId: agent.id, version: version.version, actor: TEST_ACTOR });
  }
  return { agent, version };
}

export async function seedNumber(
  db: Executor,
  p: { tenantId: string; agentId?: string | null; phoneNumberId?: string; kind?: "meta" | "sandbox"; token?: string },
) {
  const phoneNumberId = p.phoneNumberId ?? String(100_000_000_000_000 + Math.floor(Math.random() * 899_999_999_999_999));
  const [row] = await db
    .insert(phoneNumbers)
    .values({
      tenantId: p.tenantId,
      phoneNumberId,
      displayPhoneNumber: `+55 11 9${phoneNumberId.slice(-8)}`,
      kind: p.kind ?? "meta",
      accessTokenEnc: encryptSecret(TEST_SECRET_KEY, p.token ?? `token-${phoneNumberId}`),
      agentId: p.agentId ?? null,
    })
    .returning();
  if (!row) {
    throw new Error("seedNumber: no row");
  }
  return row;
}

export async function seedUser(
  db: Executor,
  p: { role: "operator" | "client"; tenantId?: string; email?: string; password?: string },
) {
  const email = p.email ?? `${p.role}-${uniqueSuffix()}@example.test`;
  const password = p.password ?? "correct horse battery";
  const user = await createUser(db, { email, password, role: p.role, tenantId: p.tenantId, actor: TEST_ACTOR });
  return { ...user, password };
}
