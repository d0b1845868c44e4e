/**
 * compile(spec, docs) → CompiledAgentBundle. Pure and deterministic: no clock, no randomness, no
 * environment; the same spec and docs always give the same bytes (canonical JSON) and hashes.
 *
 * It expects a spec validated by `parseAgentSpec`; it still clamps `maxReplyChars` defensively.
 */
import { MAX_REPLY_CHARS_LIMIT, type TAgentSpec } from "../schemas/agent-spec.ts";
import {
  BUNDLE_VERSION,
  type BundlePolicies,
  type CompiledAgentBundle,
  PROMPT_TOKEN_BUDGET,
} from "./bundle.ts";
import { canonicalJson } from "./canonical-json.ts";
import { sha256Hex } from "./hash.ts";
import { estimateTokens, normalizeText } from "./normalize-text.ts";
import { buildSystemPrompt, oneLine, textBlock } from "./prompt.ts";
import { promptLocaleOf, promptStrings } from "./prompt-strings.ts";
import { buildTools } from "./tools.ts";

export type KnowledgeInput = { title: string; content: string };

export const COMPILE_DEFAULTS = {
  maxReplyChars: 1000,
  model: { provider: "openai", name: "gpt-4o-mini", temperature: 0.3, maxOutputTokens: 400 },
  context: { recentMessages: 20, summarizeAfter: 40, burstWindowMs: 0 },
  calendarSlotMinutes: 30,
} as const;

/** A knowledge document past this many characters gets its own warning. */
export const LARGE_DOCUMENT_CHARS = 20_000;

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase().replace(/^www\./, "");
  } catch {
    return null;
  }
}

function resolvePolicies(spec: TAgentSpec, warnings: string[]): BundlePolicies {
  const policies = spec.policies ?? {};
  const strings = promptStrings(promptLocaleOf(spec.agent.language));

  const requested = policies.maxReplyChars ?? COMPILE_DEFAULTS.maxReplyChars;
  const maxReplyChars = Math.min(MAX_REPLY_CHARS_LIMIT, Math.max(1, Math.floor(requested)));
  if (maxReplyChars !== requested) {
    warnings.push(
      `policies.maxReplyChars ${requested} was clamped to ${maxReplyChars} (WhatsApp allows 1 to ${MAX_REPLY_CHARS_LIMIT} characters).`,
    );
  }

  // An allow-list that forgot the business's own website would strip the agent's most useful link.
  let allowedLinkDomains: string[] | null = null;
  if (policies.allowedLinkDomains !== undefined) {
    const websiteHost = spec.business.website === undefined ? null : hostOf(spec.business.website);
    const domains = policies.allowedLinkDomains.map((domain) => domain.trim().toLowerCase());
    const coveredByList =
      websiteHost === null || domains.some((domain) => websiteHost === domain || websiteHost.endsWith(`.${domain}`));
    allowedLinkDomains = unique(coveredByList || websiteHost === null ? domains : [...domains, websiteHost]);
  }

  const keywords = unique(spec.handoff.keywords.map(normalizeText).filter((keyword) => keyword.length > 0));

  return {
    maxReplyChars,
    blockedTopics: unique((policies.blockedTopics ?? []).map(oneLine)),
    blockedPhrases: unique((policies.blockedPhrases ?? []).map(oneLine)),
    allowedLinkDomains,
    fallbackMessage: textBlock(policies.fallbackMessage ?? strings.fallbackMessage),
    handoff: {
      keywords,
      message: textBlock(spec.handoff.message),
      allowModelRequest: spec.handoff.allowModelRequest,
      resumeAfterMinutes: spec.handoff.resumeAfterMinutes ?? null,
      notifyWebhookUrl: spec.handoff.notifyWebhookUrl ?? null,
    },
  };
}

