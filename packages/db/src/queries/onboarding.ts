import { inArray, sql } from "drizzle-orm";

import { onboardingApplyFile, parseApplyFile, type TOnboardTenantInput } from "@lx/shared/schemas";
import { AppError } from "@lx/shared/errors";

import type { Executor } from "../client.ts";
import { phoneNumbers, tenants } from "../schema/index.ts";
import { applyTenantFile, type ApplyReport } from "./apply.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";

/**
 * The onboarding wizard's end: creates a NEW tenant with its first agent (its AgentSpec published as
 * 1.0.0 and, unless told otherwise, activated) and its numbers — through the same `applyTenantFile`
 * as `lx apply`, in one transaction with the audit event `tenant.onboarded`. It never touches an
 * existing tenant: a taken slug or phone_number_id is CONFLICT.
 */
export async function onboardTenant(
  db: Executor,
  p: { input: TOnboardTenantInput; secretKey: Buffer; actor: AuditActor; requestId?: string },
): Promise<ApplyReport & { agentSlug: string }> {
  const file = onboardingApplyFile(p.input);
  const parsed = parseApplyFile(file);
  if (!parsed.ok) {
    throw new AppError("INVALID_INPUT", {
      message: parsed.errors.map((e) => `${e.path}: ${e.message}`).join("\n"),
      userMessage: parsed.errors.map((e) => `${e.path}: ${e.message}`).join("; "),
    });
  }
  return db.transaction(async (tx) => {
    const slug = parsed.file.tenant.slug;
    const [taken] = await tx
      .select({ id: tenants.id })
      .from(tenants)
      .where(sql`${tenants.slug} = ${slug}`);
    if (taken) {
      throw new AppError("CONFLICT", {
        message: `tenant "${slug}" already exists`,
        userMessage: `tenant.slug: "${slug}" is already taken`,
      });
    }
    const ids = parsed.file.numbers.map((n) => n.phoneNumberId);
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
          userMessage: `numbers.${index}.phoneNumberId: ${first.phoneNumberId} is already registered`,
        });
      }
    }
    const report = await applyTenantFile(tx, parsed.file, {
      secretKey: p.secretKey,
      env: {},
      actor: p.actor,
    });
    await insertAuditEvent(tx, {
      tenantId: report.tenantId,
      actor: p.actor,
      type: "tenant.onboarded",
      subjectType: "tenant",
      subjectId: report.tenantId,
      data: {
        agentSlug: p.input.agentSlug,
        activate: parsed.file.agents[0]?.activate ?? true,
        numbers: parsed.file.numbers.map((n) => ({ displayPhoneNumber: n.displayPhoneNumber, kind: n.kind })),
      },
      requestId: p.requestId,
    });
    return { ...report, agentSlug: p.input.agentSlug };
  });
}
