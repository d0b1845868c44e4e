/**
 * AgentSpec v1 (see AGENT_SPEC.md): the one typed source an agent version is compiled from.
 *
 * Browser-safe: imports nothing from `node:*` nor from the compiler, because the admin SPA validates
 * specs with it. Defaults (maxReplyChars 1000, model, context…) are applied by the compiler, not here,
 * so a parsed spec is exactly what the operator wrote and its hash is stable.
 */
import { z } from "zod";

import { crmBaseUrlIssue } from "./crm-hosts.ts";
import { minutesOfDay, TIME_OF_DAY, TIME_OF_DAY_OR_MIDNIGHT } from "./time-of-day.ts";
import { type FieldError, formatSpecErrors, safeParseWithPaths } from "./issues.ts";

export { formatSpecErrors };
export type { FieldError };

export const AGENT_ROLES = ["sales", "support", "receptionist", "general"] as const;
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export const PERSONA_TONES = ["formal", "friendly", "concise", "enthusiastic"] as const;
export const MODEL_PROVIDERS = ["openai", "anthropic"] as const;
export const CALENDAR_BACKENDS = ["webhook", "local"] as const;
export const CRM_BACKENDS = ["webhook", "pipedrive", "rdstation"] as const;
/** WhatsApp's limit for one text message. */
export const MAX_REPLY_CHARS_LIMIT = 4096;

export type AgentRole = (typeof AGENT_ROLES)[number];
export type Weekday = (typeof WEEKDAYS)[number];
export type PersonaTone = (typeof PERSONA_TONES)[number];

const BCP47 =
  /^[a-zA-Z]{2,3}(?:-[a-zA-Z]{4})?(?:-(?:[a-zA-Z]{2}|\d{3}))?(?:-(?:[a-zA-Z\d]{5,8}|\d[a-zA-Z\d]{3}))*$/;
/** Meta's template language codes: `pt_BR`, `en_US`, `en`, `es_AR`. */
const META_LANGUAGE = /^[a-z]{2,3}(?:_[A-Za-z]{2,4})?$/;
/** Meta's template names: lowercase letters, digits and underscores. */
const META_TEMPLATE_NAME = /^[a-z0-9_]+$/;
const DOMAIN = /^(?=.{1,253}$)(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}$/;
const TIME_ZONE_SHAPE = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;

const timeZoneCache = new Map<string, boolean>();

/** True for an IANA zone name the runtime knows (`America/Sao_Paulo`, `UTC`); offsets like `+03:00` are refused. */
export function isValidTimeZone(timeZone: string): boolean {
  if (!TIME_ZONE_SHAPE.test(timeZone)) {
    return false;
  }
  const cached = timeZoneCache.get(timeZone);
  if (cached !== undefined) {
    return cached;
  }
  let valid: boolean;
  try {
    valid = new Intl.DateTimeFormat("en-US", { timeZone }).resolvedOptions().timeZone.length > 0;
  } catch {
    valid = false;
  }
  timeZoneCache.set(timeZone, valid);
  return valid;
}

/** A non-blank string of at most `max` characters. */
const text = (max: number) =>
  z.string().regex(/\S/, "must not be empty").max(max, `must be at most ${max} characters`);

/**
 * An http(s) URL a tenant's spec names. Never with credentials in it (`https://user:pass@host/`): a
 * spec is shown whole to operators, kept in every version, and quoted in audit events; a receiver's
 * credentials belong in its signature check (the tenant's webhook secret) or the CRM token.
 */
const httpUrl = z
  .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
  .max(2048)
  // abort: no other check of the spec speaks of this URL (the CRM's host rule) until it is fixed.
  .refine((url) => !hasUserinfo(url), {
    message: "must not hold a user name or password (user:password@): the spec is not a place for credentials",
    abort: true,
  });

function hasUserinfo(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== "" || u.password !== "";
  } catch {
    return false;
  }
}

const list = <T extends z.ZodType>(item: T, max: number) => z.array(item).max(max, `at most ${max} items`);

export const ZBusinessHours = z
  .strictObject({
    day: z.enum(WEEKDAYS),
    open: z.string().regex(TIME_OF_DAY, "must be HH:MM (00:00–23:59)"),
    close: z.string().regex(TIME_OF_DAY_OR_MIDNIGHT, "must be HH:MM (00:01–24:00)"),
  })
  .superRefine((hours, ctx) => {
    // Only two valid hours can be compared: a malformed one already has its own error.
    if (TIME_OF_DAY.test(hours.open) && TIME_OF_DAY_OR_MIDNIGHT.test(hours.close) && minutesOfDay(hours.close) <= minutesOfDay(hours.open)) {
      ctx.addIssue({ code: "custom", path: ["close"], message: "must be after open" });
    }
  });

