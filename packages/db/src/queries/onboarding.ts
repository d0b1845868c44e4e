import { inArray, sql } from "drizzle-orm";

import { parseOnboardingInput, type TOnboardTenantInput } from "@lx/shared/schemas";
import type { SecretKeys } from "@lx/shared/crypto";
import { AppError } from "@lx/shared/errors";

import { pgErrorField, sqlState, type Executor } from "../client.ts";
import { phoneNumbers, tenants } from "../schema/index.ts";
import { applyTenantFile, type ApplyReport } from "./apply.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";

/**
 * The onboarding wizard's end: creates a NEW tenant with its agents (each AgentSpec published as
 * 1.0.0 and, unless told otherwise, activated), its WhatsApp templates, its routing (by number or by
 * an initial menu) and its numbers — through the same `applyTenantFile` as `lx apply` (which also
 * sets the tenant's time zone from the first agent's spec), in one transaction with the audit event
 * `tenant.onboarded`. It never touches an existing tenant: a taken slug or phone_number_id is CONFLICT.
 */
export async function onboardTenant(
  db: Executor,
  p: { input: TOnboardTenantInput; secretKey: SecretKeys; actor: AuditActor; requestId?: string },
): Promise<ApplyReport & { agentSlugs: string[] }> {
  const parsed = parseOnboardingInput(p.input);
  if (!parsed.ok) {
    throw new AppError("INVALID_INPUT", {
      message: parsed.errors.map((e) => `${e.path}: ${e.message}`).join("\n"),
      reason: { code: "onboarding.invalid", errors: parsed.errors.map((e) => ({ path: e.path, message: e.message })) },
    });
  }
  const slug = parsed.file.tenant.slug;
  try {
    return await createOnboardedTenant(db, parsed.file, p);
  } catch (err) {
    // Two requests with the same intake at once (a double click): both pass the checks below before
    // either commits, and the second trips a unique index on its insert. It is the same CONFLICT.
    if (sqlState(err) === "23505") {
      const constraint = pgErrorField(err, "constraint_name");
      if (constraint === "phone_numbers_phone_number_id_key") {
        throw new AppError("CONFLICT", {
          message: "a phone_number_id of the intake was registered meanwhile",
          reason: { code: "onboarding.number_taken" },
          cause: err,
        });
      }
      if (constraint === "tenants_slug_key") {
        throw new AppError("CONFLICT", {
          message: `tenant "${slug}" already exists (created meanwhile)`,
          reason: { code: "onboarding.slug_taken", slug },
          cause: err,
        });
      }
      throw new AppError("CONFLICT", {
        message: `the intake collides with a row created meanwhile (${constraint ?? "unique violation"})`,
        reason: { code: "onboarding.raced" },
        cause: err,
      });
    }
    throw err;
  }
}

type ParsedOnboarding = Extract<ReturnType<typeof parseOnboardingInput>, { ok: true }>["file"];

async function createOnboardedTenant(
  db: Executor,
  file: ParsedOnboarding,
  p: { secretKey: SecretKeys; actor: AuditActor; requestId?: string },
): Promise<ApplyReport & { agentSlugs: string[] }> {
  return db.transaction(async (tx) => {
    const slug = file.tenant.slug;
    const [taken] = await tx
      .select({ id: tenants.id })
      .from(tenants)
      .where(sql`${tenants.slug} = ${slug}`);
    if (taken) {
      throw new AppError("CONFLICT", {
        message: `tenant "${slug}" already exists`,
        reason: { code: "onboarding.slug_taken", slug },
      });
    }
    const ids = file.numbers.map((n) => n.phoneNumberId);
    if (ids.length > 0) {
      const used = await tx
        .select({ phoneNumberId: phoneNumbers.phoneNumberId })
        .from(phoneNumbers)
        .where(inArray(phoneNumbers.phoneNumberId, ids));
      const first = used[0];
      if (first) {
        const index = ids.indexOf(first.phoneNumberId);
        throw new AppError("CONFLICT", {
          message: `phone_number_id ${first.phoneNumberId} belongs to another tenant`,
          reason: { code: "onboarding.number_taken", phoneNumberId: first.phoneNumberId, index },
        });
      }
    }
    const report = await applyTenantFile(tx, file, {
      secretKey: p.secretKey,
      env: {},
      actor: p.actor,
      via: "wizard",
    });
    await insertAuditEvent(tx, {
      tenantId: report.tenantId,
      actor: p.actor,
      type: "tenant.onboarded",
      subjectType: "tenant",
      subjectId: report.tenantId,
      data: {
        agents: file.agents.map((a) => a.slug),
        activate: file.agents[0]?.activate ?? true,
        routing: file.routing.mode,
        templates: (file.templates ?? []).map((t) => ({
          name: t.name,
          language: t.language,
          purpose: t.purpose,
        })),
        numbers: file.numbers.map((n) => ({
          displayPhoneNumber: n.displayPhoneNumber,
          kind: n.kind,
          agent: n.agent,
        })),
      },
      requestId: p.requestId,
    });
    return { ...report, agentSlugs: file.agents.map((a) => a.slug) };
  });
}
