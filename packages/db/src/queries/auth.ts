/**
 * Console sign-in: password check, sessions and the login audit trail. The failure rate limit is the
 * caller's (apps/api counts it in the database, shared by its processes); `login` only consults it
 * through `throttle`.
 */
import { createHash } from "node:crypto";

import { and, eq, gt, sql } from "drizzle-orm";

import { hashPassword, randomToken, verifyPassword } from "@lx/shared/crypto";
import { AppError } from "@lx/shared/errors";

import type { Executor } from "../client.ts";
import { sessions, users } from "../schema/index.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";

export const SESSION_TTL_MS = 14 * 24 * 60 * 60 * 1000;
/** lastSeenAt is refreshed at most this often per session (one write per request would be wasteful). */
const TOUCH_INTERVAL_MS = 5 * 60 * 1000;

/** The signed-in user as procedures see it: a client always has a tenant, an operator never does. */
export type SessionUser =
  | { id: string; email: string; name: string | null; role: "operator"; tenantId: null }
  | { id: string; email: string; name: string | null; role: "client"; tenantId: string };

export type AuthSession = { sessionId: string; user: SessionUser; expiresAt: Date };

export function userActor(user: Pick<SessionUser, "id" | "email">): AuditActor {
  return { type: "user", id: user.id, label: user.email };
}

/** Sessions are stored by the sha256 of the cookie token, so a leaked table grants nothing. */
export function hashSessionToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The user columns a session needs; never the password hash. */
const sessionUserColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  tenantId: users.tenantId,
  disabledAt: users.disabledAt,
};

function toSessionUser(row: {
  id: string;
  email: string;
  name: string | null;
  role: "operator" | "client";
  tenantId: string | null;
}): SessionUser | null {
  if (row.role === "operator") {
    return { id: row.id, email: row.email, name: row.name, role: "operator", tenantId: null };
  }
  // The CHECK constraint guarantees a tenant for clients; a row without one is unusable.
  return row.tenantId
    ? { id: row.id, email: row.email, name: row.name, role: "client", tenantId: row.tenantId }
    : null;
}

let dummyHash: Promise<string> | undefined;

/** A real scrypt hash to verify against when the e-mail is unknown, so both paths cost the same. */
function getDummyHash(): Promise<string> {
  dummyHash ??= hashPassword(randomToken(24));
  return dummyHash;
}

/**
 * The failure counter one sign-in attempt consults, already keyed to that attempt (apps/api binds its
 * limits per (ip, e-mail), per e-mail and per address, counted in `rate_limit_hits`). Times are epoch
 * milliseconds.
 */
/**
 * The account's credential stamp for device cookies (apps/api services/device-cookie.ts): a digest of
 * its password hash, so that a new password revokes every device the old one vouched for; null when
 * no enabled account has the e-mail.
 */
export async function deviceStamp(db: Executor, email: string): Promise<string | null> {
  const [row] = await db.execute<{ stamp: string }>(sql`
    select encode(sha256(convert_to(password_hash, 'UTF8')), 'hex') as stamp from users
    where lower(email) = ${email.trim().toLowerCase()} and disabled_at is null and password_hash is not null`);
  return row?.stamp ?? null;
}

export type LoginThrottle = {
  /**
   * Counts this attempt and returns 0 when it may go ahead; otherwise counts nothing and returns the
   * milliseconds until it may. Check and count are one step, so concurrent attempts cannot all pass.
   */
  take(now: number): Promise<number>;
  /** Clears the count (a successful sign-in). */
  reset(): Promise<void>;
  /** Set by `take`: the attempt came from a device known to the account (audited as such). */
  trustedDevice?: boolean;
};

export type LoginInput = {
  email: string;
  password: string;
  ip: string | null;
  userAgent: string | null;
  requestId?: string;
  throttle: LoginThrottle;
  now?: Date;
};

export type LoginResult = { token: string; session: AuthSession };

const INVALID_CREDENTIALS = "invalid e-mail or password";

/**
 * Checks the credentials and opens a 14-day session. Unknown e-mail, wrong password and disabled
 * account all read the same (UNAUTHORIZED, same work done); while `throttle` refuses, every attempt
 * is RATE_LIMITED without checking the password. Both outcomes are audited; the session, the
 * last-login time and the `auth.login` audit row are written in one transaction.
 */