const ZHoursList = list(ZBusinessHours, 49).superRefine((hours, ctx) => {
  hours.forEach((entry, index) => {
    const overlapping = hours.findIndex(
      (other, otherIndex) =>
        otherIndex < index &&
        other.day === entry.day &&
        minutesOfDay(other.open) < minutesOfDay(entry.close) &&
        minutesOfDay(entry.open) < minutesOfDay(other.close),
    );
    if (overlapping !== -1) {
      ctx.addIssue({ code: "custom", path: [index], message: `overlaps hours.${overlapping} on ${entry.day}` });
    }
  });
});

export const ZAgentIdentity = z.strictObject({
  name: text(80).describe('Persona name the customer sees, e.g. "Ana"'),
  role: z.enum(AGENT_ROLES),
  language: z
    .string()
    .regex(BCP47, 'must be a BCP 47 language tag like "pt-BR"')
    .describe('BCP 47, e.g. "pt-BR"; replies are always in this language'),
  timezone: z
    .string()
    .refine(isValidTimeZone, 'must be an IANA time zone like "America/Sao_Paulo"')
    .describe('IANA time zone, e.g. "America/Sao_Paulo"'),
});

export const ZBusiness = z.strictObject({
  name: text(120),
  description: text(4000),
  website: httpUrl.optional(),
  address: text(300).optional(),
  hours: ZHoursList.optional().describe("Opening hours; several intervals per day allowed, days not listed are closed"),
});

export const ZPersona = z.strictObject({
  tone: z.enum(PERSONA_TONES).optional(),
  useEmojis: z.boolean().optional(),
  instructions: list(text(500), 30).optional(),
});

export const ZService = z.strictObject({
  name: text(120),
  description: text(1000).optional(),
  price: text(60).optional().describe('Free text, e.g. "R$ 350" or "a partir de R$ 90"'),
  durationMinutes: z.int().min(1).max(1440).optional(),
});

export const ZFaqEntry = z.strictObject({ question: text(500), answer: text(4000) });

export const ZKnowledgeDoc = z.strictObject({ title: text(200), content: text(200_000) });

export const ZRules = z.strictObject({
  always: list(text(500), 50).optional(),
  never: list(text(500), 50).optional(),
});

export const ZHandoff = z.strictObject({
  keywords: list(text(60), 50).describe("Customer words that hand over at once (case- and accent-insensitive)"),
  allowModelRequest: z.boolean().describe("The model may call the handoff_to_human tool"),
  message: text(MAX_REPLY_CHARS_LIMIT).describe("Sent to the customer when the handoff starts"),
  notifyWebhookUrl: httpUrl.optional(),
  resumeAfterMinutes: z.int().min(1).max(10_080).optional(),
});

export const ZPolicies = z.strictObject({
  blockedTopics: list(text(200), 100).optional(),
  blockedPhrases: list(text(200), 200).optional(),
  maxReplyChars: z
    .int()
    .min(1)
    .max(MAX_REPLY_CHARS_LIMIT, `must be at most ${MAX_REPLY_CHARS_LIMIT} (WhatsApp's text limit)`)
    .optional()
    .describe("Default 1000"),
  allowedLinkDomains: list(z.string().regex(DOMAIN, 'must be a domain like "example.com"'), 50).optional(),
  fallbackMessage: text(MAX_REPLY_CHARS_LIMIT).optional(),
});

export const ZTemplateRef = z.strictObject({
  name: z.string().regex(META_TEMPLATE_NAME, "must be a Meta template name (a-z, 0-9, _)").max(512),
  language: z.string().regex(META_LANGUAGE, 'must be a Meta language code like "pt_BR"'),
});

export const ZSpecTemplates = z.strictObject({
  reengagement: ZTemplateRef.optional().describe("Used outside the 24h window"),
  reminder: ZTemplateRef.optional().describe("Used by the reminders plugin"),
});

export const ZModel = z.strictObject({
  provider: z.enum(MODEL_PROVIDERS),
  name: text(120),
  temperature: z.number().min(0).max(2).optional(),
  maxOutputTokens: z.int().min(16).max(16_384).optional(),
});

export const ZContextSettings = z.strictObject({
  recentMessages: z.int().min(1).max(200).optional().describe("Default 20"),
  summarizeAfter: z.int().min(2).max(2000).optional().describe("Default 40"),
  burstWindowMs: z.int().min(0).max(60_000).optional().describe("Default 0: answer each message at once"),
});

export const ZCalendarPlugin = z
  .strictObject({
    backend: z.enum(CALENDAR_BACKENDS),
    webhookUrl: httpUrl.optional(),
    slotMinutes: z.int().min(5).max(480).optional(),
  })
  .superRefine((calendar, ctx) => {
    if (calendar.backend === "webhook" && calendar.webhookUrl === undefined) {
      ctx.addIssue({ code: "custom", path: ["webhookUrl"], message: 'required when backend is "webhook"' });
    }
  });

