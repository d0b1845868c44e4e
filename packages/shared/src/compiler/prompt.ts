/**
 * The system prompt: Markdown sections written for the model, in the agent's language.
 * Pure string building — no clock, no Intl formatting — so the same spec gives the same bytes.
 */
import { type TAgentSpec, WEEKDAYS } from "../schemas/agent-spec.ts";
import { minutesOfDay } from "../schemas/time-of-day.ts";
import type { BundlePolicies, ToolDefinition } from "./bundle.ts";
import { normalizeText } from "./normalize-text.ts";
import { type PromptStrings, languageName, promptLocaleOf, promptStrings } from "./prompt-strings.ts";

export type PromptInput = {
  spec: TAgentSpec;
  policies: BundlePolicies;
  tools: ToolDefinition[];
  knowledge: { title: string; content: string }[];
  reminderOffsetsMinutes: number[] | null;
};

/** Collapses whitespace: for list items and other one-line fields. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Normalises line endings and trailing spaces of multi-line text. */
export function textBlock(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Pushes a document's own Markdown headings below the prompt's `### title` level. */
function demoteHeadings(content: string): string {
  return content.replace(/^(#{1,6})(?=\s)/gm, (hashes) => "#".repeat(Math.min(6, hashes.length + 3)));
}

function joinWords(items: string[], conjunction: string): string {
  if (items.length <= 1) {
    return items.join("");
  }
  return `${items.slice(0, -1).join(", ")} ${conjunction} ${items.at(-1) ?? ""}`;
}

export function formatDuration(minutes: number): string {
  if (minutes < 60) {
    return `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

const bullets = (items: string[]): string[] => items.map((item) => `- ${item}`);

function section(heading: string, lines: string[]): string | null {
  return lines.length === 0 ? null : `## ${heading}\n\n${lines.join("\n")}`;
}

function identitySection(spec: TAgentSpec, s: PromptStrings): string[] {
  return [
    s.identity(oneLine(spec.agent.name), s.roleNames[spec.agent.role], oneLine(spec.business.name)),
    s.roleDuty[spec.agent.role],
    s.honesty,
  ];
}

function businessSection(spec: TAgentSpec, s: PromptStrings): string[] {
  const { business } = spec;
  const lines = [textBlock(business.description)];
  const facts: string[] = [];
  if (business.website !== undefined) {
    facts.push(`${s.website}: ${business.website}`);
  }
  if (business.address !== undefined) {
    facts.push(`${s.address}: ${oneLine(business.address)}`);
  }
  if (facts.length > 0) {
    lines.push("", ...bullets(facts));
  }
  const hours = business.hours ?? [];
  if (hours.length > 0) {
    const days = WEEKDAYS.map((day) => {
      const intervals = hours
        .filter((entry) => entry.day === day)
        .sort((a, b) => minutesOfDay(a.open) - minutesOfDay(b.open) || minutesOfDay(a.close) - minutesOfDay(b.close))
        .map((entry) => `${entry.open}–${entry.close}`);
      return `${s.days[day]}: ${intervals.length > 0 ? intervals.join(", ") : s.closed}`;
    });
    lines.push("", s.hours(spec.agent.timezone), ...bullets(days));
  }
  return lines;
}

function servicesSection(spec: TAgentSpec, s: PromptStrings): string[] {
  const services = spec.services ?? [];
  if (services.length === 0) {
    return [];
  }
  const items = services.map((service) => {
    const parts = [oneLine(service.name)];
    if (service.description !== undefined) {
      parts.push(`— ${oneLine(service.description)}`);
    }
    const details: string[] = [];
    if (service.price !== undefined) {
      details.push(`${s.price}: ${oneLine(service.price)}`);
    }
    if (service.durationMinutes !== undefined) {
      details.push(`${s.duration}: ${formatDuration(service.durationMinutes)}`);
    }
    return details.length > 0 ? `${parts.join(" ")} (${details.join("; ")})` : parts.join(" ");
  });
  return [s.servicesIntro, ...bullets(items)];
}

function faqSection(spec: TAgentSpec, s: PromptStrings): string[] {
  const faq = spec.faq ?? [];
  if (faq.length === 0) {
    return [];
  }
  const entries = faq.map((entry) => `${s.question}: ${oneLine(entry.question)}\n${s.answer}: ${textBlock(entry.answer)}`);
  return [s.faqIntro, "", entries.join("\n\n")];
}

function knowledgeSection(input: PromptInput, s: PromptStrings, canHandOff: boolean): string[] {
  if (input.knowledge.length === 0) {
    return [];
  }
  const docs = input.knowledge.map((doc) => `### ${oneLine(doc.title)}\n\n${demoteHeadings(doc.content)}`);
  return [s.knowledgeIntro(canHandOff), "", docs.join("\n\n")];
}

function goalsSection(spec: TAgentSpec, s: PromptStrings): string[] {
  return [s.goalsIntro, ...spec.goals.map((goal, index) => `${index + 1}. ${oneLine(goal)}`)];
}

function rulesSection(spec: TAgentSpec, s: PromptStrings): string[] {
  const lines: string[] = [];
  const always = (spec.rules?.always ?? []).map(oneLine);
  if (always.length > 0) {
    lines.push(s.always, ...bullets(always), "");
  }
  const never = [...(spec.rules?.never ?? []).map(oneLine), ...s.defaultNever];
  lines.push(s.never, ...bullets(never));
  return lines;
}

function boundariesSection(policies: BundlePolicies, s: PromptStrings): string[] {
  const blocks: string[][] = [];
  if (policies.blockedTopics.length > 0) {
    blocks.push([s.topicsIntro, ...bullets(policies.blockedTopics.map(oneLine))]);
  }
  if (policies.blockedPhrases.length > 0) {
    blocks.push([s.phrasesIntro, ...bullets(policies.blockedPhrases.map((phrase) => `"${oneLine(phrase)}"`))]);
  }
  if (policies.allowedLinkDomains !== null) {
    blocks.push([
      policies.allowedLinkDomains.length > 0 ? s.linksOnly(policies.allowedLinkDomains.join(", ")) : s.noLinks,
    ]);
  }
  return blocks.flatMap((block, index) => (index === 0 ? block : ["", ...block]));
}

function handoffSection(spec: TAgentSpec, s: PromptStrings): string[] {
  const keywords = uniqueByNormalized(spec.handoff.keywords.map(oneLine));
  const lines: string[] = [];
  if (spec.handoff.allowModelRequest) {
    lines.push(s.handoffWhen, s.handoffAfterCall);
  }
  if (keywords.length > 0) {
    lines.push(s.handoffKeywords(joinWords(keywords.map((keyword) => `"${keyword}"`), s.or)));
  }
  if (!spec.handoff.allowModelRequest) {
    const first = keywords[0];
    lines.push(first === undefined ? s.handoffNone : s.handoffNoTool(first));
  }
  lines.push(s.neverPromise);
  return bullets(lines);
}

function toolsSection(input: PromptInput, s: PromptStrings): string[] {
  const lines = input.tools.map((tool) => {
    switch (tool.function.name) {
      case "handoff_to_human":
        return s.tools.handoff_to_human;
      case "check_availability":
        return s.tools.check_availability(input.spec.agent.timezone);
      case "book_slot":
        return s.tools.book_slot;
      case "create_deal": {
        const fields = input.spec.plugins?.crm?.qualifyFields ?? [];
        return s.tools.create_deal(fields.length > 0 ? fields.map(oneLine).join(", ") : null);
      }
    }
  });
  if (input.reminderOffsetsMinutes !== null && input.reminderOffsetsMinutes.length > 0) {
    lines.push(s.tools.reminders(joinWords(input.reminderOffsetsMinutes.map(formatDuration), s.and)));
  }
  if (input.tools.length > 0) {
    lines.push(s.tools.failure);
  }
  return bullets(lines);
}

function styleSection(spec: TAgentSpec, policies: BundlePolicies, s: PromptStrings): string[] {
  const persona = spec.persona;
  return bullets([
    s.style.short,
    s.style.limit(policies.maxReplyChars),
    s.style.oneQuestion,
    s.style.plainText,
    persona?.useEmojis === true ? s.style.emojisYes : s.style.emojisNo,
    s.style.tone(s.style.tones[persona?.tone ?? "default"]),
    ...(persona?.instructions ?? []).map(oneLine),
  ]);
}

/** Dedupes strings that normalise alike (case, accents, spaces), keeping the first spelling. */
function uniqueByNormalized(items: string[]): string[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = normalizeText(item);
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

export function buildSystemPrompt(input: PromptInput): string {
  const { spec, policies } = input;
  const locale = promptLocaleOf(spec.agent.language);
  const s = promptStrings(locale);
  const canHandOff = spec.handoff.allowModelRequest || spec.handoff.keywords.length > 0;

  const sections = [
    section(s.headings.identity, identitySection(spec, s)),
    section(s.headings.language, [
      s.replyLanguage(languageName(spec.agent.language, locale), spec.agent.language),
      s.timezone(spec.agent.timezone),
    ]),
    section(s.headings.business, businessSection(spec, s)),
    section(s.headings.services, servicesSection(spec, s)),
    section(s.headings.faq, faqSection(spec, s)),
    section(s.headings.knowledge, knowledgeSection(input, s, canHandOff)),
    section(s.headings.goals, goalsSection(spec, s)),
    section(s.headings.rules, rulesSection(spec, s)),
    section(s.headings.boundaries, boundariesSection(policies, s)),
    section(s.headings.handoff, handoffSection(spec, s)),
    section(s.headings.tools, toolsSection(input, s)),
    section(s.headings.style, styleSection(spec, policies, s)),
  ];
  return sections.filter((part): part is string => part !== null).join("\n\n");
}
