import { and, desc, eq } from "drizzle-orm";

import { canonicalJson, compile, parseApplyFile, type TApplyFile } from "@lx/shared";
import { encryptSecret, sealingKey, type SecretKeys } from "@lx/shared/crypto";
import { AppError } from "@lx/shared/errors";

import type { Executor } from "../client.ts";
import {
  agents,
  agentVersions,
  DEFAULT_TENANT_TIME_ZONE,
  nextDraftRevision,
  phoneNumbers,
  specDrafts,
  templates,
  tenants,
} from "../schema/index.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";
import { newWebhookSecret, sameSecret, sealTenantSecrets } from "./secrets.ts";
import { activateVersion, publishVersion, type Bump } from "./versions.ts";

export type ApplyOptions = {
  bump?: Bump;
  dryRun?: boolean;
  /**
   * Activate where `activate` is true even when a gate holds the version back: the client has not
   * approved it (a tenant with a client user), or the regression gate (each override audited).
   */
  force?: boolean;
  /** LX_SECRET_KEY (and LX_SECRET_KEY_PREVIOUS), parsed: the first seals access tokens and the webhook secret. */
  secretKey: SecretKeys;
  /** Where `env:NAME` references are looked up (the CLI passes process.env). */
  env: Record<string, string | undefined>;
  actor: AuditActor;
  /**
   * Who runs it: "apply" (`lx apply`, the default) or "wizard" (the console's onboarding wizard,
   * `onboarding.ts`). Names the agents' drafts' author and the changelog of the versions it publishes.
   */
  via?: "apply" | "wizard";
};

/** The changelog of a version the onboarding wizard publishes (what the client reads on its approval page). */
export const WIZARD_CHANGELOG = "Primeira versão, criada no assistente de onboarding";

export type ApplyChange = {
  kind: "tenant" | "number" | "agent" | "template" | "version" | "activation";
  action: "created" | "updated" | "published" | "activated";
  subject: string;
  detail?: string;
};

export type ApplyReport = { tenant: string; tenantId: string; changes: ApplyChange[]; changed: boolean; dryRun: boolean };

class DryRunRollback extends Error {
  constructor(readonly report: ApplyReport) {
    super("dry run");
  }
}

function resolveSecret(value: string, path: string, env: Record<string, string | undefined>): string {
  if (!value.startsWith("env:")) {
    return value;
  }
  const name = value.slice(4);
  const resolved = env[name];
  if (!resolved) {
    throw new AppError("INVALID_INPUT", { message: `${path}: environment variable ${name} is not set` });
  }
  return resolved;
}

/**
 * The tenant's time zone (metrics count days in it): the business's, i.e. the first agent's
 * `spec.agent.timezone` (validated as an IANA zone by the spec schema).
 */
export function tenantTimeZoneOf(file: TApplyFile): string {
  return file.agents[0]?.spec.agent.timezone ?? DEFAULT_TENANT_TIME_ZONE;
}

/** Parses an apply file, throwing INVALID_INPUT with every path-named error. */
export function parseApplyInput(input: unknown): TApplyFile {
  const parsed = parseApplyFile(input);
  if (!parsed.ok) {
    throw new AppError("INVALID_INPUT", {
      message: parsed.errors.map((e) => `${e.path}: ${e.message}`).join("\n"),
    });
  }
  return parsed.file;
}

/**
 * Declarative provisioning (`lx apply`): converges a tenant, its numbers, agents, templates and
 * versions to the file, in one transaction. Publishes only when no version of the agent has the
 * bundle (an existing one is targeted instead) and activates where the file says so. A second run
 * with the same file changes nothing.
 */
