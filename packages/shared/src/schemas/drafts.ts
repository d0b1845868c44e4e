/**
 * Inputs of the spec-draft procedures (`drafts.get/save/discard`). Browser-safe: the console's
 * autosave validates with the same objects before it sends.
 */
import { z } from "zod";

import { ZAgentScopeInput, ZSemver } from "./console.ts";

/** A draft is stored as JSON; this bounds what one autosave may send (the widest valid spec is smaller). */
export const DRAFT_MAX_CHARS = 2_000_000;

export const ZGetDraftInput = ZAgentScopeInput;
export type TGetDraftInput = z.infer<typeof ZGetDraftInput>;

/**
 * The draft may be an invalid AgentSpec while it is being edited (only a valid one compiles), but it
 * must be a JSON object of bounded size.
 */
export const ZDraftSpec = z
  .record(z.string(), z.unknown())
  .refine((spec) => JSON.stringify(spec).length <= DRAFT_MAX_CHARS, {
    message: `must be at most ${DRAFT_MAX_CHARS} characters of JSON`,
  });

export const ZSaveDraftInput = ZAgentScopeInput.extend({
  spec: ZDraftSpec,
  /** The version the editor started from (the live one when it opened); null when the agent has none. */
  baseVersion: ZSemver.nullable().default(null),
  /**
   * The draft's revision the editor loaded (or last saved): 0 when there was no draft. A save whose
   * revision is no longer the stored one is refused (CONFLICT) instead of overwriting someone else's
   * edit. The console always sends it; without it the save overwrites (last writer wins).
   */
  expectedRevision: z.number().int().min(0).optional(),
});
export type TSaveDraftInput = z.infer<typeof ZSaveDraftInput>;

export const ZDiscardDraftInput = ZAgentScopeInput;
export type TDiscardDraftInput = z.infer<typeof ZDiscardDraftInput>;
