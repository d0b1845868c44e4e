/**
 * Console sign-in: password check, sessions and the login audit trail.
 *
 * Belongs in packages/db (queries/sessions.ts) once moved. apps/api has no direct `drizzle-orm`
 * dependency, so reads use drizzle's relational API (operators come from the callbacks) and writes
 * that need a WHERE clause use parameterised SQL on the pool (`db.$client`).
 */
import { createHash } from "node:crypto";

import type { Database } from "@lx/db/client";
import { insertAuditEvent, type AuditActor } from "@lx/db/queries";
import { hashPassword, randomToken, verifyPassword } from "@lx/shared/crypto";
import { AppError } from "@lx/shared/errors";

import { insertAuditEventSql } from "./audit-sql.ts";
import { loginRateLimitKey, type FailureRateLimiter } from "./rate-limit.ts";

export const SESSION_COOKIE = "lx_session";
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

export type LoginInput = {
  email: string;
  password: string;
  ip: string | null;
  userAgent: string | null;
  requestId?: string;
  limiter: FailureRateLimiter;
  now?: Date;
};

export type LoginResult = { token: string; session: AuthSession };

const INVALID_CREDENTIALS = "invalid e-mail or password";

/**
 * Checks the credentials and opens a 14-day session. Unknown e-mail, wrong password and disabled
 * account all read the same (UNAUTHORIZED, same work done); after 5 failures per (ip, e-mail) in 15
 * minutes every attempt is RATE_LIMITED without checking the password. Both outcomes are audited.
 */
export async function login(db: Database, input: LoginInput): Promise<LoginResult> {
  const email = input.email.trim().toLowerCase();
  const key = loginRateLimitKey(input.ip, email);
  const now = input.now ?? new Date();
  const failureAudit = (reason: string, user?: { id: string; tenantId: string | null }) =>
    insertAuditEvent(db, {
      tenantId: user?.tenantId ?? null,
      actor: { type: "user", id: user?.id ?? null, label: email },
      type: "auth.login_failed",
      subjectType: "user",
      subjectId: user?.id,
      data: { reason, ip: input.ip, userAgent: input.userAgent },
      requestId: input.requestId,
    });

  const retryAfterMs = input.limiter.retryAfterMs(key, now.getTime());
  if (retryAfterMs > 0) {
    await failureAudit("rate_limited");
    throw new AppError("RATE_LIMITED", {
      message: `too many failed sign-in attempts; try again in ${Math.ceil(retryAfterMs / 60_000)} min`,
    });
  }

  const row = await db.query.users.findFirst({
    columns: {
      id: true,
      email: true,
      name: true,
      role: true,
      tenantId: true,
      passwordHash: true,
      disabledAt: true,
    },
    where: (u, { sql }) => sql`lower(${u.email}) = ${email}`,
  });
  const passwordOk = await verifyPassword(input.password, row?.passwordHash ?? (await getDummyHash()));
  const user = row && !row.disabledAt && passwordOk ? toSessionUser(row) : null;
  if (!user) {
    input.limiter.recordFailure(key, now.getTime());
    await failureAudit(!row ? "unknown_email" : row.disabledAt ? "disabled" : "bad_password", row);
    throw new AppError("UNAUTHORIZED", { message: INVALID_CREDENTIALS });
  }
  input.limiter.reset(key);

  const token = randomToken(32);
  const sessionId = hashSessionToken(token);
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  await db.$client.begin(async (sql) => {
    await sql`
      insert into sessions (id, user_id, expires_at, last_seen_at, ip, user_agent)
      values (${sessionId}, ${user.id}, ${expiresAt.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz,
              ${input.ip}, ${input.userAgent})`;
    await sql`update users set last_login_at = ${now.toISOString()}::timestamptz where id = ${user.id}`;
    await insertAuditEventSql(sql, {
      tenantId: user.tenantId,
      actor: userActor(user),
      type: "auth.login",
      subjectType: "user",
      subjectId: user.id,
      data: { ip: input.ip, userAgent: input.userAgent, role: user.role },
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
  db: Database,
  token: string,
  now = new Date(),
): Promise<AuthSession | null> {
  if (token.length === 0 || token.length > 200) {
    return null;
  }
  const sessionId = hashSessionToken(token);
  const row = await db.query.sessions.findFirst({
    columns: { id: true, expiresAt: true, lastSeenAt: true },
    where: (s, { and, eq, gt }) => and(eq(s.id, sessionId), gt(s.expiresAt, now)),
    with: {
      user: { columns: { id: true, email: true, name: true, role: true, tenantId: true, disabledAt: true } },
    },
  });
  if (!row || row.user.disabledAt) {
    return null;
  }
  const user = toSessionUser(row.user);
  if (!user) {
    return null;
  }
  if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await db.$client`update sessions set last_seen_at = ${now.toISOString()}::timestamptz where id = ${sessionId}`;
  }
  return { sessionId, user, expiresAt: row.expiresAt };
}

/** Ends a session (the row is deleted, so the cookie is worthless even if kept) and audits it. */
export async function logout(db: Database, session: AuthSession, requestId?: string): Promise<void> {
  await db.$client.begin(async (sql) => {
    await sql`delete from sessions where id = ${session.sessionId} and user_id = ${session.user.id}`;
    await insertAuditEventSql(sql, {
      tenantId: session.user.tenantId,
      actor: userActor(session.user),
      type: "auth.logout",
      subjectType: "user",
      subjectId: session.user.id,
      requestId,
    });
  });
}
