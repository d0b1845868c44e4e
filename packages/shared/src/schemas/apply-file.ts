/**
 * The `lx apply FILE` document (CONTRACT.md): a tenant, its numbers, routing, agents (with their
 * AgentSpec) and templates. Cross-references are checked here so every error names its path.
 */
import { z } from "zod";

import { ZAgentSpec } from "./agent-spec.ts";
import { RETENTION_DAYS_MAX, RETENTION_DAYS_MIN } from "./customers.ts";
import { type FieldError, safeParseWithPaths } from "./issues.ts";
import { checkTemplateBody } from "./template-body.ts";

export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const NUMBER_KINDS = ["meta", "sandbox"] as const;
export const TEMPLATE_CATEGORIES = ["utility", "marketing", "authentication"] as const;
export const TEMPLATE_PURPOSES = ["reengagement", "reminder", "handoff", "other"] as const;

/** A lowercase slug: `haven`, `haven-sp`, `sdr`. */
export const ZSlug = z
  .string()
  .max(63, "must be at most 63 characters")
  .regex(SLUG_PATTERN, "must be a lowercase slug (a-z, 0-9 and single dashes)");

/** A secret given literally or as `env:NAME` (read from the environment of whoever runs `lx apply`). */
export const ZSecretRef = z
  .string()
  .regex(/\S/, "must not be empty")
  .refine(
    (value) => !value.startsWith("env:") || ENV_NAME.test(value.slice(4)),
    "env reference must be env:NAME with NAME a valid environment variable name",
  );

export type SecretRef = { kind: "env"; name: string } | { kind: "literal"; value: string };

/** Splits a secret reference; resolving `env:NAME` is the caller's job (packages never read env). */
export function parseSecretRef(value: string): SecretRef {
  return value.startsWith("env:") ? { kind: "env", name: value.slice(4) } : { kind: "literal", value };
}

const nonEmpty = (max: number) =>
  z.string().regex(/\S/, "must not be empty").max(max, `must be at most ${max} characters`);

export const ZApplyNumber = z.strictObject({
  // Empty says "must not be empty", like every other required field; anything else must be digits.
  phoneNumberId: z
    .string()
    .regex(/\S/, "must not be empty")
    .regex(/^(?:\d{1,30}|\s*)$/, "must be digits (Meta's phone_number_id)"),
  displayPhoneNumber: nonEmpty(40),
  /** The WhatsApp Business Account id: template status changes from Meta are matched by it. */
  wabaId: z.string().regex(/^\d{1,30}$/, "must be digits (Meta's WhatsApp Business Account id)").optional(),
  accessToken: ZSecretRef,
  agent: ZSlug,
  kind: z.enum(NUMBER_KINDS).default("meta"),
});

export const ZMenuOption = z.strictObject({
  /** WhatsApp list rows allow 24 characters; with the option's number, fewer (ZRouting, menuTitleMax). */
  title: nonEmpty(24),
  agent: ZSlug,
});

/** Meta's limits: a reply button's title ≤ 20 characters, a list row's ≤ 24 (interactive messages reference). */
export const MENU_BUTTON_TITLE_MAX = 20;
export const MENU_ROW_TITLE_MAX = 24;
/** Up to this many options the menu is reply buttons, past it a list (domain/routing.ts buildMenuPayload). */
export const MENU_MAX_BUTTONS = 3;

/**
 * How long option `index`'s title may be in a menu of `count` options, so that WhatsApp shows it
 * whole: the menu numbers each option ("1 Vendas"), and the number ("1 ", "10 ") counts against
 * Meta's limit — 20 for reply buttons, 24 for list rows.
 */
export function menuTitleMax(count: number, index: number): number {
  return (count <= MENU_MAX_BUTTONS ? MENU_BUTTON_TITLE_MAX : MENU_ROW_TITLE_MAX) - `${index + 1} `.length;
}

