/**
 * The regression gate's pure rules (PRODUCT.md "Beyond the plan"): what a test conversation's
 * expectations mean, whether a replayed reply changed, and what the gate says about a version.
 * Browser-safe: the console shows the same words the worker decided with.
 */
import { diffWordsWithSpace } from "diff";

import { normalizeText } from "../compiler/normalize-text.ts";
import type { TExpectationResult, TTestExpectation } from "../schemas/regression.ts";

/** What a simulated conversation showed: the bot's replies in order, a handoff, the tools it called. */
export type SimulatedOutcome = {
  replies: readonly string[];
  handoff: { trigger: string; reason: string } | null;
  tools: readonly string[];
};

/**
 * Checks every expectation against the whole conversation. Texts match as the handoff keywords do:
 * case, accents and runs of whitespace ignored, anywhere in a reply.
 */
export function evaluateExpectations(outcome: SimulatedOutcome, expectations: readonly TTestExpectation[]): TExpectationResult[] {
  const replies = outcome.replies.map(normalizeText);
  return expectations.map((expectation): TExpectationResult => {
    switch (expectation.kind) {
      case "contains": {
        const wanted = normalizeText(expectation.text);
        const at = replies.findIndex((r) => r.includes(wanted));
        return at >= 0
          ? { expectation, passed: true, detail: `reply ${at + 1} contains it`, reply: at + 1 }
          : { expectation, passed: false, detail: outcome.replies.length === 0 ? "the bot never replied" : "no reply contains it" };
      }
      case "not_contains": {
        const unwanted = normalizeText(expectation.text);
        const at = replies.findIndex((r) => r.includes(unwanted));
        return at >= 0
          ? { expectation, passed: false, detail: `reply ${at + 1} contains it`, reply: at + 1 }
          : { expectation, passed: true, detail: "no reply contains it" };
      }
      case "handoff":
        return outcome.handoff
          ? { expectation, passed: true, detail: `handed off (${outcome.handoff.trigger}): ${outcome.handoff.reason}` }
          : { expectation, passed: false, detail: "the bot kept the conversation" };
      case "no_handoff":
        return outcome.handoff
          ? { expectation, passed: false, detail: `handed off (${outcome.handoff.trigger}): ${outcome.handoff.reason}` }
          : { expectation, passed: true, detail: "the bot kept the conversation" };
      case "tool_called":
        return outcome.tools.includes(expectation.tool)
          ? { expectation, passed: true, detail: "called" }
          : {
              expectation,
              passed: false,
              detail: outcome.tools.length === 0 ? "no tool was called" : `called: ${[...new Set(outcome.tools)].join(", ")}`,
            };
    }
  });
}

/** A replayed reply "changed" when it differs beyond case, accents and whitespace. */
export function replyChanged(original: string, candidate: string): boolean {
  return normalizeText(original) !== normalizeText(candidate);
}

/**
 * The gate of one version: `no_cases` (the agent has no test cases: nothing to hold it back),
 * `not_run` (no finished run of the current cases on this version), `passed`, `failed`.
 */
export const GATE_STATES = ["no_cases", "not_run", "passed", "failed"] as const;
export type GateState = (typeof GATE_STATES)[number];

/** Whether a version in this gate state may go live without an explicit override. */
export function gateAllowsActivation(state: GateState): boolean {
  return state === "no_cases" || state === "passed";
}

/**
 * A version's client-approval gate: "not_required" on a tenant with no active client login, else the
 * client's decision (packages/db queries/approval.ts decides which).
 */
export type ApprovalGate = "not_required" | "approved" | "pending" | "rejected";

/** Whether a version in this approval gate may go live without an explicit override (the API and the console). */
export function approvalAllowsActivation(gate: ApprovalGate): boolean {
  return gate === "not_required" || gate === "approved";
}

/** "+55 11 91234-5678" → "•••••••5678": enough to tell conversations apart in a replay, no more. */
export function maskCustomer(key: string): string {
  return key.length <= 4 ? key : `${"•".repeat(Math.min(key.length - 4, 8))}${key.slice(-4)}`;
}

/** A piece of a word diff: kept, only in the original (`del`), only in the candidate (`add`). */
export type WordDiffPart = { op: "same" | "add" | "del"; text: string };

/** The original reply against the candidate's, word by word (the replay's side-by-side view). */
export function wordDiff(original: string, candidate: string): WordDiffPart[] {
  return diffWordsWithSpace(original, candidate).map((c) => ({ op: c.added ? "add" : c.removed ? "del" : "same", text: c.value }));
}
