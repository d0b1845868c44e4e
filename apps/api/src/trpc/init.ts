/**
 * tRPC setup (STYLE rule 28): the context, `initTRPC`, the error formatter and the procedures every
 * router builds on. Authorization comes from the session in `ctx`, never from ids in the input.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import type { Context as HonoContext, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { serialize, type CookieOptions } from "hono/utils/cookie";
import { z, ZodError } from "zod";

import type { Database } from "@lx/db/client";
import { getTenantForUser, resolveSession, type AuthSession, type TenantRow } from "@lx/db/queries";
import type { SecretKeys } from "@lx/shared/crypto";
import { AppError, isAppError, type AppErrorCode, type Reason } from "@lx/shared/errors";
import { ZTenantScopeInput } from "@lx/shared/schemas";

import { clientAddress, type TrustProxy } from "../http/client-address.ts";
import type { HonoEnv } from "../http/types.ts";
import type { Logger } from "../logger.ts";
import type { FinishedCountsCache } from "../services/finished-counts.ts";
import type { PasswordMail } from "../services/password-mail.ts";
import { DEVICE_COOKIE } from "../services/device-cookie.ts";
import type { LoginLimiter, ResetRequestLimiter } from "../services/rate-limit.ts";
import type { SandboxGateway } from "../services/sandbox-chat.ts";

/** The console's session cookie; its value is the token whose sha256 is `sessions.id`. */
export const SESSION_COOKIE = "lx_session";

export type CookieSetOptions = { expires: Date };

export type TrpcContext = {
  db: Database;
  /** The signed-in user's live session, or null (anonymous, expired, logged out, disabled). */
  session: AuthSession | null;
  requestId: string;
  logger: Logger;
  /** LX_SECRET_KEY, parsed (for procedures that box or open stored secrets). */
  secretKey: SecretKeys;
  /**
   * The client's address: the socket's, or from X-Forwarded-For when the socket is a proxy
   * `TRUST_PROXY` names (http/client-address.ts); null without a Node socket (tests).
   */
  ip: string | null;
  userAgent: string | null;
  /** The `lx_device` cookie's value, if any (unverified: see services/device-cookie.ts). */
  deviceToken: string | null;
  /** The HTTP method of the request (a batch shares it); absent for an in-process call (createCaller). */
  httpMethod?: string;
  loginLimiter: LoginLimiter;
  /** "Esqueceu a senha?" requests per e-mail and per address. */
  resetLimiter: ResetRequestLimiter;
  /** Password links by e-mail; null when SMTP_URL is not set. */
  mail: PasswordMail | null;
  /** The operations overview's finished-row counts, recounted at most every 30 s per filter. */
  finishedCounts: FinishedCountsCache;
  /** Wakes the workers' outbox senders after a procedure queued a send (coalesced NOTIFY). */
  wakeOutbox?: () => void;
  /** Wakes the workers' job runners after a procedure queued a job (coalesced NOTIFY). */
  wakeJobs?: () => void;
  /**
   * The API's way to its own webhook when sandbox mode is on (`config.sandbox`), for the console's
   * test chat and handoff test; null otherwise.
   */
  sandbox: SandboxGateway | null;
  /** Adds an http-only, SameSite=Lax, Path=/ cookie (Secure when COOKIE_SECURE) to the response. */
  setCookie: (name: string, value: string, options: CookieSetOptions) => void;
  clearCookie: (name: string) => void;
};

export type TrpcDeps = {
  db: Database;
  secretKey: SecretKeys;
  cookieSecure: boolean;
  trustProxy: TrustProxy | null;
  loginLimiter: LoginLimiter;
  resetLimiter: ResetRequestLimiter;
  mail: PasswordMail | null;
  finishedCounts: FinishedCountsCache;
  sandbox: SandboxGateway | null;
  wakeOutbox?: () => void;
  wakeJobs?: () => void;
};

/** Cookie helpers writing `Set-Cookie` lines into `headers`. */
export function cookieWriter(
  headers: Headers,
  secure: boolean,
): Pick<TrpcContext, "setCookie" | "clearCookie"> {
  const base: CookieOptions = { path: "/", httpOnly: true, sameSite: "Lax", secure };
  return {
    setCookie: (name, value, { expires }) => {
      const maxAge = Math.max(0, Math.floor((expires.getTime() - Date.now()) / 1000));
      headers.append("Set-Cookie", serialize(name, value, { ...base, expires, maxAge }));
    },
    clearCookie: (name) => {
      headers.append("Set-Cookie", serialize(name, "", { ...base, expires: new Date(0), maxAge: 0 }));
    },
  };
}

/**
 * Builds the context of one tRPC HTTP request (a batch shares it) from the Hono context. Response
 * headers go through tRPC's `resHeaders`, because tRPC builds the Response itself.
 */
export async function createContextFromHono(
  deps: TrpcDeps,
  c: HonoContext<HonoEnv>,
  resHeaders: Headers,
): Promise<TrpcContext> {
  // Resolved already when the app's /trpc session middleware ran (requestSession); else here.
  const resolved = c.get("session");
  const token = resolved === undefined ? getCookie(c, SESSION_COOKIE) : undefined;
  const session = resolved !== undefined ? resolved : token ? await resolveSession(deps.db, { token }) : null;
  return {
    db: deps.db,
    session,
    requestId: c.get("requestId"),
    logger: c.get("logger"),
    secretKey: deps.secretKey,
    ip: clientAddress(c.env?.incoming, deps.trustProxy),
    userAgent: c.req.header("User-Agent")?.slice(0, 512) ?? null,
    deviceToken: getCookie(c, DEVICE_COOKIE) ?? null,
    httpMethod: c.req.method,
    loginLimiter: deps.loginLimiter,
    resetLimiter: deps.resetLimiter,
    mail: deps.mail,
    finishedCounts: deps.finishedCounts,
    sandbox: deps.sandbox,
    wakeOutbox: deps.wakeOutbox,
    wakeJobs: deps.wakeJobs,
    ...cookieWriter(resHeaders, deps.cookieSecure),
  };
}

