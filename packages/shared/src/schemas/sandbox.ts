/**
 * zod input schemas of the console's test chat (apps/api `sandbox.*`): operators talk to a tenant's
 * sandbox number as a fake customer and run the guided handoff test. zod only (browser-safe).
 */
import { z } from "zod";

import { ZSlugRef, ZTenantScopeInput } from "./console.ts";

/** A WhatsApp id: the customer's phone number, digits only, with its country code. */
export const ZWaId = z
  .string()
  .trim()
  .regex(/^\d{8,15}$/, "must be 8–15 digits (country code and number)");

export const ZGetSandboxTargetInput = ZTenantScopeInput.extend({ agentSlug: ZSlugRef });
export type TGetSandboxTargetInput = z.infer<typeof ZGetSandboxTargetInput>;

export const SANDBOX_TEXT_MAX = 4096;

export const ZSandboxSendInput = ZTenantScopeInput.extend({
  /** The agent whose sandbox number to write to; without it, the tenant's first sandbox number. */
  agentSlug: ZSlugRef.optional(),
  text: z.string().trim().min(1, "required").max(SANDBOX_TEXT_MAX),
  /** The fake customer; without it, the operator's own test customer. */
  waId: ZWaId.optional(),
  name: z.string().trim().min(1).max(100).optional(),
});
export type TSandboxSendInput = z.infer<typeof ZSandboxSendInput>;

export const ZRunHandoffTestInput = ZTenantScopeInput.extend({ agentSlug: ZSlugRef });
export type TRunHandoffTestInput = z.infer<typeof ZRunHandoffTestInput>;

/** The steps of the guided handoff test, in order. */
export const HANDOFF_TEST_STEPS = [
  "send_keyword",
  "pending_human",
  "handoff_delivered",
  "take_over",
  "human_reply_delivered",
  "hand_back",
] as const;
export type THandoffTestStep = (typeof HANDOFF_TEST_STEPS)[number];