function resolveKnowledge(
  spec: TAgentSpec,
  docs: readonly KnowledgeInput[],
  warnings: string[],
): { title: string; content: string; origin: "spec" | "doc" }[] {
  const all = [
    ...(spec.knowledge ?? []).map((doc) => ({ ...doc, origin: "spec" as const })),
    ...docs.map((doc) => ({ ...doc, origin: "doc" as const })),
  ];
  const kept: { title: string; content: string; origin: "spec" | "doc" }[] = [];
  for (const doc of all) {
    const title = oneLine(doc.title);
    const content = textBlock(doc.content);
    if (content.length === 0) {
      warnings.push(`Knowledge document "${title}" is empty and was left out.`);
      continue;
    }
    if (content.length > LARGE_DOCUMENT_CHARS) {
      warnings.push(
        `Knowledge document "${title}" has ${content.length} characters (over ${LARGE_DOCUMENT_CHARS}); summarise or split it to keep the prompt small.`,
      );
    }
    kept.push({ title, content, origin: doc.origin });
  }
  return kept;
}

/** Hash of a bundle's canonical JSON, `bundleHash` itself left out. */
export function computeBundleHash(bundle: Omit<CompiledAgentBundle, "bundleHash"> & { bundleHash?: string }): string {
  const { bundleHash: _ignored, ...rest } = bundle;
  return sha256Hex(canonicalJson(rest));
}

/** True when a (stored) bundle's `bundleHash` matches its content. */
export function verifyBundleHash(bundle: CompiledAgentBundle): boolean {
  return computeBundleHash(bundle) === bundle.bundleHash;
}

/** sha256 of the spec's canonical JSON: key order and formatting of the source never matter. */
export function computeSpecHash(spec: TAgentSpec): string {
  return sha256Hex(canonicalJson(spec));
}