/**
 * Resolves the request's session cookie before anything reads the body (`c.var.session`; null when
 * anonymous, expired or disabled): `/trpc`'s body limit depends on it, and the tRPC context takes it
 * from there instead of asking the database again.
 */
export function requestSession(db: Database): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    c.set("session", token ? await resolveSession(db, { token }) : null);
    await next();
  };
}

/**
 * `data.appError` of a refusal: the shared code, and — when the thrower said why — the reason as data
 * (the console words it in its language) with its English sentence (`userMessage`, for `lx` and API
 * clients).
 */
export type AppErrorData = { code: AppErrorCode; userMessage: string | null; reason: Reason | null };

const INTERNAL_MESSAGE = "internal server error";

const t = initTRPC.context<TrpcContext>().create({
  // No stack traces in responses, whatever NODE_ENV says.
  isDev: false,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const internal = error.code === "INTERNAL_SERVER_ERROR";
    const appError: AppErrorData | null = isAppError(cause)
      ? { code: cause.code, userMessage: cause.userMessage ?? null, reason: cause.reason ?? null }
      : null;
    return {
      ...shape,
      message: internal ? INTERNAL_MESSAGE : shape.message,
      data: {
        ...shape.data,
        zodError: cause instanceof ZodError ? z.flattenError(cause) : null,
        appError: internal ? null : appError,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Maps an AppError thrown anywhere below to the tRPC code of the shared table (NOT_FOUND,
 * FORBIDDEN, TOO_MANY_REQUESTS, …), keeping it as `cause` for the formatter and the logs.
 */
const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && !(result.error.cause instanceof TRPCError) && isAppError(result.error.cause)) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.trpcCode, message: cause.message, cause });
  }
  return result;
});

/**
 * Whether any string in a JSON value (object keys included) holds U+0000. Walked with a stack of its
 * own, not by recursion: however deep the input, this cannot overflow the call stack (a GET's input
 * is not depth-checked like a POST body; see app.ts).
 */
export function containsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === "string") {
      if (item.includes("\u0000")) {
        return true;
      }
    } else if (Array.isArray(item)) {
      // One push each, not push(...item): spreading a huge array would overflow the stack itself.
      for (const child of item as unknown[]) {
        pending.push(child);
      }
    } else if (item !== null && typeof item === "object") {
      for (const [key, child] of Object.entries(item)) {
        if (key.includes("\u0000")) {
          return true;
        }
        pending.push(child);
      }
    }
  }
  return false;
}

/**
 * Refuses any input holding a NUL character (U+0000), for every procedure at once: PostgreSQL cannot
 * store it in text or jsonb (22P05), so it would end as a 500 deep in a query. The console never
 * types one; refusing says so (stripping it, as the webhook does for Meta's text, would change what
 * the person wrote without telling them).
 */
const refuseNul = t.middleware(async ({ getRawInput, next }) => {
  if (containsNul(await getRawInput())) {
    throw new AppError("INVALID_INPUT", {
      message: "input must not contain the NUL character (U+0000)",
      reason: { code: "input.nul_character" },
    });
  }
  return next();
});

export const publicProcedure = t.procedure.use(appErrors).use(refuseNul);

/**
 * A public query whose input is a secret (a one-time link's token): refused as GET, whose input is
 * in the URL that proxies and access logs record. Clients send it as POST (the server allows method
 * override; the console's link does so for these paths).
 */
export const publicSecretQueryProcedure = publicProcedure.use(({ ctx, next }) => {
  if (ctx.httpMethod === "GET") {
    throw new TRPCError({
      code: "METHOD_NOT_SUPPORTED",
      message: "send this query as POST: its input is a secret that must not travel in a URL",
    });
  }
  return next();
});

/** A signed-in user; `ctx.session` is non-null from here on. */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) {
    throw new AppError("UNAUTHORIZED", { message: "sign in to use the console" });
  }
  return next({ ctx: { session: ctx.session } });
});

/** Agency staff only; clients get FORBIDDEN (they are read-only, apart from approvals). */
export const operatorProcedure = authedProcedure.use(({ ctx, next }) => {
  const { session } = ctx;
  if (session.user.role !== "operator") {
    throw new AppError("FORBIDDEN", { message: "only operators can do this" });
  }
  return next({ ctx: { session: { ...session, user: session.user } } });
});

/**
 * Tenant-scoped access (input `{ tenantSlug }`): resolves `ctx.tenant`. Operators may name any
 * tenant; a client only their own — any other slug is NOT_FOUND, exactly like a missing one.
 */
export const tenantReadProcedure = authedProcedure
  .input(ZTenantScopeInput)
  .use(async ({ ctx, input, next }) => {
    const tenant: TenantRow = await getTenantForUser(ctx.db, {
      user: ctx.session.user,
      ref: { slug: input.tenantSlug },
    });
    return next({ ctx: { tenant } });
  });

/** Tenant-scoped operator actions (publish, activate, rollback, compile). Clients: FORBIDDEN. */
export const tenantOperatorProcedure = operatorProcedure
  .input(ZTenantScopeInput)
  .use(async ({ ctx, input, next }) => {
    const tenant: TenantRow = await getTenantForUser(ctx.db, {
      user: ctx.session.user,
      ref: { slug: input.tenantSlug },
    });
    return next({ ctx: { tenant } });
  });
