/**
 * zod inputs of the console's template procedures (apps/api `templates.*`), shared with the console's
 * template form. zod only: the browser console imports this file.
 */
import { z } from "zod";

import { ZApplyTemplate, ZApplyTemplateFields } from "./apply-file.ts";
import { ZTenantScopeInput } from "./console.ts";
import { checkTemplateBody } from "./template-body.ts";

/** The tenant's Meta templates with their status at Meta (operators). */
export const ZListTemplatesInput = ZTenantScopeInput;
export type TListTemplatesInput = z.infer<typeof ZListTemplatesInput>;

/**
 * A template Meta approved, declared for the tenant (operators; the apply file's `templates[]` item,
 * with the same body rules: numbered parameters without gaps, at most `{{1}}` for re-engagement).
 */
export const ZCreateTemplateInput = ZTenantScopeInput.extend({ template: ZApplyTemplate });
export type TCreateTemplateInput = z.infer<typeof ZCreateTemplateInput>;

/**
 * A declared template's category, use or text (its name and language are what Meta knows it by);
 * the body is checked against the new use, as on create.
 */
export const ZUpdateTemplateInput = ZTenantScopeInput.extend({
  templateId: z.uuid(),
  template: ZApplyTemplateFields.pick({ category: true, purpose: true, body: true }).superRefine(checkTemplateBody),
});
export type TUpdateTemplateInput = z.infer<typeof ZUpdateTemplateInput>;

export const ZRemoveTemplateInput = ZTenantScopeInput.extend({ templateId: z.uuid() });
export type TRemoveTemplateInput = z.infer<typeof ZRemoveTemplateInput>;
