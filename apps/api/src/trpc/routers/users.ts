import type { TRPCRouterRecord } from "@trpc/server";

import type { Database } from "@lx/db/client";
import { randomToken } from "@lx/shared/crypto";
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

import { operatorProcedure } from "../init.ts";

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
  /** A tenant's clients, or without a tenant the operators, by e-mail. */
  list: operatorProcedure.input(ZListUsersInput).query(async ({ ctx, input }) => {
    return listUsers(ctx.db, { tenantId: await tenantIdOf(ctx.db, ctx.session.user, input.tenantSlug) });
  }),

  /**
   * A client of the named tenant, or an operator (audited `user.created`; a taken e-mail is CONFLICT).
   * Without a password, the answer carries a one-time link for the owner to set theirs.
   */
  create: operatorProcedure.input(ZCreateUserInput).mutation(async ({ ctx, input }) => {
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
      const link = input.password === undefined ? await createPasswordLink(tx, { userId: created.id, actor, requestId: ctx.requestId }) : null;
      return { created, link };
    });
    return {
      id: created.id,
      email: created.email,
      role: created.role,
      link: link && { token: link.token, expiresAt: link.expiresAt },
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
   * Older links stop working; a disabled account gets none (`user.password_link_created`).
   */
  createPasswordLink: operatorProcedure.input(ZCreatePasswordLinkInput).mutation(async ({ ctx, input }) => {
    return createPasswordLink(ctx.db, { userId: input.userId, actor: userActor(ctx.session.user), requestId: ctx.requestId });
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
