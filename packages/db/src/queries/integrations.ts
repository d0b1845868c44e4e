import { eq, sql, type SQL } from "drizzle-orm";

import type { SecretKeys } from "@lx/shared/crypto";
import { AppError } from "@lx/shared/errors";
import { WEBHOOK_SECRET_OVERLAP_HOURS_DEFAULT } from "@lx/shared/schemas";

import type { Executor } from "../client.ts";
import { tenants } from "../schema/index.ts";
import type { AuditActor } from "./audit.ts";
import { newWebhookSecret, sealTenantSecrets, type TenantSecretName } from "./secrets.ts";
import { insertTenantAuditEvent } from "./tenants.ts";

/**
 * The tenant's two stored secrets from the console (the apply file's `webhookSecret` and `crmToken`):
 * whether each is set and where the active versions use it, a new signing secret made here (answered
 * once) or pasted, the CRM token set, replaced or cleared. Values never come back out, but for the
 * one generated secret; every change is audited without it.
 */

/** The CRM backends that call the CRM's own API with the tenant's token (the "webhook" one signs instead). */
export const CRM_TOKEN_BACKENDS = ["pipedrive", "rdstation"] as const;
type CrmTokenBackend = (typeof CRM_TOKEN_BACKENDS)[number];
type CrmBackend = CrmTokenBackend | "webhook";

/** An agent and the outgoing calls its active version makes (all null without an active version). */
export type IntegrationAgent = {
  slug: string;
  name: string;
  /** The active version these come from; null: the agent answers nobody, so it uses nothing. */
  activeVersion: string | null;
  /** `handoff.notifyWebhookUrl`: a signed `handoff.started` notice. */
  handoffNotifyUrl: string | null;
  /** `plugins.calendar.webhookUrl` of the "webhook" backend (n8n/Make): signed tool calls. */
  calendarWebhookUrl: string | null;
  /**
   * `plugins.crm`: the "webhook" backend signs its calls to `url`; Pipedrive and RD Station send the
   * CRM token to `url` (`baseUrl`; null: the CRM's own default).
   */
  crm: { backend: CrmBackend; url: string | null } | null;
};

/** Something the tenant page warns about: an active version would fail a call for want of a secret. */
export type IntegrationWarning =
  | { kind: "crm_token_missing"; agentSlug: string; backend: CrmTokenBackend }
  | { kind: "webhook_secret_missing"; agentSlug: string };

export type TenantIntegrations = {
  /**
   * `previousUntil`: until when outgoing webhooks also carry `X-LX-Signature-Previous`, made with the
   * secret before the last rotation (ISO time); null: no overlap.
   */
  webhookSecret: { set: boolean; previousUntil: string | null };
  crmToken: { set: boolean };
  agents: IntegrationAgent[];
  warnings: IntegrationWarning[];
};

/** Whether a version with these calls signs requests with the webhook secret. */
const signsWebhooks = (a: IntegrationAgent) =>
  a.handoffNotifyUrl !== null || a.calendarWebhookUrl !== null || a.crm?.backend === "webhook";

const needsCrmToken = (a: IntegrationAgent): a is IntegrationAgent & { crm: { backend: CrmTokenBackend } } =>
  a.crm !== null && (CRM_TOKEN_BACKENDS as readonly string[]).includes(a.crm.backend);

/** Every agent of the tenant with what its active version's spec calls out to, by slug. */
async function integrationAgents(db: Executor, tenantId: string): Promise<IntegrationAgent[]> {
  const rows = await db.execute<{
    slug: string;
    name: string;
    version: string | null;
    handoff_url: string | null;
    calendar_backend: string | null;
    calendar_url: string | null;
    crm_backend: CrmBackend | null;
    crm_webhook_url: string | null;
    crm_base_url: string | null;
  }>(sql`
    select a.slug, a.name, v.version,
           v.spec #>> '{handoff,notifyWebhookUrl}' as handoff_url,
           v.spec #>> '{plugins,calendar,backend}' as calendar_backend,
           v.spec #>> '{plugins,calendar,webhookUrl}' as calendar_url,
           v.spec #>> '{plugins,crm,backend}' as crm_backend,
           v.spec #>> '{plugins,crm,webhookUrl}' as crm_webhook_url,
           v.spec #>> '{plugins,crm,baseUrl}' as crm_base_url
    from agents a
    left join agent_versions v on v.id = a.active_version_id and v.agent_id = a.id
    where a.tenant_id = ${tenantId}::uuid
    order by a.slug`);
  return rows.map((r) => ({
    slug: r.slug,
    name: r.name,
    activeVersion: r.version,
    handoffNotifyUrl: r.handoff_url,
    // A URL beside another backend is not called.
    calendarWebhookUrl: r.calendar_backend === "webhook" ? r.calendar_url : null,
    crm: r.crm_backend
      ? { backend: r.crm_backend, url: r.crm_backend === "webhook" ? r.crm_webhook_url : r.crm_base_url }
      : null,
  }));
}

