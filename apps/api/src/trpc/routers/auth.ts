import type { TRPCRouterRecord } from "@trpc/server";

import { login, logout, SESSION_COOKIE } from "../../services/auth.ts";
import { toUserDto } from "../dto.ts";
import { authedProcedure, publicProcedure } from "../init.ts";
import { ZLoginInput } from "../inputs.ts";

export const authRouter = {
  /** Public. Sets the `lx_session` cookie; UNAUTHORIZED on bad credentials, RATE_LIMITED after 5 failures. */
  login: publicProcedure.input(ZLoginInput).mutation(async ({ ctx, input }) => {
    const { token, session } = await login(ctx.db, {
      email: input.email,
      password: input.password,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      requestId: ctx.requestId,
      limiter: ctx.loginLimiter,
    });
    ctx.setCookie(SESSION_COOKIE, token, { expires: session.expiresAt });
    ctx.logger.info({ userId: session.user.id, role: session.user.role }, "signed in");
    return { user: toUserDto(session.user), expiresAt: session.expiresAt.toISOString() };
  }),

  /** Deletes the session and clears the cookie. */
  logout: authedProcedure.mutation(async ({ ctx }) => {
    await logout(ctx.db, ctx.session, ctx.requestId);
    ctx.clearCookie(SESSION_COOKIE);
    return { ok: true as const };
  }),

  /** Public: the signed-in user, or null (the console's "am I signed in?" probe). */
  me: publicProcedure.query(({ ctx }) => {
    if (!ctx.session) {
      return null;
    }
    return { user: toUserDto(ctx.session.user), expiresAt: ctx.session.expiresAt.toISOString() };
  }),
} satisfies TRPCRouterRecord;