/** A title WhatsApp would cut is refused, with the room left at that place in that menu. */
function checkMenuTitles(options: readonly { title: string }[], ctx: z.RefinementCtx): void {
  options.forEach((option, index) => {
    const max = menuTitleMax(options.length, index);
    if (option.title.length > max) {
      const where =
        options.length <= MENU_MAX_BUTTONS
          ? `WhatsApp's reply buttons (up to ${MENU_MAX_BUTTONS} options) show ${MENU_BUTTON_TITLE_MAX} characters`
          : `WhatsApp's list rows show ${MENU_ROW_TITLE_MAX} characters`;
      ctx.addIssue({
        code: "custom",
        path: ["options", index, "title"],
        message: `must be at most ${max} characters: ${where}, the option's number "${index + 1} " included`,
      });
    }
  });
}

export const ZRouting = z.discriminatedUnion(
  "mode",
  [
    z.strictObject({ mode: z.literal("number") }),
    z.strictObject({
      mode: z.literal("menu"),
      prompt: nonEmpty(1024),
      options: z.array(ZMenuOption).min(1, "at least one option").max(10, "at most 10 options"),
    }).superRefine((routing, ctx) => checkMenuTitles(routing.options, ctx)),
  ],
  { error: 'expected "number" or "menu"' },
);

export const ZApplyAgent = z.strictObject({
  slug: ZSlug,
  name: nonEmpty(120).optional(),
  spec: ZAgentSpec,
  activate: z.boolean().optional(),
});

/** A template's fields, unrefined (for `.pick`); every schema that stores one refines it with `checkTemplateBody`. */
export const ZApplyTemplateFields = z.strictObject({
  name: z.string().regex(/^[a-z0-9_]+$/, "must be a Meta template name (a-z, 0-9, _)").max(512),
  language: z.string().regex(/^[a-z]{2,3}(?:_[A-Za-z]{2,4})?$/, 'must be a Meta language code like "pt_BR"'),
  category: z.enum(TEMPLATE_CATEGORIES),
  purpose: z.enum(TEMPLATE_PURPOSES).optional(),
  body: nonEmpty(1024),
});

/** A template as `lx apply`, the wizard and the console store it: its body checked (`template-body.ts`). */
export const ZApplyTemplate = ZApplyTemplateFields.superRefine(checkTemplateBody);

export const ZApplyFile = z
  .strictObject({
    tenant: z.strictObject({
      slug: ZSlug,
      name: nonEmpty(120),
      /**
       * Days a conversation is kept after its last message before the workers erase its customer's
       * data (LGPD); null: kept until erased by hand; absent: left as it is (the console may set it).
       */
      retentionDays: z.int().min(RETENTION_DAYS_MIN).max(RETENTION_DAYS_MAX).nullable().optional(),
    }),
    numbers: z.array(ZApplyNumber),
    routing: ZRouting,
    agents: z.array(ZApplyAgent).min(1, "at least one agent"),
    templates: z.array(ZApplyTemplate).optional(),
    webhookSecret: ZSecretRef.optional(),
    /** The CRM plugin's API token (Pipedrive, RD Station CRM), a literal or `env:NAME`. */
    crmToken: ZSecretRef.optional(),
  })
  .superRefine((file, ctx) => {
    for (const issue of crossCheckApplyFile(file)) {
      ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
    }
  });

type CrossIssue = { path: (string | number)[]; message: string };

const itemsOf = (value: unknown): unknown[] => (Array.isArray(value) ? (value as unknown[]) : []);
const fieldOf = (value: unknown, key: string): unknown =>
  typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
const stringOf = (value: unknown, key: string): string | undefined => {
  const field = fieldOf(value, key);
  return typeof field === "string" ? field : undefined;
};

/**
 * Cross-references of an apply file: unique agent slugs, phoneNumberIds, menu titles and templates;
 * every number's and menu option's agent exists. Works on unvalidated input too, so `parseApplyFile`
 * reports these together with shape errors instead of one round later.
 */