/** The tenant's secrets as set or not (never their values), one lock-free read. */
async function secretsSet(
  db: Executor,
  tenantId: string,
): Promise<{ webhookSecret: boolean; crmToken: boolean; previousUntil: Date | null }> {
  const [row] = await db
    .select({
      webhookSecret: sql<boolean>`${tenants.webhookSecretEnc} is not null`,
      crmToken: sql<boolean>`${tenants.crmTokenEnc} is not null`,
      // An overlap past its end is over, whether or not the sweep has erased it yet.
      previousUntil: sql<Date | null>`case when ${tenants.webhookSecretPreviousUntil} > now() then ${tenants.webhookSecretPreviousUntil} end`.mapWith(
        tenants.webhookSecretPreviousUntil,
      ),
    })
    .from(tenants)
    .where(eq(tenants.id, tenantId));
  if (!row) {
    throw new AppError("NOT_FOUND", { message: "unknown tenant" });
  }
  return row;
}

/**
 * Whether the tenant's signing secret and CRM token are set, where each agent's active version uses
 * them (the handoff notice, the n8n calendar, the CRM), and the warnings: an active version on
 * Pipedrive or RD Station without a CRM token, or one that signs requests without a signing secret
 * (a tenant from before secrets were always made). Never a secret's value.
 */
export async function getTenantIntegrations(
  db: Executor,
  p: { tenantId: string },
): Promise<TenantIntegrations> {
  const set = await secretsSet(db, p.tenantId);
  const agents = await integrationAgents(db, p.tenantId);
  const warnings: IntegrationWarning[] = [];
  for (const a of agents) {
    if (!set.crmToken && needsCrmToken(a)) {
      warnings.push({ kind: "crm_token_missing", agentSlug: a.slug, backend: a.crm.backend });
    }
    if (!set.webhookSecret && signsWebhooks(a)) {
      warnings.push({ kind: "webhook_secret_missing", agentSlug: a.slug });
    }
  }
  return {
    webhookSecret: { set: set.webhookSecret, previousUntil: set.previousUntil?.toISOString() ?? null },
    crmToken: { set: set.crmToken },
    agents,
    warnings,
  };
}

type SecretChange = {
  tenantId: string;
  secretKey: SecretKeys;
  actor: AuditActor;
  requestId?: string;
};

/**
 * Seals `value` into the tenant's `name` secret (`null` clears it) under the tenant row's lock, after
 * `check` (which may refuse), audited with whether it was set before and after — the value never.
 * Clearing one that is not set does nothing. Returns whether one was set before.
 */
async function writeTenantSecret(
  db: Executor,
  p: SecretChange & {
    name: TenantSecretName;
    value: string | null;
    type: string;
    /** The audit event's data; a function gets the box stored before. */
    data?: Record<string, unknown> | ((stored: string | null) => Record<string, unknown>);
    check?: (tx: Executor) => Promise<void>;
    /** More columns to write with it, from the box stored before (the rotation's previous secret). */
    also?: (stored: string | null) => { [K in keyof typeof tenants.$inferInsert]?: (typeof tenants.$inferInsert)[K] | SQL };
  },
): Promise<{ wasSet: boolean }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select({
        wasSet: sql<boolean>`${p.name === "webhookSecret" ? tenants.webhookSecretEnc : tenants.crmTokenEnc} is not null`,
        stored: p.name === "webhookSecret" ? tenants.webhookSecretEnc : tenants.crmTokenEnc,
      })
      .from(tenants)
      .where(eq(tenants.id, p.tenantId))
      // Not "for update": that would conflict with the key-share locks of foreign keys to the tenant
      // (an activation's audit row), and an activation holding its agent would deadlock with this.
      .for("no key update");
    if (!row) {
      throw new AppError("NOT_FOUND", { message: "unknown tenant" });
    }
    if (p.value === null && !row.wasSet) {
      return { wasSet: false };
    }
    await p.check?.(tx);
    await tx
      .update(tenants)
      .set({ ...sealTenantSecrets(p.secretKey, { [p.name]: p.value }), ...p.also?.(row.stored) })
      .where(eq(tenants.id, p.tenantId));
    // Named one by one: `p` holds the secret.
    await insertTenantAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: p.actor,
      type: p.type,
      data: typeof p.data === "function" ? p.data(row.stored) : p.data,
      requestId: p.requestId,
      before: { [p.name]: row.wasSet ? "set" : "none" },
      after: { [p.name]: p.value === null ? "none" : row.wasSet ? "replaced" : "set" },
    });
    return { wasSet: row.wasSet };
  });
}

