import type { TRPCRouterRecord } from "@trpc/server";

import type { Database } from "@lx/db/client";
import { randomToken } from "@lx/shared/crypto";
import { AppError } from "@lx/shared/errors";
import {
  createPasswordLink,
  createUser,
  getTenantForUser,
  listUsers,
  setUserDisabled,
  setUserPassword,
  userActor,
  type SessionUser,
} from "@lx/db/queries";
import {
  ZCreatePasswordLinkInput,
  ZCreateUserInput,
  ZListUsersInput,
  ZSetUserDisabledInput,
  ZSetUserPasswordInput,
} from "@lx/shared/schemas";

import type { LinkPurpose, PasswordMail } from "../../services/password-mail.ts";
import { operatorProcedure, type TrpcContext } from "../init.ts";

/** The mailer when the operator asked for an e-mail (INVALID_STATE when this server sends none), else null. */
function mailerFor(ctx: TrpcContext, sendEmail: boolean | undefined): PasswordMail | null {
  if (!sendEmail) {
    return null;
  }
  if (!ctx.mail) {
    throw new AppError("INVALID_STATE", {
      message: "this server sends no e-mail (SMTP_URL is not set)",
      reason: { code: "users.no_email" },
    });
  }
  return ctx.mail;
}

/**
 * E-mails a link the operator just made. The link exists whatever happens to the mail: a relay
 * that refuses it is reported (`emailError`) with the link, so the operator can still hand it over.
 */
async function emailLink(
  ctx: TrpcContext,
  mail: PasswordMail | null,
  link: { token: string; email: string; name: string | null; expiresAt: string },
  purpose: LinkPurpose,
): Promise<{ emailed: boolean; emailError: string | null }> {
  if (!mail) {
    return { emailed: false, emailError: null };
  }
  try {
    await mail.send({ to: link.email, name: link.name, token: link.token, expiresAt: link.expiresAt, purpose });
    return { emailed: true, emailError: null };
  } catch (err) {
    ctx.logger.warn({ err }, "password link e-mail failed");
    return { emailed: false, emailError: err instanceof Error ? err.message.slice(0, 300) : "the mail server refused the message" };
  }
}

/** The tenant a client account belongs to (an unknown slug is NOT_FOUND); no slug: operators. */
async function tenantIdOf(db: Database, user: SessionUser, tenantSlug: string | undefined): Promise<string | null> {
  return tenantSlug === undefined ? null : (await getTenantForUser(db, { user, ref: { slug: tenantSlug } })).id;
}

/**
 * Console access (operators only; clients FORBIDDEN): a tenant's client logins and the agency's
 * operators — list, create, set a new password, disable and enable. Every change is audited with the
 * operator and the request id; a password never reaches a log or an audit row.
 */
export const usersRouter = {
  /** A tenant's clients, or without a tenant the operators: a page by e-mail (`cursor` ← `nextCursor`). */
  list: operatorProcedure.input(ZListUsersInput).query(async ({ ctx, input }) => {
    const tenantId = await tenantIdOf(ctx.db, ctx.session.user, input.tenantSlug);
    return listUsers(ctx.db, { tenantId, cursor: input.cursor, limit: input.limit });
  }),

  /**
   * A client of the named tenant, or an operator (audited `user.created`; a taken e-mail is CONFLICT).
   * Without a password, the answer carries a one-time link for the owner to set theirs; with
   * `sendEmail` it is also e-mailed to them (an invitation; `emailed`, or `emailError`).
   */
  create: operatorProcedure.input(ZCreateUserInput).mutation(async ({ ctx, input }) => {
    const mail = mailerFor(ctx, input.sendEmail && input.password === undefined);
    const tenantId = await tenantIdOf(ctx.db, ctx.session.user, input.tenantSlug);
    const actor = userActor(ctx.session.user);
    // One transaction: never an account without its link.
    const { created, link } = await ctx.db.transaction(async (tx) => {
      const created = await createUser(tx, {
        email: input.email,
        name: input.name === "" ? undefined : input.name,
        // No password given: one nobody knows, and a link for the owner to set theirs.
        password: input.password ?? randomToken(32),
        role: tenantId === null ? "operator" : "client",
        tenantId,
        actor,
        requestId: ctx.requestId,
      });
      const link =
        input.password === undefined
          ? await createPasswordLink(tx, { userId: created.id, actor, requestId: ctx.requestId, via: mail ? "email" : undefined })
          : null;
      return { created, link };
    });
    // After the commit: the account and its link exist whatever the mail relay says.
    const sent = link ? await emailLink(ctx, mail, link, "invite") : null;
    return {
      id: created.id,
      email: created.email,
      role: created.role,
      link: link && sent && { token: link.token, expiresAt: link.expiresAt, ...sent },
    };
  }),

  /** A new password; the account's other sessions end (audited `user.password_reset`). */
  setPassword: operatorProcedure.input(ZSetUserPasswordInput).mutation(async ({ ctx, input }) => {
    return setUserPassword(ctx.db, {
      userId: input.userId,
      password: input.password,
      keepSessionId: ctx.session.sessionId,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),

  /**
   * A one-time link (valid PASSWORD_LINK_TTL_HOURS) for the account's owner to set their own
   * password: the token goes after `#` in the console's `/password` URL, which the console builds.
   * Older links stop working; a disabled account gets none (`user.password_link_created`). With
   * `sendEmail` the API also e-mails it to the account (`emailed`, or `emailError` with the link).
   */
  createPasswordLink: operatorProcedure.input(ZCreatePasswordLinkInput).mutation(async ({ ctx, input }) => {
    const mail = mailerFor(ctx, input.sendEmail);
    const link = await createPasswordLink(ctx.db, {
      userId: input.userId,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
      via: mail ? "email" : undefined,
    });
    return { ...link, ...(await emailLink(ctx, mail, link, "reset")) };
  }),

  /** Disables (sessions end at once) or enables an account; never one's own (`user.disabled` / `user.enabled`). */
  setDisabled: operatorProcedure.input(ZSetUserDisabledInput).mutation(async ({ ctx, input }) => {
    return setUserDisabled(ctx.db, {
      userId: input.userId,
      disabled: input.disabled,
      actorUserId: ctx.session.user.id,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),
} satisfies TRPCRouterRecord;
