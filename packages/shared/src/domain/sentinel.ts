import type { BundlePolicies } from "../compiler/bundle.ts";
import { normalizeText } from "../compiler/normalize-text.ts";
import { promptLocaleOf, promptStrings } from "../compiler/prompt-strings.ts";
import { TOOL_NAMES } from "../compiler/bundle.ts";
import { splitReply } from "./conversation.ts";

/**
 * Sentinel: the policy engine every bot reply passes before it reaches the outbox. Pure and
 * deterministic; driven by the compiled bundle's policies.
 *
 * Verdicts, strongest first: handoff (a reply blocked again right after a block: the bot is stuck,
 * a human takes over) > block (the fallback message is sent instead) > rewrite (links outside the
 * allowed domains are removed; long replies are split) > allow.
 */
export type SentinelRule = "blocked_phrase" | "blocked_topic" | "link" | "prompt_leak" | "pii" | "length";
export type SentinelAction = "allow" | "rewrite" | "block" | "handoff";
export type SentinelHit = { rule: SentinelRule; action: Exclude<SentinelAction, "allow">; detail: string };
export type SentinelVerdict = { action: SentinelAction; messages: string[]; hits: SentinelHit[] };

export type SentinelInput = {
  reply: string;
  policies: BundlePolicies;
  /** The bundle's system prompt (to detect leaks and to know the business's own contacts). */
  systemPrompt: string;
  language: string;
  /** Texts of this conversation (customer and earlier replies): contacts found there are not leaks. */
  conversationTexts: string[];
  /** How many of the bot's replies right before this one were blocked. */
  priorConsecutiveBlocks?: number;
};

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"')\]]+|\b(?:[a-z0-9-]+\.)+(?:com|net|org|br|io|app|info|me|co|ly|site|online|store|xyz|dev)(?:\/[^\s<>"')\]]*)?/gi;
const EMAIL_RE = /[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}/gi;
// Ten or more digits, optionally with +, spaces, dots, dashes and parentheses: phone-shaped.
const PHONE_RE = /\+?\(?\d[\d\s().-]{8,}\d/g;

function hostOf(url: string): string | null {
  try {
    const u = new URL(/^https?:\/\//i.test(url) ? url : `https://${url}`);
    return u.hostname.toLowerCase().replace(/^www\./, "");
  } catch {
    return null;
  }
}

function allowedHost(host: string, allowed: readonly string[]): boolean {
  return allowed.some((d) => {
    const dom = d.toLowerCase().replace(/^www\./, "");
    return host === dom || host.endsWith(`.${dom}`);
  });
}

function wordsOf(text: string): string[] {
  return normalizeText(text)
    .replace(/[^\p{L}\p{N}\s]/gu, " ")
    .split(/\s+/)
    .filter(Boolean);
}

function containsPhrase(haystack: string[], phrase: string): boolean {
  const needle = wordsOf(phrase);
  if (needle.length === 0) {
    return false;
  }
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) {
        continue outer;
      }
    }
    return true;
  }
  return false;
}

const SHINGLE = 6;

function shingles(words: string[]): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + SHINGLE <= words.length; i++) {
    out.add(words.slice(i, i + SHINGLE).join(" "));
  }
  return out;
}

