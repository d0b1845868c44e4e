import type { TRPCRouterRecord } from "@trpc/server";

import type { Database } from "@lx/db/client";
import { findConversationId, getActiveBundle, getSandboxNumber, requireAgent } from "@lx/db/queries";
import { AppError } from "@lx/shared/errors";
import { ZGetSandboxTargetInput, ZRunHandoffTestInput, ZSandboxSendInput } from "@lx/shared/schemas";

import { runHandoffTest } from "../../services/handoff-test.ts";
import { sendAsCustomer, testCustomerFor, type SandboxGateway } from "../../services/sandbox-chat.ts";
import { tenantOperatorProcedure } from "../init.ts";

function requireSandbox(gateway: SandboxGateway | null): SandboxGateway {
  if (!gateway) {
    throw new AppError("INVALID_STATE", {
      message: "sandbox mode is off (LX_SANDBOX)",
      reason: { code: "sandbox.off" },
    });
  }
  return gateway;
}

async function requireSandboxNumber(db: Database, tenantId: string, agentId: string | null) {
  const number = await getSandboxNumber(db, { tenantId, agentId });
  if (!number) {
    throw new AppError("INVALID_STATE", {
      message: "no sandbox number reaches this agent",
      reason: { code: "sandbox.no_number" },
    });
  }
  return number;
}

/**
 * The test chat and the guided handoff test (operators only): a fake customer on the tenant's sandbox
 * number, through this API's own webhook. Only numbers of kind `sandbox` are used.
 */
export const sandboxRouter = {
  /** What the agent's test chat needs: the sandbox number, the operator's test customer, the keyword. */
  target: tenantOperatorProcedure.input(ZGetSandboxTargetInput).query(async ({ ctx, input }) => {
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const number = await getSandboxNumber(ctx.db, { tenantId: ctx.tenant.id, agentId: agent.id });
    const active = await getActiveBundle(ctx.db, agent.id);
    const testCustomer = testCustomerFor(ctx.session.user);
    return {
      enabled: ctx.sandbox !== null,
      number,
      testCustomer,
      /** The test customer's conversation on that number, if they already wrote. */
      testConversationId: number
        ? await findConversationId(ctx.db, {
            tenantId: ctx.tenant.id,
            numberId: number.id,
            customerKey: testCustomer,
          })
        : null,
      activeVersion: active?.version ?? null,
      handoffKeyword: active?.bundle.policies.handoff.keywords[0] ?? null,
    };
  }),

  /** Sends `text` as a customer (the operator's own test customer unless `waId` is given). */
  send: tenantOperatorProcedure.input(ZSandboxSendInput).mutation(async ({ ctx, input }) => {
    const gateway = requireSandbox(ctx.sandbox);
    const agent = input.agentSlug
      ? await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug })
      : null;
    const number = await requireSandboxNumber(ctx.db, ctx.tenant.id, agent?.id ?? null);
    return sendAsCustomer(
      { db: ctx.db, gateway },
      {
        tenantId: ctx.tenant.id,
        number,
        waId: input.waId ?? testCustomerFor(ctx.session.user),
        name: input.name ?? `Teste (${ctx.session.user.email})`,
        text: input.text,
      },
    );
  }),

  /**
   * Runs the guided handoff test on the agent's sandbox number and records `handoff_test.passed` or
   * `handoff_test.failed` (with the step). Takes a few seconds: it waits for the worker and the sandbox.
   */
  handoffTest: tenantOperatorProcedure.input(ZRunHandoffTestInput).mutation(async ({ ctx, input }) => {
    const gateway = requireSandbox(ctx.sandbox);
    const agent = await requireAgent(ctx.db, { tenantId: ctx.tenant.id, slug: input.agentSlug });
    const number = await requireSandboxNumber(ctx.db, ctx.tenant.id, agent.id);
    return runHandoffTest(
      { db: ctx.db, gateway },
      { tenantId: ctx.tenant.id, agent, number, user: ctx.session.user, requestId: ctx.requestId },
    );
  }),
} satisfies TRPCRouterRecord;
