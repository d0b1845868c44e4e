/**
 * The onboarding wizard (intake → a new tenant, its agents with their first AgentSpecs, its WhatsApp
 * templates, routing and numbers): the input of apps/api `onboarding.create` and the `lx apply`
 * document it becomes. The intake's own schema only shapes what the form holds (strings, lists);
 * every rule is the apply file's (`ZApplyFile`, with `ZAgentSpec` inside) plus the few checks below
 * that only make sense for a tenant created from scratch. One function, `parseOnboardingInput`,
 * runs both and names each problem by its apply-file path; the console runs it live on every edit
 * and the API again before writing. zod only (the browser imports this file).
 */
import { z } from "zod";

import {
  NUMBER_KINDS,
  parseApplyFile,
  TEMPLATE_CATEGORIES,
  TEMPLATE_PURPOSES,
  type TApplyFile,
} from "./apply-file.ts";
import type { FieldError } from "./issues.ts";

export const ONBOARDING_MAX_NUMBERS = 10;
/** A menu has at most 10 options (WhatsApp list rows), so at most 10 agents to route to. */
export const ONBOARDING_MAX_AGENTS = 10;
export const ONBOARDING_MAX_TEMPLATES = 20;
export const ROUTING_MODES = ["number", "menu"] as const;

export const ZOnboardNumber = z.object({
  phoneNumberId: z.string().trim(),
  displayPhoneNumber: z.string().trim(),
  /** The Graph API token itself (the console has no environment to read `env:NAME` from). */
  accessToken: z
    .string()
    .trim()
    .refine((value) => !value.startsWith("env:"), "paste the token itself, not an env: reference"),
  kind: z.enum(NUMBER_KINDS),
  /** The agent answering this number (routing by number); the first agent when left out. */
  agent: z.string().trim().optional(),
});
export type TOnboardNumber = z.infer<typeof ZOnboardNumber>;

export const ZOnboardAgent = z.object({
  slug: z.string().trim(),
  /** The agent's first AgentSpec (validated with the whole file, errors named by path). */
  spec: z.unknown(),
});
export type TOnboardAgent = z.infer<typeof ZOnboardAgent>;

/** A WhatsApp message template already approved in Meta's WhatsApp Manager (apply file `templates`). */
export const ZOnboardTemplate = z.object({
  name: z.string().trim(),
  language: z.string().trim(),
  category: z.enum(TEMPLATE_CATEGORIES),
  purpose: z.enum(TEMPLATE_PURPOSES),
  /** The approved body, with its numbered parameters: `Olá {{1}}, podemos continuar?`. */
  body: z.string(),
});
export type TOnboardTemplate = z.infer<typeof ZOnboardTemplate>;

/**
 * How a customer reaches an agent: by the number they write to, or by an initial menu. The menu's
 * prompt and options are kept while the mode is "number" (switching back and forth loses nothing);
 * only the chosen mode goes into the apply file.
 */
export const ZOnboardRouting = z.object({
  mode: z.enum(ROUTING_MODES),
  prompt: z.string().default(""),
  options: z
    .array(z.object({ title: z.string().trim(), agent: z.string().trim() }))
    .max(ONBOARDING_MAX_AGENTS)
    .default([]),
});
export type TOnboardRouting = z.input<typeof ZOnboardRouting>;

export const ZOnboardTenantInput = z.object({
  tenant: z.object({ slug: z.string().trim(), name: z.string().trim() }),
  agents: z
    .array(ZOnboardAgent)
    .min(1, "at least one agent")
    .max(ONBOARDING_MAX_AGENTS, `at most ${ONBOARDING_MAX_AGENTS} agents`),
  /** Publish each agent's 1.0.0 and make it live right away (otherwise publish only). */
  activate: z.boolean().default(true),
  templates: z.array(ZOnboardTemplate).max(ONBOARDING_MAX_TEMPLATES).default([]),
  routing: ZOnboardRouting.default({ mode: "number", prompt: "", options: [] }),
  numbers: z.array(ZOnboardNumber).max(ONBOARDING_MAX_NUMBERS).default([]),
});
export type TOnboardTenantInput = z.input<typeof ZOnboardTenantInput>;

/**
 * The `lx apply` document the wizard stands for. Numbers without an agent go to the first agent;
 * the routing is the chosen mode only.
 */