/** The prompt's instruction text: every section except the business facts the bot may repeat. */
function instructionText(systemPrompt: string, language: string): string {
  const h = promptStrings(promptLocaleOf(language)).headings;
  const facts = new Set([h.business, h.services, h.faq, h.knowledge].map((s) => s.trim()));
  return systemPrompt
    .split(/^## /m)
    .filter((section) => !facts.has((section.split("\n")[0] ?? "").trim()))
    .join("\n");
}

const leakCache = new Map<string, { shingles: Set<string> }>();

function promptShingles(systemPrompt: string, language: string): Set<string> {
  const key = `${language}\u0000${systemPrompt}`;
  let hit = leakCache.get(key);
  if (!hit) {
    hit = { shingles: shingles(wordsOf(instructionText(systemPrompt, language))) };
    if (leakCache.size > 200) {
      leakCache.clear();
    }
    leakCache.set(key, hit);
  }
  return hit.shingles;
}

function digits(s: string): string {
  return s.replace(/\D/g, "");
}

export function applySentinel(input: SentinelInput): SentinelVerdict {
  const { policies } = input;
  const hits: SentinelHit[] = [];
  const words = wordsOf(input.reply);
  let text = input.reply;

  for (const phrase of policies.blockedPhrases) {
    if (containsPhrase(words, phrase)) {
      hits.push({ rule: "blocked_phrase", action: "block", detail: phrase });
    }
  }
  for (const topic of policies.blockedTopics) {
    if (containsPhrase(words, topic)) {
      hits.push({ rule: "blocked_topic", action: "block", detail: topic });
    }
  }

  // System prompt leaks: tool names, or long verbatim runs of the instructions.
  const lower = input.reply.toLowerCase();
  const tool = TOOL_NAMES.find((t) => lower.includes(t));
  if (tool) {
    hits.push({ rule: "prompt_leak", action: "block", detail: `tool name ${tool}` });
  } else {
    const ps = promptShingles(input.systemPrompt, input.language);
    let shared = 0;
    for (const s of shingles(words)) {
      if (ps.has(s)) {
        shared++;
      }
    }
    if (shared >= 3) {
      hits.push({ rule: "prompt_leak", action: "block", detail: `${shared} verbatim 6-word runs of the instructions` });
    }
  }

  // Another customer's data: contacts that are neither in this conversation nor in the spec.
  const known = `${input.conversationTexts.join("\n")}\n${input.systemPrompt}`;
  const knownDigits = new Set((known.match(PHONE_RE) ?? []).map(digits));
  const knownLower = known.toLowerCase();
  for (const email of input.reply.match(EMAIL_RE) ?? []) {
    if (!knownLower.includes(email.toLowerCase())) {
      hits.push({ rule: "pii", action: "block", detail: `e-mail ${email.replace(/(^.).*(@.*$)/, "$1…$2")}` });
    }
  }
  for (const phone of input.reply.match(PHONE_RE) ?? []) {
    const d = digits(phone);
    if (d.length >= 10 && !knownDigits.has(d) && ![...knownDigits].some((k) => k.endsWith(d) || d.endsWith(k))) {
      hits.push({ rule: "pii", action: "block", detail: `phone …${d.slice(-4)}` });
    }
  }

  // Links outside the allowed domains are removed (the rest of the reply stands).
  if (policies.allowedLinkDomains !== null) {
    const allowed = policies.allowedLinkDomains;
    text = text.replace(URL_RE, (url: string, offset: number, whole: string) => {
      // The domain part of an e-mail address is not a link.
      if (url.includes("@") || /[a-z0-9._%+-]@$/i.test(whole.slice(Math.max(0, offset - 2), offset))) {
        return url;
      }
      const host = hostOf(url.replace(/[.,;:!?]+$/, ""));
      if (host && allowedHost(host, allowed)) {
        return url;
      }
      hits.push({ rule: "link", action: "rewrite", detail: host ?? url });
      return "";
    });
    text = text.replace(/[ \t]{2,}/g, " ").replace(/\s+([.,;:!?])/g, "$1").trim();
  }

  const blocked = hits.some((h) => h.action === "block");
  if (blocked || !text) {
    const handoff = (input.priorConsecutiveBlocks ?? 0) >= 1;
    if (!blocked) {
      hits.push({ rule: "link", action: "block", detail: "nothing left after removing links" });
    }
    return {
      action: handoff ? "handoff" : "block",
      messages: [policies.fallbackMessage],
      hits: handoff ? hits.map((h) => ({ ...h, action: h.action === "block" ? "handoff" : h.action })) : hits,
    };
  }
  const messages = splitReply(text, policies.maxReplyChars);
  if (messages.length > 1) {
    hits.push({ rule: "length", action: "rewrite", detail: `split into ${messages.length} messages` });
  }
  return { action: hits.length > 0 ? "rewrite" : "allow", messages, hits };
}
