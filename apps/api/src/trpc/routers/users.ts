import type { TRPCRouterRecord } from "@trpc/server";

import type { Database } from "@lx/db/client";
import { createUser, getTenantForUser, listUsers, setUserDisabled, setUserPassword, userActor, type SessionUser } from "@lx/db/queries";
import { ZCreateUserInput, ZListUsersInput, ZSetUserDisabledInput, ZSetUserPasswordInput } from "@lx/shared/schemas";

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

  /** A client of the named tenant, or an operator (audited `user.created`; a taken e-mail is CONFLICT). */
  create: operatorProcedure.input(ZCreateUserInput).mutation(async ({ ctx, input }) => {
    const tenantId = await tenantIdOf(ctx.db, ctx.session.user, input.tenantSlug);
    const created = await createUser(ctx.db, {
      email: input.email,
      name: input.name === "" ? undefined : input.name,
      password: input.password,
      role: tenantId === null ? "operator" : "client",
      tenantId,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
    return { id: created.id, email: created.email, role: created.role };
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
