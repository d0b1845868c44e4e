/**
 * zod input schemas of the console API (apps/api tRPC `.input()`), shared with the admin forms
 * (STYLE rule 22). zod only: the browser console imports this file.
 */
import { z } from "zod";

/**
 * A tenant or agent slug naming an existing row, as the database CHECK constraint allows it. Looser
 * than the apply file's `ZSlug` (which shapes new slugs), so every stored slug can be looked up.
 */
export const ZSlugRef = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be a lowercase slug (a-z, 0-9, -)");

/**
 * The most calls one batched request to `/trpc` may carry (the API's `maxBatchSize`; larger batches
 * are refused with 400). The console's `httpBatchLink` sends at most this many per request.
 */
export const TRPC_MAX_BATCH_SIZE = 20;

/**
 * The largest request body `/trpc` reads (413 past it). The largest legitimate input is a spec draft
 * (`DRAFT_MAX_CHARS`, 2,000,000 characters of JSON): 5 MiB holds it at two UTF-8 bytes a character.
 */
export const TRPC_MAX_BODY_BYTES = 5 * 1024 * 1024;

export const ZSemver = z.string().regex(/^\d+\.\d+\.\d+$/, "must be a version like 1.2.3");

export const ZLoginInput = z.object({
  // Not validated as an address: any unknown e-mail must read exactly like a wrong password.
  email: z.string().trim().min(1, "required").max(320),
  password: z.string().min(1, "required").max(1024),
});
export type TLoginInput = z.infer<typeof ZLoginInput>;

/** Every tenant-scoped procedure names its tenant by slug; access is decided from the session. */
export const ZTenantScopeInput = z.object({ tenantSlug: ZSlugRef });
export type TTenantScopeInput = z.infer<typeof ZTenantScopeInput>;

/**
 * A secret pasted into the console (a Graph API token, a CRM token, a webhook signing secret): the
 * value itself, trimmed. The console has no environment, so an `env:` reference (which `lx apply`
 * resolves) is refused in words. One message at a time: a reference, else empty, else too short.
 */
export function pastedSecret(what: "token" | "secret", { min = 1, max = 4096 }: { min?: number; max?: number } = {}) {
  return z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      if (value.startsWith("env:")) {
        ctx.addIssue({ code: "custom", message: `paste the ${what} itself, not an env: reference` });
      } else if (value === "") {
        ctx.addIssue({ code: "custom", message: "required" });
      } else if (value.length < min) {
        ctx.addIssue({ code: "custom", message: `must be at least ${min} characters` });
      }
    })
    .max(max);
}

export const ZAgentScopeInput = ZTenantScopeInput.extend({ agentSlug: ZSlugRef });
export type TAgentScopeInput = z.infer<typeof ZAgentScopeInput>;

export const ZGetTenantByIdInput = z.object({ id: z.uuid() });
export type TGetTenantByIdInput = z.infer<typeof ZGetTenantByIdInput>;

export const ZGetTenantBySlugInput = ZTenantScopeInput;

/** A tenant's lifecycle; the database CHECK (@lx/db schema `tenants`) uses this list. */
export const TENANT_STATUSES = ["active", "paused", "archived"] as const;
export type TTenantStatus = (typeof TENANT_STATUSES)[number];

/** Paused or archived: the bot answers nobody on the tenant's Meta numbers and sends no reminders. */
export const ZSetTenantStatusInput = ZTenantScopeInput.extend({ status: z.enum(TENANT_STATUSES) });
export type TSetTenantStatusInput = z.infer<typeof ZSetTenantStatusInput>;
export type TGetTenantBySlugInput = z.infer<typeof ZGetTenantBySlugInput>;

export const ZListAgentsInput = ZTenantScopeInput;
export type TListAgentsInput = z.infer<typeof ZListAgentsInput>;

export const ZListVersionsInput = ZAgentScopeInput;
export type TListVersionsInput = z.infer<typeof ZListVersionsInput>;

export const ZGetVersionInput = ZAgentScopeInput.extend({ version: ZSemver });
export type TGetVersionInput = z.infer<typeof ZGetVersionInput>;

/** The spec is checked by the compiler (path-named errors come back as data, not as BAD_REQUEST). */
export const ZCompileSpecInput = ZAgentScopeInput.extend({ spec: z.unknown() });
export type TCompileSpecInput = z.infer<typeof ZCompileSpecInput>;

/** `SEMVER_BUMPS` of @lx/shared/domain, repeated because this entry imports zod only. */
export const BUMPS = ["patch", "minor", "major"] as const;

/** The console's publish: the changelog is what the client reads before approving (`lx apply` writes its own). */
export const CHANGELOG_REQUIRED = "must say what changed: the client reads it before approving the version";

export const ZPublishVersionInput = ZAgentScopeInput.extend({
  spec: z.unknown(),
  bump: z.enum(BUMPS).default("patch"),
  changelog: z.string().trim().min(1, CHANGELOG_REQUIRED).max(2000),
});
export type TPublishVersionInput = z.infer<typeof ZPublishVersionInput>;

/**
 * `force`: go live although the regression gate has not passed for this version (the agent has test
 * cases and this version's latest run of them failed, or there is none); audited as an override.
 */
export const ZActivateVersionInput = ZAgentScopeInput.extend({ version: ZSemver, force: z.boolean().default(false) });
export type TActivateVersionInput = z.infer<typeof ZActivateVersionInput>;

/**
 * `expect`: the switch the caller saw (the console's "Reverter para v1.0.0" while v1.0.2 is live).
 * A rollback is relative — "the version live before the current one" — so from a stale page it would
 * restore something other than what its confirmation named: with `expect`, the server refuses
 * (CONFLICT) unless the live version and its rollback target are still those two.
 */
export const ZRollbackVersionInput = ZAgentScopeInput.extend({
  expect: z.object({ from: ZSemver, to: ZSemver }).optional(),
});
export type TRollbackVersionInput = z.infer<typeof ZRollbackVersionInput>;

export const APPROVAL_DECISIONS = ["approved", "rejected"] as const;

export const ZApproveVersionInput = ZAgentScopeInput.extend({
  version: ZSemver,
  decision: z.enum(APPROVAL_DECISIONS).default("approved"),
  note: z.string().trim().max(2000).optional(),
});
export type TApproveVersionInput = z.infer<typeof ZApproveVersionInput>;

export const AUDIT_PAGE_MAX = 100;

export const ZListAuditEventsInput = z
  .object({
    tenantSlug: ZSlugRef.optional(),
    /** Exact event type (`version.activated`) or a prefix ending in a dot (`version.`). */
    type: z.string().trim().min(1).max(100).optional(),
    /**
     * Who acted: an actor id (uuid), or the start of an actor label, in any case ("ana@", "cli"); the
     * console turns the words it shows ("sistema", "CLI", "Meta") into their labels (queries/audit.ts).
     */
    actor: z.string().trim().min(1).max(320).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    cursor: z.string().max(200).optional(),
    limit: z.int().min(1).max(AUDIT_PAGE_MAX).default(50),
  })
  .refine((v) => !v.from || !v.to || Date.parse(v.from) <= Date.parse(v.to), {
    message: "from must not be after to",
    path: ["to"],
  });
export type TListAuditEventsInput = z.infer<typeof ZListAuditEventsInput>;

/** The tenant's "setup delivered" checklist (operators). */
export const ZGetSetupChecklistInput = ZTenantScopeInput;
export type TGetSetupChecklistInput = z.infer<typeof ZGetSetupChecklistInput>;

