/**
 * One bot reply's model work, shared by the live reply (services/reply.ts) and the regression gate's
 * simulated conversations (services/regression.ts), so a test run exercises exactly what customers
 * get: the system prompt as the reply builds it, the bounded tool-call loop, and Sentinel's verdict.
 * No database writes here; tools are whatever the caller runs.
 */
import { applySentinel, isoInZone, type CompiledAgentBundle, type SentinelVerdict } from "@lx/shared";

import type { LlmToolCall, LlmTurn, ModelChoice } from "../llm/index.ts";

export type ToolOutcome = { output: unknown; handoff?: string };

/**
 * What a log line says of a tool call: its name, the names of its arguments, whether it failed and
 * whether it handed over. Never the values or the output: they are the customer's name, number,
 * dates and deal details, which an erasure removes from the database but could not remove from logs
 * (docs/privacy.md, "Logs").
 */
export function toolLogFields(call: LlmToolCall, outcome: ToolOutcome): {
  tool: string;
  argumentNames: string[];
  failed: boolean;
  handoff: boolean;
} {
  const output = outcome.output;
  return {
    tool: call.name,
    argumentNames: Object.keys(call.arguments).sort(),
    failed: output !== null && typeof output === "object" && "error" in output,
    handoff: outcome.handoff !== undefined,
  };
}

/**
 * The most of one tool's answer the model gets, in characters of JSON (about 4,000 tokens): a
 * tenant's calendar or CRM answers with what it likes (up to MAX_RESPONSE_BYTES, egress.ts), and
 * every later round of the reply sends the model the whole conversation again.
 */
export const MAX_TOOL_OUTPUT_CHARS = 16_000;

/**
 * `value` as JSON of at most `maxChars`: as is when it fits, else
 * `{"truncated":true,"chars":<its length>,"start":"<its first characters>"}` — still JSON, and
 * saying it was cut. For a tool's answer to the model, and for what the database keeps of one.
 */
export function boundedJson(value: unknown, maxChars = MAX_TOOL_OUTPUT_CHARS): string {
  const text = JSON.stringify(value) ?? "null";
  if (text.length <= maxChars) {
    return text;
  }
  let keep = maxChars;
  for (;;) {
    // Escaping can lengthen the start: cut again by the overflow until it fits. Never between the
    // halves of a surrogate pair (an emoji): a lone half is escaped as \ud83d, which jsonb refuses.
    let start = text.slice(0, Math.max(0, keep));
    const last = start.charCodeAt(start.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      start = start.slice(0, -1);
    }
    const cut = JSON.stringify({ truncated: true, chars: text.length, start });
    if (cut.length <= maxChars || keep <= 0) {
      return cut;
    }
    keep -= cut.length - maxChars;
  }
}

export type GenerationMetrics = {
  llm: (p: { provider: string; ms: number; tokensIn: number; tokensOut: number; ok: boolean }) => void;
};

export type Generation = {
  text: string;
  /** The model asked for a human (handoff_to_human); the reply is not sent. */
  handoffReason: string | null;
  tokensIn: number;
  tokensOut: number;
  latencyMs: number;
  /** Tools called, in order. */
  tools: string[];
};

/**
 * The frozen prompt first (a stable prefix the providers can cache), then what changes: the
 * conversation summary, the current time in the business' zone, and any extra sections.
 */
export function systemPromptFor(bundle: CompiledAgentBundle, p: { summary?: string; now: Date; extra?: readonly string[] }): string {
  return [
    bundle.systemPrompt,
    ...(p.summary ? [`## Conversation summary (older messages)\n${p.summary}`] : []),
    currentTimeSection(p.now, bundle.agent.timezone, bundle.agent.language),
    ...(p.extra ?? []),
  ].join("\n\n");
}

/**
 * Calls the model with tools for at most `maxRounds` rounds (the last one offers no tools, so the
 * model has to answer in words). Tool calls and their answers are appended to `turns`. A
 * handoff_to_human outcome ends the loop.
 */
