/**
 * CompiledAgentBundle: what an agent version freezes and what the worker runs. The zod schema lets
 * the database layer validate a stored bundle; absent options are explicit `null`s so consumers never
 * guess a default.
 */
import { z } from "zod";

import { AGENT_ROLES, CALENDAR_BACKENDS, CRM_BACKENDS, MODEL_PROVIDERS, WEEKDAYS } from "../schemas/agent-spec.ts";

export const BUNDLE_VERSION = 1;
/** Estimated tokens of the system prompt past which the compiler warns. */
export const PROMPT_TOKEN_BUDGET = 6000;

export const TOOL_NAMES = ["handoff_to_human", "check_availability", "book_slot", "create_deal"] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, "must be a lowercase hex SHA-256");

/** OpenAI-style function tool; `parameters` is a JSON Schema object. Anthropic's `input_schema` is the same object. */
export const ZToolDefinition = z.strictObject({
  type: z.literal("function"),
  function: z.strictObject({
    name: z.enum(TOOL_NAMES),
    description: z.string(),
    parameters: z.record(z.string(), z.unknown()),
  }),
});
export type ToolDefinition = z.infer<typeof ZToolDefinition>;

const ZTemplateRefOut = z.strictObject({ name: z.string(), language: z.string() });

export const ZBundlePolicies = z.strictObject({
  maxReplyChars: z.int().min(1),
  blockedTopics: z.array(z.string()),
  blockedPhrases: z.array(z.string()),
  /** `null`: no link policy; `[]`: no links at all; otherwise the allowed domains (subdomains included). */
  allowedLinkDomains: z.array(z.string()).nullable(),
  fallbackMessage: z.string(),
  handoff: z.strictObject({
    /** Normalised with `normalizeText` (lowercase, no accents), deduplicated. */
    keywords: z.array(z.string()),
    message: z.string(),
    allowModelRequest: z.boolean(),
    /** `null`: the bot never takes the conversation back on its own. */
    resumeAfterMinutes: z.int().nullable(),
    notifyWebhookUrl: z.string().nullable(),
  }),
});
export type BundlePolicies = z.infer<typeof ZBundlePolicies>;

/** The calendar plugin as compiled. */
export const ZBundleCalendar = z.strictObject({
  backend: z.enum(CALENDAR_BACKENDS),
  webhookUrl: z.string().nullable(),
  slotMinutes: z.int(),
  /** The local calendar's opening hours (the spec's business.hours); bundles compiled before: none. */
  hours: z.array(z.strictObject({ day: z.enum(WEEKDAYS), open: z.string(), close: z.string() })).default([]),
  /** Appointment length per service (durationMinutes, else slotMinutes); bundles compiled before: none. */
  services: z.array(z.strictObject({ name: z.string(), minutes: z.int() })).default([]),
});
export type BundleCalendar = z.infer<typeof ZBundleCalendar>;

export const ZCompiledAgentBundle = z.strictObject({
  bundleVersion: z.literal(BUNDLE_VERSION),
  specVersion: z.literal(1),
  agent: z.strictObject({
    name: z.string(),
    role: z.enum(AGENT_ROLES),
    language: z.string(),
    timezone: z.string(),
  }),
  systemPrompt: z.string(),
  tools: z.array(ZToolDefinition),
  policies: ZBundlePolicies,
  model: z.strictObject({
    provider: z.enum(MODEL_PROVIDERS),
    name: z.string(),
    temperature: z.number(),
    maxOutputTokens: z.int(),
  }),
  context: z.strictObject({
    recentMessages: z.int(),
    summarizeAfter: z.int(),
    burstWindowMs: z.int(),
  }),
  templates: z.strictObject({
    reengagement: ZTemplateRefOut.nullable(),
    reminder: ZTemplateRefOut.nullable(),
  }),
  plugins: z.strictObject({
    calendar: ZBundleCalendar.nullable(),
    reminders: z.strictObject({ offsetsMinutes: z.array(z.int()) }).nullable(),
    crm: z
      .strictObject({
        backend: z.enum(CRM_BACKENDS),
        webhookUrl: z.string().nullable(),
        baseUrl: z.string().nullable(),
        qualifyFields: z.array(z.string()),
        /** Present only when the spec maps fields (bundles without it keep their hashes). */
        customFields: z.record(z.string(), z.string()).optional(),
      })
      .nullable(),
  }),
  /** What fed the prompt's knowledge section (the text itself is in the prompt). */
  knowledge: z.array(
    z.strictObject({
      title: z.string(),
      origin: z.enum(["spec", "doc"]),
      chars: z.int(),
      sha256: hex64,
    }),
  ),
  stats: z.strictObject({
    promptChars: z.int(),
    estimatedTokens: z.int(),
    toolCount: z.int(),
    toolsEstimatedTokens: z.int(),
    knowledgeChars: z.int(),
  }),
  warnings: z.array(z.string()),
  specHash: hex64,
  bundleHash: hex64,
});

export type CompiledAgentBundle = z.infer<typeof ZCompiledAgentBundle>;
export type TCompiledAgentBundle = CompiledAgentBundle;