/** The furthest ahead a reminder may go out: 30 days. */
export const REMINDER_OFFSET_MAX_MINUTES = 43_200;

export const ZRemindersPlugin = z.strictObject({
  offsetsMinutes: z
    .array(z.int().min(1).max(REMINDER_OFFSET_MAX_MINUTES))
    .min(1, "at least one offset")
    .max(10, "at most 10 items")
    .refine((offsets) => new Set(offsets).size === offsets.length, "offsets must be unique")
    .describe("Minutes before the appointment, e.g. [1440, 120]"),
});

export const ZCrmPlugin = z
  .strictObject({
    backend: z.enum(CRM_BACKENDS),
    webhookUrl: httpUrl.optional(),
    baseUrl: httpUrl
      .optional()
      .describe("Pipedrive / RD Station API base URL override: https on the CRM's own API host (the CRM token is sent there)"),
    qualifyFields: list(text(80), 30),
    customFields: z
      .record(z.string(), z.string().trim().min(1).max(100))
      .optional()
      .describe(
        "Pipedrive / RD Station: qualify field → the CRM's custom field key (Pipedrive's field key, RD Station's custom_field_id); the answer is written to that field instead of the note",
      ),
  })
  .superRefine((crm, ctx) => {
    if (crm.backend === "webhook" && crm.webhookUrl === undefined) {
      ctx.addIssue({ code: "custom", path: ["webhookUrl"], message: 'required when backend is "webhook"' });
    }
    // The tenant's CRM token goes to baseUrl: only the CRM's own API hosts (an address or localhost
    // is left to the worker's LX_EGRESS_ALLOW, which enforces the same rule where the token is attached).
    if (crm.backend !== "webhook" && crm.baseUrl !== undefined) {
      const issue = crmBaseUrlIssue(crm.backend, crm.baseUrl);
      if (issue) {
        ctx.addIssue({ code: "custom", path: ["baseUrl"], message: issue.message, params: issue.params });
      }
    }
    if (crm.customFields !== undefined) {
      if (crm.backend === "webhook") {
        ctx.addIssue({ code: "custom", path: ["customFields"], message: 'only for the "pipedrive" and "rdstation" backends (n8n gets every field by name)' });
      }
      for (const field of Object.keys(crm.customFields)) {
        if (!crm.qualifyFields.includes(field)) {
          ctx.addIssue({ code: "custom", path: ["customFields", field], message: "must be one of qualifyFields" });
        }
      }
    }
  });

export const ZPlugins = z.strictObject({
  calendar: ZCalendarPlugin.optional(),
  reminders: ZRemindersPlugin.optional(),
  crm: ZCrmPlugin.optional(),
});

export const ZAgentSpec = z.strictObject({
  specVersion: z.literal(1),
  agent: ZAgentIdentity,
  business: ZBusiness,
  persona: ZPersona.optional(),
  goals: z
    .array(text(500))
    .min(1, "at least one goal")
    .max(20, "at most 20 items")
    .describe("What a good conversation achieves, in order of priority"),
  services: list(ZService, 200).optional(),
  faq: list(ZFaqEntry, 300).optional(),
  knowledge: list(ZKnowledgeDoc, 50).optional(),
  rules: ZRules.optional(),
  handoff: ZHandoff,
  policies: ZPolicies.optional(),
  templates: ZSpecTemplates.optional(),
  model: ZModel.optional(),
  context: ZContextSettings.optional(),
  plugins: ZPlugins.optional(),
});

export type TAgentSpec = z.infer<typeof ZAgentSpec>;
export type TBusinessHours = z.infer<typeof ZBusinessHours>;
export type TService = z.infer<typeof ZService>;
export type TKnowledgeDoc = z.infer<typeof ZKnowledgeDoc>;
export type TTemplateRef = z.infer<typeof ZTemplateRef>;

export type ParseAgentSpecResult = { ok: true; spec: TAgentSpec } | { ok: false; errors: FieldError[] };

/** Validates unknown input (parsed JSON) as an AgentSpec v1; errors name their path (`handoff.message: required`). */
export function parseAgentSpec(input: unknown): ParseAgentSpecResult {
  const result = safeParseWithPaths(ZAgentSpec, input);
  return result.ok ? { ok: true, spec: result.data } : result;
}

let cachedJsonSchema: Record<string, unknown> | undefined;

/** JSON Schema (draft 2020-12) of AgentSpec v1, for the console's editor. Refinements (time zone, hours order) are not expressible and stay server/zod-side. */
export function agentSpecJsonSchema(): Record<string, unknown> {
  cachedJsonSchema ??= {
    ...z.toJSONSchema(ZAgentSpec, { io: "input" }),
    title: "AgentSpec v1",
  };
  return structuredClone(cachedJsonSchema);
}