export async function generateReply(p: {
  bundle: CompiledAgentBundle;
  choice: ModelChoice;
  system: string;
  turns: LlmTurn[];
  maxRounds: number;
  signal?: AbortSignal;
  runTool: (call: LlmToolCall) => Promise<ToolOutcome>;
  onTool?: (call: LlmToolCall, outcome: ToolOutcome) => void;
  metrics?: GenerationMetrics;
}): Promise<Generation> {
  const { provider, model } = p.choice;
  const started = performance.now();
  const out: Generation = { text: "", handoffReason: null, tokensIn: 0, tokensOut: 0, latencyMs: 0, tools: [] };
  for (let round = 0; round <= p.maxRounds; round++) {
    const callStart = performance.now();
    let res;
    try {
      res = await provider.generate({
        model,
        temperature: p.bundle.model.temperature,
        maxOutputTokens: p.bundle.model.maxOutputTokens,
        system: p.system,
        turns: p.turns,
        tools: round < p.maxRounds ? p.bundle.tools : [],
        signal: p.signal,
      });
    } catch (err) {
      p.metrics?.llm({ provider: provider.name, ms: performance.now() - callStart, tokensIn: 0, tokensOut: 0, ok: false });
      throw err;
    }
    p.metrics?.llm({
      provider: provider.name,
      ms: performance.now() - callStart,
      tokensIn: res.usage.inputTokens,
      tokensOut: res.usage.outputTokens,
      ok: true,
    });
    out.tokensIn += res.usage.inputTokens;
    out.tokensOut += res.usage.outputTokens;
    out.text = res.text;
    if (res.toolCalls.length === 0) {
      break;
    }
    p.turns.push({ role: "assistant", content: res.text, toolCalls: res.toolCalls });
    for (const call of res.toolCalls) {
      const outcome = await p.runTool(call);
      out.tools.push(call.name);
      p.onTool?.(call, outcome);
      if (outcome.handoff) {
        out.handoffReason = outcome.handoff;
      }
      p.turns.push({ role: "tool", toolCallId: call.id, name: call.name, content: boundedJson(outcome.output) });
    }
    if (out.handoffReason) {
      break;
    }
  }
  out.latencyMs = Math.round(performance.now() - started);
  return out;
}

/** Sentinel's verdict on a reply, with the conversation the model saw. */
export function sentinelFor(bundle: CompiledAgentBundle, text: string, turns: readonly LlmTurn[], priorConsecutiveBlocks: number): SentinelVerdict {
  return applySentinel({
    reply: text,
    policies: bundle.policies,
    systemPrompt: bundle.systemPrompt,
    language: bundle.agent.language,
    conversationTexts: turns.map((x) => ("content" in x ? x.content : "")),
    priorConsecutiveBlocks,
  });
}

/** handoff_to_human, when the version lets the model ask for a human; undefined for any other tool. */
export function modelHandoff(call: LlmToolCall, bundle: CompiledAgentBundle): ToolOutcome | undefined {
  if (call.name === "handoff_to_human" && bundle.policies.handoff.allowModelRequest) {
    const reason = typeof call.arguments.reason === "string" ? call.arguments.reason : "requested by the model";
    return { output: { ok: true }, handoff: reason };
  }
  return undefined;
}

/**
 * The date and time of the reply in the business' zone, for the system prompt: the bundle is frozen
 * (no clock), and without it the model cannot turn "tomorrow" or "Thursday" into the day
 * check_availability needs, nor tell whether the business is open now.
 */
export function currentTimeSection(now: Date, timeZone: string, language: string): string {
  const local = isoInZone(now, timeZone);
  const spoken = spokenTime(language, timeZone)?.format(now) ?? "";
  return `## Current date and time\n${local.slice(0, 10)} ${local.slice(11, 16)} (${timeZone}, UTC${local.slice(19)})${spoken ? ` — ${spoken}` : ""}`;
}

/** Building an Intl formatter costs more than formatting: one per (language, zone), built once (null: unknown to Intl). */
const spokenFormats = new Map<string, Intl.DateTimeFormat | null>();

function spokenTime(language: string, timeZone: string): Intl.DateTimeFormat | null {
  const key = `${language}\u0000${timeZone}`;
  let format = spokenFormats.get(key);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat(language, { timeZone, dateStyle: "full", timeStyle: "short" });
    } catch {
      format = null;
    }
    spokenFormats.set(key, format);
  }
  return format;
}