export function onboardingApplyFile(input: TOnboardTenantInput): Record<string, unknown> {
  const firstAgent = input.agents[0]?.slug ?? "";
  const routing = input.routing ?? { mode: "number" };
  return {
    tenant: { slug: input.tenant.slug, name: input.tenant.name },
    numbers: (input.numbers ?? []).map(({ agent, ...n }) => ({ ...n, agent: agent || firstAgent })),
    routing:
      routing.mode === "menu"
        ? { mode: "menu", prompt: routing.prompt ?? "", options: routing.options ?? [] }
        : { mode: "number" },
    agents: input.agents.map((a) => ({ slug: a.slug, spec: a.spec, activate: input.activate ?? true })),
    ...((input.templates ?? []).length > 0 ? { templates: input.templates } : {}),
  };
}

// The body rules (`templateBodyParams`, `templateBodyProblem`) live with the template schema.
export { templateBodyParams } from "./template-body.ts";

const SPEC_TEMPLATE_PURPOSES = ["reengagement", "reminder"] as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const stringAt = (value: unknown, key: string): string | undefined =>
  isRecord(value) && typeof value[key] === "string" ? value[key] : undefined;

/**
 * What only a brand-new tenant needs on top of the apply file's rules: every template an agent's
 * spec names (`templates.reengagement`, `templates.reminder`) is one of the tenant's templates, of
 * that purpose (the template bodies' own rules are the apply file's: `template-body.ts`). Works on
 * unvalidated input, like the apply file's cross-checks.
 */
function checkOnboarding(input: TOnboardTenantInput): FieldError[] {
  const errors: FieldError[] = [];
  const templates = input.templates ?? [];
  input.agents.forEach((agent, index) => {
    const refs = isRecord(agent.spec) ? agent.spec.templates : undefined;
    for (const purpose of SPEC_TEMPLATE_PURPOSES) {
      const ref = isRecord(refs) ? refs[purpose] : undefined;
      const name = stringAt(ref, "name");
      const language = stringAt(ref, "language");
      if (name === undefined || language === undefined) {
        continue;
      }
      const path = `agents.${index}.spec.templates.${purpose}.name`;
      const template = templates.find((t) => t.name === name && t.language === language);
      if (!template) {
        const known = templates.filter((t) => t.purpose === purpose).map((t) => `${t.name} (${t.language})`);
        errors.push({
          path,
          message: `template "${name}" (${language}) is not among the templates${known.length > 0 ? ` (${purpose}: ${known.join(", ")})` : ""}`,
        });
      } else if (template.purpose !== purpose) {
        errors.push({
          path,
          message: `template "${name}" (${language}) is a ${template.purpose} template, not ${purpose}`,
        });
      }
    }
  });
  return errors;
}

/** The re-engagement template an agent's spec names, if any (`spec.templates.reengagement`). */
export function reengagementTemplateOf(spec: unknown): { name: string; language: string } | null {
  const ref = isRecord(spec) && isRecord(spec.templates) ? spec.templates.reengagement : undefined;
  const name = stringAt(ref, "name");
  const language = stringAt(ref, "language");
  return name !== undefined && language !== undefined ? { name, language } : null;
}

export type ParseOnboardingResult =
  | { ok: true; file: TApplyFile; warnings: FieldError[] }
  | { ok: false; errors: FieldError[]; warnings: FieldError[] };

/**
 * Validates an intake as the apply file it becomes plus the checks above. Errors name apply-file
 * paths (`agents.1.spec.handoff.message: required`, `routing.options.0.agent: unknown agent "x"`).
 * Warnings do not block: an agent without a re-engagement template cannot answer outside the
 * 24-hour window (its replies there are blocked and audited), which may be fine until Meta approves one.
 */
export function parseOnboardingInput(input: TOnboardTenantInput): ParseOnboardingResult {
  const warnings: FieldError[] = input.agents
    .map((agent, index) => ({ agent, index }))
    .filter(({ agent }) => reengagementTemplateOf(agent.spec) === null)
    .map(({ index }) => ({
      path: `agents.${index}.spec.templates.reengagement`,
      message: "no re-engagement template: replies outside the 24-hour window will be blocked",
    }));
  const parsed = parseApplyFile(onboardingApplyFile(input));
  const reported = new Set(parsed.ok ? [] : parsed.errors.map((e) => `${e.path}\n${e.message}`));
  const extra = checkOnboarding(input).filter((e) => !reported.has(`${e.path}\n${e.message}`));
  if (parsed.ok && extra.length === 0) {
    return { ok: true, file: parsed.file, warnings };
  }
  return { ok: false, errors: [...(parsed.ok ? [] : parsed.errors), ...extra], warnings };
}