/**
 * Replaces the tenant's outgoing-webhook signing secret with `given` (the one the tenant's receiver
 * already checks) or, without it, a fresh random one; audited `tenant.webhook_secret_rotated` with
 * `source: "generated" | "given"` and `overlapHours`. Returns the secret now stored, for the caller to
 * show once: the next handoff notice and tool call are signed with it.
 *
 * The overlap: for `overlapHours` (default WEBHOOK_SECRET_OVERLAP_HOURS_DEFAULT) the secret replaced
 * is kept, sealed as it was, and outgoing requests also carry `X-LX-Signature-Previous` made with it,
 * so a receiver still checking the old secret keeps verifying until it is updated. 0 (the old
 * secret leaked) drops it at once, and any older one still kept. Audited with the overlap actually
 * given: 0 when there was no secret before.
 */
export async function replaceWebhookSecret(
  db: Executor,
  p: SecretChange & { given?: string; overlapHours?: number },
): Promise<string> {
  const secret = p.given ?? newWebhookSecret();
  const overlapHours = p.overlapHours ?? WEBHOOK_SECRET_OVERLAP_HOURS_DEFAULT;
  await writeTenantSecret(db, {
    ...p,
    name: "webhookSecret",
    value: secret,
    type: "tenant.webhook_secret_rotated",
    data: (stored) => ({ source: p.given === undefined ? "generated" : "given", overlapHours: stored === null ? 0 : overlapHours }),
    also: (stored) => {
      if (stored === null || overlapHours === 0) {
        return { webhookSecretPreviousEnc: null, webhookSecretPreviousUntil: null };
      }
      return {
        webhookSecretPreviousEnc: stored,
        webhookSecretPreviousUntil: sql`now() + make_interval(hours => ${overlapHours})`,
      };
    },
  });
  return secret;
}

/**
 * Erases the previous signing secrets whose overlap is over (the worker's periodic sweep; until it
 * runs, readers ignore them already). Returns how many tenants had one.
 */
export async function expireWebhookSecretOverlaps(db: Executor): Promise<number> {
  const rows = await db
    .update(tenants)
    .set({ webhookSecretPreviousEnc: null, webhookSecretPreviousUntil: null })
    .where(sql`${tenants.webhookSecretPreviousUntil} <= now()`)
    .returning({ id: tenants.id });
  return rows.length;
}

/** Sets or replaces the tenant's CRM token (Pipedrive, RD Station), audited `tenant.crm_token_set`. */
export async function setCrmToken(
  db: Executor,
  p: SecretChange & { token: string },
): Promise<{ replaced: boolean }> {
  const { wasSet } = await writeTenantSecret(db, {
    ...p,
    name: "crmToken",
    value: p.token,
    type: "tenant.crm_token_set",
  });
  return { replaced: wasSet };
}

/**
 * Clears the tenant's CRM token, audited `tenant.crm_token_cleared` (none set: nothing to do,
 * `cleared: false`). Refused (INVALID_STATE) while an active version uses Pipedrive or RD Station, naming the agents:
 * their CRM calls would fail — activate a version without that CRM first.
 */
export async function clearCrmToken(db: Executor, p: SecretChange): Promise<{ cleared: boolean }> {
  const { wasSet } = await writeTenantSecret(db, {
    ...p,
    name: "crmToken",
    value: null,
    type: "tenant.crm_token_cleared",
    check: async (tx) => {
      // The tenant's agents held first, in a statement of their own: an activation (which locks its
      // agent for update) either committed before and is read below, or waits for this removal.
      await tx.execute(sql`select 1 from agents where tenant_id = ${p.tenantId}::uuid for share`);
      const users = (await integrationAgents(tx, p.tenantId)).filter(needsCrmToken);
      if (users.length > 0) {
        throw new AppError("INVALID_STATE", {
          message: `the CRM token is used by the active version of ${users.map((a) => `${a.slug} (${a.crm.backend}, v${a.activeVersion ?? "?"})`).join(", ")}: activate a version without that CRM first`,
        });
      }
    },
  });
  return { cleared: wasSet };
}
