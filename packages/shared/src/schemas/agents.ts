/**
 * zod input of the console's new-agent procedure (apps/api `agents.create`), shared with its form.
 * zod only: the browser console imports this file.
 */
import { z } from "zod";

import { ZSlug } from "./apply-file.ts";
import { ZSlugRef, ZTenantScopeInput } from "./console.ts";

/**
 * A new agent of an onboarded tenant: its slug and name, and the agent whose spec its draft starts
 * from (a starter spec without one). It answers nobody until a version of it is published and active.
 */
export const ZCreateAgentInput = ZTenantScopeInput.extend({
  slug: ZSlug,
  name: z.string().trim().min(1, "required").max(120, "must be at most 120 characters"),
  copyFrom: ZSlugRef.optional(),
});
export type TCreateAgentInput = z.infer<typeof ZCreateAgentInput>;