export async function login(db: Executor, input: LoginInput): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase();
  const now = input.now ?? new Date();
  const failureAudit = (reason: string, user?: { id: string; tenantId: string | null }) =>
    insertAuditEvent(db, {
      tenantId: user?.tenantId ?? null,
      actor: { type: "user", id: user?.id ?? null, label: email },
      type: "auth.login_failed",
      subjectType: "user",
      subjectId: user?.id,
      data: {
        reason,
        ip: input.ip,
        userAgent: input.userAgent,
        ...(input.throttle.trustedDevice ? { trustedDevice: true } : {}),
      },
      requestId: input.requestId,
    });

  // Counted before the password is checked (a failure needs no second write); cleared on success.
  const retryAfterMs = await input.throttle.take(now.getTime());
  if (retryAfterMs > 0) {
    await failureAudit("rate_limited");
    throw new AppError("RATE_LIMITED", {
      message: `too many failed sign-in attempts; try again in ${Math.ceil(retryAfterMs / 60_000)} min`,
    });
  }

  // Matches the users_email_key index on lower(email).
  const [row] = await db
    .select({ ...sessionUserColumns, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(sql`lower(${users.email})`, email))
    .limit(1);
  const passwordOk = await verifyPassword(input.password, row?.passwordHash ?? (await getDummyHash()));
  const user = row && !row.disabledAt && passwordOk ? toSessionUser(row) : null;
  if (!user) {
    await failureAudit(!row ? "unknown_email" : row.disabledAt ? "disabled" : "bad_password", row);
    throw new AppError("UNAUTHORIZED", { message: INVALID_CREDENTIALS });
  }
  await input.throttle.reset();

  const token = randomToken(32);
  const sessionId = hashSessionToken(token);
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await db.transaction(async (tx) => {
    await tx.insert(sessions).values({
      id: sessionId,
      userId: user.id,
      expiresAt,
      lastSeenAt: now,
      ip: input.ip,
      userAgent: input.userAgent,
    });
    await tx
      .update(users)
      // A sign-in is not an edit of the user: keep updated_at (the schema's $onUpdate would bump it).
      .set({ lastLoginAt: now, updatedAt: sql`${users.updatedAt}` })
      .where(eq(users.id, user.id));
    await insertAuditEvent(tx, {
      tenantId: user.tenantId,
      actor: userActor(user),
      type: "auth.login",
      subjectType: "user",
      subjectId: user.id,
      data: {
        ip: input.ip,
        userAgent: input.userAgent,
        role: user.role,
        ...(input.throttle.trustedDevice ? { trustedDevice: true } : {}),
      },
      requestId: input.requestId,
    });
  });
  return { token, session: { sessionId, user, expiresAt } };
}

/**
 * The live session of a cookie token: unknown, expired or belonging to a disabled user → null.
 * Refreshes lastSeenAt at most every 5 minutes.
 */
export async function resolveSession(
  db: Executor,
  { token, now = new Date() }: { token: string; now?: Date },
): Promise<AuthSession | null> {
  if (token.length === 0 || token.length > 200) {
    return null;
  }
  const sessionId = hashSessionToken(token);
  const [row] = await db
    .select({ expiresAt: sessions.expiresAt, lastSeenAt: sessions.lastSeenAt, user: sessionUserColumns })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.id, sessionId), gt(sessions.expiresAt, now)))
    .limit(1);
  if (!row || row.user.disabledAt) {
    return null;
  }
  const user = toSessionUser(row.user);
  if (!user) {
    return null;
  }
  if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.id, sessionId));
  }
  return { sessionId, user, expiresAt: row.expiresAt };
}

/** Ends a session (the row is deleted, so the cookie is worthless even if kept) and audits it. */
export async function logout(
  db: Executor,
  { session, requestId }: { session: AuthSession; requestId?: string },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .delete(sessions)
      .where(and(eq(sessions.id, session.sessionId), eq(sessions.userId, session.user.id)));
    await insertAuditEvent(tx, {
      tenantId: session.user.tenantId,
      actor: userActor(session.user),
      type: "auth.logout",
      subjectType: "user",
      subjectId: session.user.id,
      requestId,
    });
  });
}
