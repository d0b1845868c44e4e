/**
 * The guided handoff test (PRODUCT.md item 10, "Delivery"): proves the whole human-handoff path on a
 * tenant's sandbox number, through the real webhook, worker, outbox and Meta sandbox:
 *
 *   send_keyword          a fresh test customer sends the first handoff keyword of the active spec
 *   pending_human         the conversation reaches `pending_human`
 *   handoff_delivered     the handoff message reaches delivered (or read)
 *   take_over             an operator takes the conversation over (`human`)
 *   human_reply_delivered a human reply reaches delivered (or read)
 *   hand_back             the conversation goes back to the bot
 *
 * The result is recorded as the audit event `handoff_test.passed`, or `handoff_test.failed` with the
 * step that failed — the setup checklist reads the former.
 */
import { randomInt } from "node:crypto";

import type { Database } from "@lx/db/client";
import {
  getActiveBundle,
  getConversationThread,
  handBackConversation,
  insertAuditEvent,
  sendHumanReply,
  takeOverConversation,
  userActor,
  type ConversationThread,
  type SandboxNumber,
  type ThreadMessage,
} from "@lx/db/queries";
import type { THandoffTestStep } from "@lx/shared/schemas";

import { sendAsCustomer, type SandboxGateway } from "./sandbox-chat.ts";

export type HandoffTestStepResult = { step: THandoffTestStep; ok: boolean; ms: number; detail: string | null };

export type HandoffTestResult = {
  passed: boolean;
  conversationId: string | null;
  keyword: string | null;
  version: string | null;
  steps: HandoffTestStepResult[];
  /** The step that failed, and why. */
  failure: { step: THandoffTestStep; error: string } | null;
};

const POLL_MS = 250;
const DELIVERED = new Set(["delivered", "read"]);
const GAVE_UP = new Set(["failed", "dead", "blocked", "cancelled"]);

class StepFailure extends Error {}

/** Polls `probe` until it returns a value, or fails the step after `timeoutMs`. */
async function waitFor<T>(probe: () => Promise<T | null>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) {
      return value;
    }
    if (Date.now() >= deadline) {
      throw new StepFailure(`${what} did not happen within ${Math.round(timeoutMs / 1000)} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The delivery of `message`: resolves when delivered or read, fails the step when the send gave up. */
function deliveredOf(message: ThreadMessage | undefined): true | null {
  const status = message?.delivery?.status;
  if (!status) {
    return null;
  }
  if (GAVE_UP.has(status)) {
    throw new StepFailure(`the send ended as ${status}${message.delivery?.lastError ? `: ${message.delivery.lastError}` : ""}`);
  }
  return DELIVERED.has(status) ? true : null;
}

export async function runHandoffTest(
  deps: { db: Database; gateway: SandboxGateway },
  p: {
    tenantId: string;
    agent: { id: string; slug: string };
    number: SandboxNumber;
    user: { id: string; email: string };
    requestId?: string;
  },
): Promise<HandoffTestResult> {
  const { db, gateway } = deps;
  const timeout = gateway.stepTimeoutMs;
  const steps: HandoffTestStepResult[] = [];
  const result: HandoffTestResult = {
    passed: false,
    conversationId: null,
    keyword: null,
    version: null,
    steps,
    failure: null,
  };
  const thread = (): Promise<ConversationThread> =>
    getConversationThread(db, { tenantId: p.tenantId, conversationId: result.conversationId ?? "", limit: 50 });

  const run = async (step: THandoffTestStep, body: () => Promise<string | null>) => {
    const started = performance.now();
    try {
      const detail = await body();
      steps.push({ step, ok: true, ms: Math.round(performance.now() - started), detail });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      steps.push({ step, ok: false, ms: Math.round(performance.now() - started), detail: error });
      result.failure = { step, error };
      // Unexpected errors (not a step that timed out or ended badly) are still a failed test, recorded.
      throw new StepFailure(error);
    }
  };

  let handoffMessageId = 0;
  let replyMessageId = 0;
  try {
    await run("send_keyword", async () => {
      const active = await getActiveBundle(db, p.agent.id);
      if (!active) {
        throw new StepFailure("the agent has no active version");
      }
      result.version = active.version;
      const keyword = active.bundle.policies.handoff.keywords[0];
      if (!keyword) {
        throw new StepFailure("the active spec has no handoff keyword");
      }
      result.keyword = keyword;
      // A customer nobody has seen, so the conversation starts in bot mode.
      const waId = `55999${String(randomInt(0, 100_000_000)).padStart(8, "0")}`;
      const sent = await sendAsCustomer(deps, {
        tenantId: p.tenantId,
        number: p.number,
        waId,
        name: "Teste de transferência",
        text: keyword,
      });
      result.conversationId = sent.conversationId;
      return `"${keyword}" as +${waId}`;
    });

    await run("pending_human", async () => {
      await waitFor(
        async () => ((await thread()).conversation.mode === "pending_human" ? true : null),
        timeout,
        "the move to pending_human",
      );
      return null;
    });

    await run("handoff_delivered", async () => {
      const message = await waitFor(
        async () => (await thread()).messages.find((m) => m.author === "system" && m.type !== "note") ?? null,
        timeout,
        "the handoff message",
      );
      handoffMessageId = message.id;
      await waitFor(
        async () => deliveredOf((await thread()).messages.find((m) => m.id === handoffMessageId)),
        timeout,
        "the handoff message's delivery",
      );
      return message.body;
    });

    await run("take_over", async () => {
      await takeOverConversation(db, { tenantId: p.tenantId, conversationId: result.conversationId ?? "", user: p.user });
      const mode = (await thread()).conversation.mode;
      if (mode !== "human") {
        throw new StepFailure(`the conversation is ${mode}, not human`);
      }
      return null;
    });

    await run("human_reply_delivered", async () => {
      const reply = await sendHumanReply(db, {
        tenantId: p.tenantId,
        conversationId: result.conversationId ?? "",
        user: p.user,
        text: "Olá! Aqui é uma pessoa da equipe (teste de transferência).",
      });
      replyMessageId = reply.messageId;
      await waitFor(
        async () => deliveredOf((await thread()).messages.find((m) => m.id === replyMessageId)),
        timeout,
        "the human reply's delivery",
      );
      return null;
    });

    await run("hand_back", async () => {
      await handBackConversation(db, { tenantId: p.tenantId, conversationId: result.conversationId ?? "", user: p.user });
      const mode = (await thread()).conversation.mode;
      if (mode !== "bot") {
        throw new StepFailure(`the conversation is ${mode}, not bot`);
      }
      return null;
    });
    result.passed = true;
  } catch (err) {
    if (!(err instanceof StepFailure)) {
      throw err;
    }
  }

  await insertAuditEvent(db, {
    tenantId: p.tenantId,
    actor: userActor(p.user),
    type: result.passed ? "handoff_test.passed" : "handoff_test.failed",
    subjectType: "conversation",
    subjectId: result.conversationId ?? undefined,
    data: {
      agentSlug: p.agent.slug,
      version: result.version,
      keyword: result.keyword,
      number: p.number.displayPhoneNumber,
      steps: steps.map((s) => ({ step: s.step, ok: s.ok, ms: s.ms })),
      ...(result.failure ? { step: result.failure.step, error: result.failure.error } : {}),
    },
    requestId: p.requestId,
  });
  return result;
}
