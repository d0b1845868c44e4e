/**
 * zod input schemas of console access management (apps/api `users.*`, operators only): the clients
 * who may sign in to one tenant's read-only view, and the agency's operators. zod only: the browser
 * console imports this file.
 */
import { z } from "zod";

import { ZSlugRef } from "./console.ts";

/** The shortest password the console and `lx … create` accept. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 200;
/** A tenant has a handful of client logins; listings stop here (the agency's operators too). */
export const USERS_LIST_MAX = 500;

export const ZPassword = z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH);

/** A tenant's clients, or (without a tenant) the agency's operators. */
export const ZListUsersInput = z.object({ tenantSlug: ZSlugRef.optional() });
export type TListUsersInput = z.infer<typeof ZListUsersInput>;

/** A client of the named tenant, or an operator when no tenant is named. */
export const ZCreateUserInput = z.object({
  tenantSlug: ZSlugRef.optional(),
  email: z.email().max(254),
  name: z.string().trim().max(120).optional(),
  password: ZPassword,
});
export type TCreateUserInput = z.infer<typeof ZCreateUserInput>;

/** A new password; the user's open sessions end (the operator's own current one stays). */
export const ZSetUserPasswordInput = z.object({ userId: z.uuid(), password: ZPassword });
export type TSetUserPasswordInput = z.infer<typeof ZSetUserPasswordInput>;

/** A disabled user cannot sign in and loses every open session; enabling gives sign-in back. */
export const ZSetUserDisabledInput = z.object({ userId: z.uuid(), disabled: z.boolean() });
export type TSetUserDisabledInput = z.infer<typeof ZSetUserDisabledInput>;
