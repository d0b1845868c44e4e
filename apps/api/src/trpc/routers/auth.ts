import type { TRPCRouterRecord } from "@trpc/server";

import { describePasswordLink, deviceStamp, login, logout, setPasswordWithLink } from "@lx/db/queries";
import { AppError } from "@lx/shared/errors";
import {
  PASSWORD_RESET_TTL_MINUTES,
  ZDescribePasswordLinkInput,
  ZLoginInput,
  ZRequestPasswordResetInput,
  ZSetPasswordWithLinkInput,
} from "@lx/shared/schemas";

import { DEVICE_COOKIE, DEVICE_COOKIE_TTL_MS, issueDeviceToken, verifiedDevice } from "../../services/device-cookie.ts";
import { loginThrottle } from "../../services/rate-limit.ts";
import { toUserDto } from "../dto.ts";
import {
  authedProcedure,
  publicProcedure,
  publicSecretQueryProcedure,
  SESSION_COOKIE,
  type TrpcContext,
} from "../init.ts";

/**
 * Signs `email` in (the throttle trusts the browser when its `lx_device` cookie was issued for this
 * account), sets the session cookie and a fresh device cookie for the account.
 */
async function signIn(ctx: TrpcContext, email: string, password: string) {
  const device = ctx.deviceToken ? verifiedDevice(ctx.secretKey, ctx.deviceToken, email, await deviceStamp(ctx.db, email)) : null;
  const signedIn = await login(ctx.db, {
    email,
    password,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    requestId: ctx.requestId,
    throttle: loginThrottle(ctx.loginLimiter, ctx.ip, email, device),
  });
  ctx.setCookie(SESSION_COOKIE, signedIn.token, { expires: signedIn.session.expiresAt });
  const stamp = await deviceStamp(ctx.db, signedIn.session.user.email);
  ctx.setCookie(DEVICE_COOKIE, issueDeviceToken(ctx.secretKey, signedIn.session.user.email, stamp ?? ""), {
    expires: new Date(Date.now() + DEVICE_COOKIE_TTL_MS),
  });
  return signedIn;
}

export const authRouter = {
  /**
   * Public. Sets the `lx_session` cookie and the `lx_device` cookie (this browser is now known to the
   * account); UNAUTHORIZED on bad credentials, RATE_LIMITED past 5 failures per (address, e-mail), 20
   * per e-mail or 30 per address in 15 minutes — or, from a browser known to the account, past 5
   * failures of that browser's (services/rate-limit.ts, services/device-cookie.ts).
   */
  login: publicProcedure.input(ZLoginInput).mutation(async ({ ctx, input }) => {
    const { session } = await signIn(ctx, input.email, input.password);
    ctx.logger.info({ userId: session.user.id, role: session.user.role }, "signed in");
    return { user: toUserDto(session.user), expiresAt: session.expiresAt.toISOString() };
  }),

  /** Deletes the session and clears the cookie. */
  logout: authedProcedure.mutation(async ({ ctx }) => {
    await logout(ctx.db, { session: ctx.session, requestId: ctx.requestId });
    ctx.clearCookie(SESSION_COOKIE);
    return { ok: true as const };
  }),

  /**
   * Public: whose password a one-time link sets (e-mail, name, expiry), for the page that asks for
   * the new one; INVALID_STATE when the link is unknown, used, expired or its account disabled.
   * POST only (METHOD_NOT_SUPPORTED as GET): the live token must never be in a URL a proxy logs.
   */
  passwordLink: publicSecretQueryProcedure.input(ZDescribePasswordLinkInput).query(async ({ ctx, input }) => {
    return describePasswordLink(ctx.db, input.token);
  }),

  /**
   * Public: sets the password through a one-time link (spent; the account's open sessions end;
   * audited `user.password_reset` by its owner) and signs in with it.
   */
  setPasswordWithLink: publicProcedure.input(ZSetPasswordWithLinkInput).mutation(async ({ ctx, input }) => {
    const account = await setPasswordWithLink(ctx.db, { token: input.token, password: input.password, requestId: ctx.requestId });
    const { session } = await signIn(ctx, account.email, input.password);
    return { user: toUserDto(session.user), expiresAt: session.expiresAt.toISOString() };
  }),

  /** Public: what the login page may offer — a reset link by e-mail only when SMTP_URL is set. */
  options: publicProcedure.query(({ ctx }) => {
    return { passwordResetByEmail: ctx.mail !== null, passwordResetTtlMinutes: PASSWORD_RESET_TTL_MINUTES };
  }),

  /**
   * Public "Esqueceu a senha?": the same answer, at once, whatever the e-mail; an enabled account
   * with it then gets a link (valid PASSWORD_RESET_TTL_MINUTES, older links void) by e-mail.
   * RATE_LIMITED past 3 requests per e-mail or 10 per address in 15 minutes; INVALID_STATE when the
   * server sends no e-mail (no SMTP_URL): then only an operator can make a link.
   */
  requestPasswordReset: publicProcedure.input(ZRequestPasswordResetInput).mutation(async ({ ctx, input }) => {
    if (!ctx.mail) {
      throw new AppError("INVALID_STATE", {
        message: "this server sends no e-mail (SMTP_URL is not set)",
        reason: { code: "auth.reset_unavailable" },
      });
    }
    const waitMs = await ctx.resetLimiter.take(ctx.ip, input.email);
    if (waitMs > 0) {
      throw new AppError("RATE_LIMITED", {
        message: `too many reset requests; try again in ${Math.ceil(waitMs / 60_000)} min`,
      });
    }
    ctx.mail.requestReset(input.email, ctx.requestId);
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