export function compile(spec: TAgentSpec, docs: readonly KnowledgeInput[] = []): CompiledAgentBundle {
  const warnings: string[] = [];
  const policies = resolvePolicies(spec, warnings);
  const knowledge = resolveKnowledge(spec, docs, warnings);
  const tools = buildTools(spec);

  const specModel = spec.model;
  const model = {
    provider: specModel?.provider ?? COMPILE_DEFAULTS.model.provider,
    name: specModel?.name ?? COMPILE_DEFAULTS.model.name,
    temperature: specModel?.temperature ?? COMPILE_DEFAULTS.model.temperature,
    maxOutputTokens: specModel?.maxOutputTokens ?? COMPILE_DEFAULTS.model.maxOutputTokens,
  };
  const context = {
    recentMessages: spec.context?.recentMessages ?? COMPILE_DEFAULTS.context.recentMessages,
    summarizeAfter: spec.context?.summarizeAfter ?? COMPILE_DEFAULTS.context.summarizeAfter,
    burstWindowMs: spec.context?.burstWindowMs ?? COMPILE_DEFAULTS.context.burstWindowMs,
  };
  const templates = {
    reengagement: spec.templates?.reengagement ?? null,
    reminder: spec.templates?.reminder ?? null,
  };
  const { calendar, reminders, crm } = spec.plugins ?? {};
  const plugins = {
    calendar:
      calendar === undefined
        ? null
        : {
            backend: calendar.backend,
            webhookUrl: calendar.webhookUrl ?? null,
            slotMinutes: calendar.slotMinutes ?? COMPILE_DEFAULTS.calendarSlotMinutes,
            hours: (spec.business.hours ?? []).map((h) => ({ day: h.day, open: h.open, close: h.close })),
            services: (spec.services ?? []).map((service) => ({
              name: service.name.trim(),
              minutes: service.durationMinutes ?? calendar.slotMinutes ?? COMPILE_DEFAULTS.calendarSlotMinutes,
            })),
          },
    reminders:
      reminders === undefined ? null : { offsetsMinutes: unique(reminders.offsetsMinutes).sort((a, b) => b - a) },
    crm:
      crm === undefined
        ? null
        : {
            backend: crm.backend,
            webhookUrl: crm.webhookUrl ?? null,
            baseUrl: crm.baseUrl ?? null,
            qualifyFields: unique(crm.qualifyFields),
            ...(crm.customFields && Object.keys(crm.customFields).length > 0
              ? { customFields: Object.fromEntries(Object.entries(crm.customFields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) }
              : {}),
          },
  };

  const systemPrompt = buildSystemPrompt({
    spec,
    policies,
    tools,
    knowledge,
    reminderOffsetsMinutes: plugins.reminders?.offsetsMinutes ?? null,
  });
  const estimatedTokens = estimateTokens(systemPrompt);

  if (estimatedTokens > PROMPT_TOKEN_BUDGET) {
    warnings.push(
      `The system prompt is about ${estimatedTokens} tokens, over the budget of ${PROMPT_TOKEN_BUDGET}; shorten knowledge, FAQ or services.`,
    );
  }
  if (plugins.calendar !== null && (spec.business.hours ?? []).length === 0) {
    warnings.push(
      "The calendar plugin is on but business.hours is empty: the local calendar has no opening hours and the agent cannot tell customers when you are open.",
    );
  }
  if (plugins.reminders !== null && plugins.calendar === null) {
    warnings.push("The reminders plugin is on without the calendar plugin: there are no appointments to remind.");
  }
  if (plugins.reminders !== null && templates.reminder === null) {
    warnings.push("The reminders plugin is on but templates.reminder is missing: reminders cannot be sent.");
  }
  if (templates.reengagement === null) {
    warnings.push("No templates.reengagement: replies outside the 24-hour window will be blocked.");
  }
  if (!policies.handoff.allowModelRequest && policies.handoff.keywords.length === 0) {
    warnings.push(
      "handoff.allowModelRequest is false and handoff.keywords is empty: customers have no way to reach a person.",
    );
  }
  if (plugins.crm !== null && plugins.crm.qualifyFields.length === 0) {
    warnings.push("The CRM plugin has no qualifyFields: create_deal will carry no qualification data.");
  }
  if (context.summarizeAfter < context.recentMessages) {
    warnings.push(
      `context.summarizeAfter (${context.summarizeAfter}) is below context.recentMessages (${context.recentMessages}).`,
    );
  }
  if (policies.handoff.message.length > policies.maxReplyChars) {
    warnings.push(`handoff.message is longer than policies.maxReplyChars (${policies.maxReplyChars}).`);
  }
  if (policies.fallbackMessage.length > policies.maxReplyChars) {
    warnings.push(`policies.fallbackMessage is longer than policies.maxReplyChars (${policies.maxReplyChars}).`);
  }
  if (model.maxOutputTokens * 4 < policies.maxReplyChars) {
    warnings.push(
      `model.maxOutputTokens (${model.maxOutputTokens}) may cut replies shorter than policies.maxReplyChars (${policies.maxReplyChars}).`,
    );
  }

  const unhashed: Omit<CompiledAgentBundle, "bundleHash"> = {
    bundleVersion: BUNDLE_VERSION,
    specVersion: spec.specVersion,
    agent: {
      name: spec.agent.name,
      role: spec.agent.role,
      language: spec.agent.language,
      timezone: spec.agent.timezone,
    },
    systemPrompt,
    tools,
    policies,
    model,
    context,
    templates: {
      reengagement:
        templates.reengagement === null
          ? null
          : { name: templates.reengagement.name, language: templates.reengagement.language },
      reminder: templates.reminder === null ? null : { name: templates.reminder.name, language: templates.reminder.language },
    },
    plugins,
    knowledge: knowledge.map((doc) => ({
      title: doc.title,
      origin: doc.origin,
      chars: doc.content.length,
      sha256: sha256Hex(doc.content),
    })),
    stats: {
      promptChars: systemPrompt.length,
      estimatedTokens,
      toolCount: tools.length,
      toolsEstimatedTokens: estimateTokens(canonicalJson(tools)),
      knowledgeChars: knowledge.reduce((sum, doc) => sum + doc.content.length, 0),
    },
    warnings,
    specHash: computeSpecHash(spec),
  };
  return { ...unhashed, bundleHash: computeBundleHash(unhashed) };
}
