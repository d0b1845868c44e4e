/**
 * The onboarding wizard (intake → a new tenant, its first agent and AgentSpec, its numbers): the input
 * of apps/api `onboarding.create` and the apply file it becomes. zod only (the console validates the
 * same file live, with path-named errors, before sending it).
 */
import { z } from "zod";

import { NUMBER_KINDS, ZSlug } from "./apply-file.ts";

export const ONBOARDING_MAX_NUMBERS = 10;

export const ZOnboardNumber = z.object({
  phoneNumberId: z.string().trim(),
  displayPhoneNumber: z.string().trim(),
  /** The Graph API token itself (the console has no environment to read `env:NAME` from). */
  accessToken: z
    .string()
    .trim()
    .refine((value) => !value.startsWith("env:"), "paste the token itself, not an env: reference"),
  kind: z.enum(NUMBER_KINDS),
});
export type TOnboardNumber = z.infer<typeof ZOnboardNumber>;

export const ZOnboardTenantInput = z.object({
  tenant: z.object({ slug: z.string().trim(), name: z.string().trim() }),
  agentSlug: ZSlug,
  /** The first AgentSpec (validated with the whole file, errors named by path). */
  spec: z.unknown(),
  /** Publish 1.0.0 and make it live right away (otherwise publish only). */
  activate: z.boolean().default(true),
  numbers: z.array(ZOnboardNumber).max(ONBOARDING_MAX_NUMBERS).default([]),
});
export type TOnboardTenantInput = z.input<typeof ZOnboardTenantInput>;

/**
 * The `lx apply` document the wizard stands for: one agent answering every number (routing by number).
 * Validate it with `parseApplyFile` for path-named errors (`agents.0.spec.handoff.message: required`).
 */
export function onboardingApplyFile(input: TOnboardTenantInput): Record<string, unknown> {
  return {
    tenant: { slug: input.tenant.slug, name: input.tenant.name },
    numbers: (input.numbers ?? []).map((n) => ({ ...n, agent: input.agentSlug })),
    routing: { mode: "number" },
    agents: [{ slug: input.agentSlug, spec: input.spec, activate: input.activate ?? true }],
  };
}