export async function applyTenantFile(db: Executor, input: unknown, options: ApplyOptions): Promise<ApplyReport> {
  const file = parseApplyInput(input);
  const tokens = file.numbers.map((n, i) => resolveSecret(n.accessToken, `numbers.${i}.accessToken`, options.env));
  const webhookSecret =
    file.webhookSecret === undefined ? undefined : resolveSecret(file.webhookSecret, "webhookSecret", options.env);
  const crmToken = file.crmToken === undefined ? undefined : resolveSecret(file.crmToken, "crmToken", options.env);
  const { actor, secretKey } = options;

  try {
    return await db.transaction(async (tx) => {
      const changes: ApplyChange[] = [];
      const slug = file.tenant.slug;

      // Tenant.
      let [tenant] = await tx.select().from(tenants).where(eq(tenants.slug, slug)).for("update");
      const routing = file.routing;
      const timeZone = tenantTimeZoneOf(file);
      if (!tenant) {
        [tenant] = await tx
          .insert(tenants)
          .values({
            slug,
            name: file.tenant.name,
            routing,
            timeZone,
            retentionDays: file.tenant.retentionDays ?? null,
            ...sealTenantSecrets(secretKey, { webhookSecret: webhookSecret ?? newWebhookSecret(), crmToken }),
          })
          .returning();
        changes.push({ kind: "tenant", action: "created", subject: slug });
      } else {
        const patch: Partial<typeof tenants.$inferInsert> = {};
        if (tenant.name !== file.tenant.name) {
          patch.name = file.tenant.name;
        }
        if (canonicalJson(tenant.routing) !== canonicalJson(routing)) {
          patch.routing = routing;
        }
        if (tenant.timeZone !== timeZone) {
          patch.timeZone = timeZone;
        }
        if (file.tenant.retentionDays !== undefined && tenant.retentionDays !== file.tenant.retentionDays) {
          patch.retentionDays = file.tenant.retentionDays;
        }
        Object.assign(patch, sealTenantSecrets(secretKey, { webhookSecret, crmToken }, tenant));
        if (patch.webhookSecretEnc !== undefined && tenant.webhookSecretPreviousEnc !== null) {
          // The file's secret replaces the stored one at once: a secret kept from a console rotation's
          // overlap (two generations old now) is signed with no longer.
          patch.webhookSecretPreviousEnc = null;
          patch.webhookSecretPreviousUntil = null;
        }
        if (Object.keys(patch).length > 0) {
          [tenant] = await tx.update(tenants).set(patch).where(eq(tenants.id, tenant.id)).returning();
          changes.push({ kind: "tenant", action: "updated", subject: slug, detail: Object.keys(patch).join(", ") });
        }
      }
      if (!tenant) {
        throw new Error("tenant upsert returned no row");
      }
      const tenantId = tenant.id;

      // Agents.
      const agentIds = new Map<string, string>();
      for (const a of file.agents) {
        const name = a.name ?? a.spec.agent.name;
        const [existing] = await tx
          .select()
          .from(agents)
          .where(and(eq(agents.tenantId, tenantId), eq(agents.slug, a.slug)));
        if (!existing) {
          const [row] = await tx.insert(agents).values({ tenantId, slug: a.slug, name }).returning({ id: agents.id });
          if (!row) {
            throw new Error("agent insert returned no row");
          }
          agentIds.set(a.slug, row.id);
          changes.push({ kind: "agent", action: "created", subject: a.slug });
        } else {
          agentIds.set(a.slug, existing.id);
          if (existing.name !== name) {
            await tx.update(agents).set({ name }).where(and(eq(agents.id, existing.id), eq(agents.tenantId, tenantId)));
            changes.push({ kind: "agent", action: "updated", subject: a.slug, detail: "name" });
          }
        }
      }

      // Numbers.
      for (const [i, n] of file.numbers.entries()) {
        const token = tokens[i] ?? "";
        const agentId = agentIds.get(n.agent) ?? null;
        const [existing] = await tx.select().from(phoneNumbers).where(eq(phoneNumbers.phoneNumberId, n.phoneNumberId));
        if (existing && existing.tenantId !== tenantId) {
          throw new AppError("CONFLICT", {
            message: `numbers.${i}.phoneNumberId: ${n.phoneNumberId} belongs to another tenant`,
          });
        }
        if (!existing) {
          await tx.insert(phoneNumbers).values({
            tenantId,
            phoneNumberId: n.phoneNumberId,
            displayPhoneNumber: n.displayPhoneNumber,
            wabaId: n.wabaId ?? null,
            kind: n.kind,
            accessTokenEnc: encryptSecret(sealingKey(secretKey), token),
            agentId,
          });
          changes.push({ kind: "number", action: "created", subject: n.displayPhoneNumber });
          continue;
        }
        const patch: Partial<typeof phoneNumbers.$inferInsert> = {};
        if (existing.displayPhoneNumber !== n.displayPhoneNumber) {
          patch.displayPhoneNumber = n.displayPhoneNumber;
        }
        if (existing.kind !== n.kind) {
          patch.kind = n.kind;
        }
        // Absent keeps what the number holds: Meta's webhooks record it too (recordNumberWaba).
        if (n.wabaId !== undefined && existing.wabaId !== n.wabaId) {
          patch.wabaId = n.wabaId;
        }
        if (existing.agentId !== agentId) {
          patch.agentId = agentId;
        }
        if (!sameSecret(secretKey, existing.accessTokenEnc, token)) {
          patch.accessTokenEnc = encryptSecret(sealingKey(secretKey), token);
        }
        if (Object.keys(patch).length > 0) {
          await tx.update(phoneNumbers).set(patch).where(eq(phoneNumbers.id, existing.id));
          const fields = Object.keys(patch).map((k) => (k === "accessTokenEnc" ? "accessToken" : k));
          changes.push({ kind: "number", action: "updated", subject: n.displayPhoneNumber, detail: fields.join(", ") });
        }
      }

      // Templates.
      for (const t of file.templates ?? []) {
        const [existing] = await tx
          .select()
          .from(templates)
          .where(and(eq(templates.tenantId, tenantId), eq(templates.name, t.name), eq(templates.language, t.language)));
        const values = { category: t.category, purpose: t.purpose ?? null, body: t.body };
        if (!existing) {
          await tx.insert(templates).values({ tenantId, name: t.name, language: t.language, ...values });
          changes.push({ kind: "template", action: "created", subject: `${t.name} (${t.language})` });
        } else if (
          existing.category !== values.category ||
          existing.purpose !== values.purpose ||
          existing.body !== values.body
        ) {
          await tx.update(templates).set(values).where(and(eq(templates.id, existing.id), eq(templates.tenantId, tenantId)));
          changes.push({ kind: "template", action: "updated", subject: `${t.name} (${t.language})` });
        }
      }

      // Specs → versions → activation.
      for (const a of file.agents) {
        const agentId = agentIds.get(a.slug);
        if (!agentId) {
          throw new Error(`agent ${a.slug} vanished`);
        }
        const bundle = compile(a.spec);
        // The editor names the draft's author (drafts.ts, `updatedBy`): `lx apply` has no user; the
        // wizard's is the operator who ran it. The revision bump makes an open editor's next save a CONFLICT.
        const wizard = options.via === "wizard";
        const draft = {
          spec: a.spec,
          source: wizard ? ("wizard" as const) : ("apply" as const),
          updatedById: wizard && actor.type === "user" ? (actor.id ?? null) : null,
        };
        await tx
          .insert(specDrafts)
          .values({ agentId, ...draft })
          .onConflictDoUpdate({
            target: specDrafts.agentId,
            set: { ...draft, updatedAt: new Date(), revision: nextDraftRevision },
          });
        // A version of this agent with the same bundle is the file's version, whichever it is: the live
        // one (a re-run changes nothing), or one the agent was switched or rolled back from (activated
        // again, through the usual gates). Comparing with the latest version only published a copy of
        // it after an `lx activate` or `lx rollback`.
        const [agentRow] = await tx
          .select({ activeVersionId: agents.activeVersionId })
          .from(agents)
          .where(and(eq(agents.id, agentId), eq(agents.tenantId, tenantId)));
        const same = await tx
          .select({ id: agentVersions.id, version: agentVersions.version, bundleHash: agentVersions.bundleHash })
          .from(agentVersions)
          .where(
            and(
              eq(agentVersions.agentId, agentId),
              eq(agentVersions.tenantId, tenantId),
              eq(agentVersions.bundleHash, bundle.bundleHash),
            ),
          )
          .orderBy(desc(agentVersions.major), desc(agentVersions.minor), desc(agentVersions.patch));
        let target = same.find((v) => v.id === agentRow?.activeVersionId) ?? same[0] ?? null;
        if (!target) {
          const v = await publishVersion(tx, {
            tenantId,
            agentId,
            spec: a.spec,
            bump: options.bump ?? "patch",
            changelog: options.via === "wizard" ? WIZARD_CHANGELOG : "lx apply",
            actor,
          });
          target = { id: v.id, version: v.version, bundleHash: v.bundleHash };
          changes.push({ kind: "version", action: "published", subject: a.slug, detail: v.version });
        }
        if (a.activate && target) {
          const r = await activateVersion(tx, { tenantId, agentId, version: target.version, actor, force: options.force });
          if (r.changed) {
            changes.push({
              kind: "activation",
              action: "activated",
              subject: a.slug,
              detail: `${r.from ? `${r.from} → ${r.to}` : r.to}${r.approval === "pending" || r.approval === "rejected" ? `, client approval ${r.approval}: overridden` : ""}${r.gate === "failed" || r.gate === "not_run" ? `, regression gate ${r.gate === "failed" ? "failed" : "not run"}: overridden` : ""}`,
            });
          }
        }
      }

      const report: ApplyReport = {
        tenant: slug,
        tenantId,
        changes,
        changed: changes.length > 0,
        dryRun: options.dryRun ?? false,
      };
      if (report.changed) {
        await insertAuditEvent(tx, {
          tenantId,
          actor,
          type: "apply.completed",
          subjectType: "tenant",
          subjectId: tenantId,
          data: { changes },
        });
      }
      if (options.dryRun) {
        throw new DryRunRollback(report);
      }
      return report;
    });
  } catch (err) {
    if (err instanceof DryRunRollback) {
      return err.report;
    }
    throw err;
  }
}
