/**
 * The rules of a WhatsApp template's approved text, in one place: the apply file's `templates[]`
 * (`lx apply`, the onboarding wizard) and the console's template procedures all refine their template
 * with `checkTemplateBody`, so a body one path refuses no other path stores. zod only (the browser
 * imports this file).
 */
import type { z } from "zod";

/** `{{1}}`, `{{ 2 }}`: Meta's numbered body parameters. */
const NUMBERED_PARAM = /\{\{\s*(\d+)\s*\}\}/g;
/** Any `{{…}}` at all (named parameters included). */
const ANY_PARAM = /\{\{([^{}]*)\}\}/g;

/**
 * The numbered parameters of a template body, in order of first appearance (`[1, 2]`). The worker
 * fills the re-engagement template's `{{1}}` with the customer's first name.
 */
export function templateBodyParams(body: string): number[] {
  const seen: number[] = [];
  for (const match of body.matchAll(NUMBERED_PARAM)) {
    const n = Number(match[1]);
    if (!seen.includes(n)) {
      seen.push(n);
    }
  }
  return seen;
}

/**
 * What is wrong with a body, if anything: Meta's parameters are numbered `{{1}}…{{n}}` without gaps,
 * and a re-engagement body has at most `{{1}}`, the only value the runtime has for it (the
 * customer's first name: the outbox fills nothing else).
 */
export function templateBodyProblem(body: string, purpose: string | null | undefined): string | null {
  const named = [...body.matchAll(ANY_PARAM)].find((match) => !/^\s*\d+\s*$/.test(match[1] ?? ""));
  if (named) {
    return `parameters are numbered: {{1}}, {{2}}… (found ${named[0]})`;
  }
  const params = templateBodyParams(body);
  const sorted = [...params].sort((a, b) => a - b);
  if (sorted.some((n, i) => n !== i + 1)) {
    return `parameters must be {{1}}, {{2}}… without gaps (found ${sorted.map((n) => `{{${n}}}`).join(", ")})`;
  }
  if (purpose === "reengagement" && params.length > 1) {
    return "a re-engagement template takes at most one parameter, {{1}}: the customer's first name";
  }
  return null;
}

/** The refinement every template schema carries: the body's problem, reported at `body`. */
export function checkTemplateBody(
  template: { body: string; purpose?: string | null | undefined },
  ctx: z.core.$RefinementCtx,
): void {
  const problem = templateBodyProblem(template.body, template.purpose);
  if (problem !== null) {
    ctx.addIssue({ code: "custom", path: ["body"], message: problem, input: template.body });
  }
}