function crossCheckApplyFile(input: unknown): CrossIssue[] {
  const issues: CrossIssue[] = [];
  const findDuplicates = (
    items: unknown[],
    keyOf: (item: unknown) => string | undefined,
    report: (index: number, first: number, item: unknown) => CrossIssue,
  ) => {
    const seen = new Map<string, number>();
    items.forEach((item, index) => {
      const key = keyOf(item);
      if (key === undefined) {
        return;
      }
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, index);
      } else {
        issues.push(report(index, first, item));
      }
    });
    return seen;
  };

  const agents = findDuplicates(
    itemsOf(fieldOf(input, "agents")),
    (agent) => stringOf(agent, "slug"),
    (index, first, agent) => ({
      path: ["agents", index, "slug"],
      message: `duplicate agent slug "${stringOf(agent, "slug") ?? ""}" (also agents.${first})`,
    }),
  );
  const unknownAgent = (slug: string) =>
    agents.size === 0
      ? `unknown agent "${slug}" (no agents defined)`
      : `unknown agent "${slug}" (agents: ${[...agents.keys()].join(", ")})`;

  const numbers = itemsOf(fieldOf(input, "numbers"));
  findDuplicates(
    numbers,
    (number) => stringOf(number, "phoneNumberId"),
    (index, first, number) => ({
      path: ["numbers", index, "phoneNumberId"],
      message: `duplicate phoneNumberId "${stringOf(number, "phoneNumberId") ?? ""}" (also numbers.${first})`,
    }),
  );
  numbers.forEach((number, index) => {
    const agent = stringOf(number, "agent");
    if (agent !== undefined && !agents.has(agent)) {
      issues.push({ path: ["numbers", index, "agent"], message: unknownAgent(agent) });
    }
  });

  const routing = fieldOf(input, "routing");
  if (stringOf(routing, "mode") === "menu") {
    const options = itemsOf(fieldOf(routing, "options"));
    options.forEach((option, index) => {
      const agent = stringOf(option, "agent");
      if (agent !== undefined && !agents.has(agent)) {
        issues.push({ path: ["routing", "options", index, "agent"], message: unknownAgent(agent) });
      }
    });
    findDuplicates(
      options,
      (option) => stringOf(option, "title")?.trim().toLowerCase(),
      (index, first, option) => ({
        path: ["routing", "options", index, "title"],
        message: `duplicate option title "${stringOf(option, "title") ?? ""}" (also routing.options.${first})`,
      }),
    );
  }

  findDuplicates(
    itemsOf(fieldOf(input, "templates")),
    (template) => {
      const name = stringOf(template, "name");
      const language = stringOf(template, "language");
      return name === undefined || language === undefined ? undefined : `${name}/${language}`;
    },
    (index, first, template) => ({
      path: ["templates", index, "name"],
      message: `duplicate template "${stringOf(template, "name") ?? ""}" (${stringOf(template, "language") ?? ""}) (also templates.${first})`,
    }),
  );
  return issues;
}

/** The file as written (`kind` optional). */
export type TApplyFileInput = z.input<typeof ZApplyFile>;
/** The file after parsing (`kind` defaulted to "meta"). */
export type TApplyFile = z.output<typeof ZApplyFile>;
export type TApplyNumber = z.output<typeof ZApplyNumber>;
export type TApplyAgent = z.output<typeof ZApplyAgent>;
export type TApplyTemplate = z.output<typeof ZApplyTemplate>;
export type TRouting = z.output<typeof ZRouting>;

export type ParseApplyFileResult = { ok: true; file: TApplyFile } | { ok: false; errors: FieldError[] };

/** Validates an `lx apply` document; errors name their path (`numbers.0.agent: unknown agent "x" (agents: sdr)`). */
export function parseApplyFile(input: unknown): ParseApplyFileResult {
  const result = safeParseWithPaths(ZApplyFile, input);
  if (result.ok) {
    return { ok: true, file: result.data };
  }
  // The schema's own cross-check only runs on a well-formed file; report those problems now too.
  const reported = new Set(result.errors.map((error) => error.path));
  const extra = crossCheckApplyFile(input)
    .map((issue) => ({ path: issue.path.join("."), message: issue.message }))
    .filter((error) => !reported.has(error.path));
  return { ok: false, errors: [...result.errors, ...extra] };
}
