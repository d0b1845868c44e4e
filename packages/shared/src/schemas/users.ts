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
/** Accounts per page of `users.list` (by e-mail; the next page from `nextCursor`), and the most one may ask. */
export const USERS_PAGE_SIZE = 50;
export const USERS_PAGE_MAX = 200;

/**
 * A password anywhere one is set (console, API, `lx`): 8–200 characters, not all of them spaces.
 * Never trimmed: inner, leading and trailing spaces are part of it.
 */
export const ZPassword = z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH).regex(/\S/, "must not be empty");

/**
 * An e-mail address an operator or a user types: trimmed (a pasted address brings spaces), and
 * "required" when empty — not "Invalid email address", which told a user who had typed nothing that
 * what they typed was wrong.
 */
export const ZEmail = z.string().trim().min(1, "required").pipe(z.email().max(254));

/** A tenant's clients, or (without a tenant) the agency's operators: a page by e-mail, after `cursor`. */
export const ZListUsersInput = z.object({
  tenantSlug: ZSlugRef.optional(),
  /** The previous page's `nextCursor` (the last e-mail it listed). */
  cursor: z.string().max(254).optional(),
  limit: z.number().int().min(1).max(USERS_PAGE_MAX).optional(),
});
export type TListUsersInput = z.infer<typeof ZListUsersInput>;

/** A client of the named tenant, or an operator when no tenant is named; with a password, or a link to set one. */
export const ZCreateUserInput = z.object({
  tenantSlug: ZSlugRef.optional(),
  email: ZEmail,
  name: z.string().trim().max(120).optional(),
  /** Absent: the account gets a one-time link for its owner to set the password (users.createPasswordLink). */
  password: ZPassword.optional(),
  /** With no password: also e-mail the link to the new account (needs SMTP_URL). */
  sendEmail: z.boolean().optional(),
});
export type TCreateUserInput = z.infer<typeof ZCreateUserInput>;

/** A new password; the user's open sessions end (the operator's own current one stays). */
export const ZSetUserPasswordInput = z.object({ userId: z.uuid(), password: ZPassword });
export type TSetUserPasswordInput = z.infer<typeof ZSetUserPasswordInput>;

/** A disabled user cannot sign in and loses every open session; enabling gives sign-in back. */
export const ZSetUserDisabledInput = z.object({ userId: z.uuid(), disabled: z.boolean() });
export type TSetUserDisabledInput = z.infer<typeof ZSetUserDisabledInput>;

/**
 * The console page a password link opens: `<console origin>/password#t=<token>`. The token rides in
 * the fragment, which browsers never send, so it stays out of every server's and proxy's logs.
 */
export const PASSWORD_LINK_PATH = "/password";

export function passwordLinkUrl(origin: string, token: string): string {
  return `${origin.replace(/\/+$/, "")}${PASSWORD_LINK_PATH}#t=${token}`;
}

/** How long a one-time password link works (an operator hands it to a client or a colleague). */
export const PASSWORD_LINK_TTL_HOURS = 72;

/** How long a link lives that the account's owner asked for themselves ("Esqueceu a senha?", sent by e-mail). */
export const PASSWORD_RESET_TTL_MINUTES = 60;

/**
 * A link for the account's owner to set their own password; older links stop working. `sendEmail`:
 * the API also e-mails it to the account (needs SMTP_URL; the answer says whether it went).
 */
export const ZCreatePasswordLinkInput = z.object({ userId: z.uuid(), sendEmail: z.boolean().optional() });
export type TCreatePasswordLinkInput = z.infer<typeof ZCreatePasswordLinkInput>;

/** The token of a password link (from the URL's fragment): 32 random bytes, base64url. */
export const ZPasswordLinkToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "invalid link");

export const ZDescribePasswordLinkInput = z.object({ token: ZPasswordLinkToken });
export type TDescribePasswordLinkInput = z.infer<typeof ZDescribePasswordLinkInput>;

export const ZSetPasswordWithLinkInput = z.object({ token: ZPasswordLinkToken, password: ZPassword });
export type TSetPasswordWithLinkInput = z.infer<typeof ZSetPasswordWithLinkInput>;

/** "Esqueceu a senha?": a link by e-mail to the account, if there is one (the answer never says). */
export const ZRequestPasswordResetInput = z.object({ email: ZEmail });
export type TRequestPasswordResetInput = z.infer<typeof ZRequestPasswordResetInput>;
