import { and, asc, eq, gt, isNull, ne, sql } from "drizzle-orm";

import { hashPassword, randomToken } from "@lx/shared/crypto";
import { AppError } from "@lx/shared/errors";
import { PASSWORD_LINK_TTL_HOURS, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, USERS_PAGE_SIZE } from "@lx/shared/schemas";

import type { Executor } from "../client.ts";
import { passwordLinks, sessions, users } from "../schema/index.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";
import { hashSessionToken } from "./auth.ts";

export type CreateUserInput = {
  email: string;
  password: string;
  role: "operator" | "client";
  tenantId?: string | null;
  name?: string;
  actor: AuditActor;
  requestId?: string;
};

function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new AppError("INVALID_INPUT", {
      message: `password must have ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`,
    });
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Creates an operator or a client of one tenant. The e-mail is unique, case-insensitively. */
export async function createUser(db: Executor, input: CreateUserInput) {
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email)) {
    throw new AppError("INVALID_INPUT", { message: `invalid e-mail "${input.email}"` });
  }
  checkPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(users)
      .values({
        email,
        name: input.name ?? null,
        passwordHash,
        role: input.role,
        tenantId: input.role === "client" ? (input.tenantId ?? null) : null,
      })
      .onConflictDoNothing()
      .returning({ id: users.id, email: users.email, role: users.role, tenantId: users.tenantId });
    if (!row) {
      throw new AppError("CONFLICT", { message: `a user with e-mail ${email} already exists` });
    }
    await insertAuditEvent(tx, {
      tenantId: row.tenantId,
      actor: input.actor,
      type: "user.created",
      subjectType: "user",
      subjectId: row.id,
      after: { email: row.email, role: row.role },
      requestId: input.requestId,
    });
    return row;
  });
}

/** One account as the console lists it (never the password hash). */
export type AccountDto = {
  id: string;
  email: string;
  name: string | null;
  role: "operator" | "client";
  tenantId: string | null;
  createdAt: string;
  lastLoginAt: string | null;
  disabledAt: string | null;
};

const accountColumns = {
  id: users.id,
  email: users.email,
  name: users.name,
  role: users.role,
  tenantId: users.tenantId,
  createdAt: users.createdAt,
  lastLoginAt: users.lastLoginAt,
  disabledAt: users.disabledAt,
};

function toAccountDto(row: {
  id: string;
  email: string;
  name: string | null;
  role: "operator" | "client";
  tenantId: string | null;
  createdAt: Date;
  lastLoginAt: Date | null;
  disabledAt: Date | null;
}): AccountDto {
  return {
    ...row,
    createdAt: row.createdAt.toISOString(),
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
    disabledAt: row.disabledAt?.toISOString() ?? null,
  };
}

/**
 * A tenant's clients (`tenantId`), or the operators (`tenantId: null`): a page by e-mail, after
 * `cursor` (the previous page's `nextCursor`, null after the last page).
 */
export async function listUsers(
  db: Executor,
  { tenantId, cursor, limit = USERS_PAGE_SIZE }: { tenantId: string | null; cursor?: string; limit?: number },
): Promise<{ items: AccountDto[]; nextCursor: string | null }> {
  const rows = await db
    .select(accountColumns)
    .from(users)
    .where(
      and(
        tenantId === null ? eq(users.role, "operator") : and(eq(users.role, "client"), eq(users.tenantId, tenantId)),
        cursor === undefined ? undefined : gt(users.email, cursor),
      ),
    )
    .orderBy(asc(users.email))
    .limit(limit + 1);
  const items = rows.slice(0, limit).map(toAccountDto);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.email ?? null) : null };
}

/** The account with this e-mail, whatever its case (NOT_FOUND when there is none): for `lx user …`. */
export async function requireUserByEmail(db: Executor, email: string): Promise<AccountDto> {
  const [row] = await db
    .select(accountColumns)
    .from(users)
    .where(eq(sql`lower(${users.email})`, email.trim().toLowerCase()))
    .limit(1);
  if (!row) {
    throw new AppError("NOT_FOUND", { message: `no user with e-mail ${email.trim()}` });
  }
  return toAccountDto(row);
}

/** The enabled account with this e-mail, whatever its case, or null (a public reset request must not tell which). */
export async function findActiveUserByEmail(db: Executor, email: string): Promise<AccountDto | null> {
  const [row] = await db
    .select(accountColumns)
    .from(users)
    .where(and(eq(sql`lower(${users.email})`, email.trim().toLowerCase()), isNull(users.disabledAt)))
    .limit(1);
  return row ? toAccountDto(row) : null;
}

/** The account, locked for the change (NOT_FOUND when missing). */
async function lockAccount(tx: Executor, userId: string) {
  const [row] = await tx.select(accountColumns).from(users).where(eq(users.id, userId)).for("update").limit(1);
  if (!row) {
    throw new AppError("NOT_FOUND", { message: "no such user" });
  }
  return row;
}

/**
 * Sets a new password (an operator resetting a client's or a colleague's) and ends the user's open
 * sessions, but `keepSessionId` (the operator's own, when it is their own password). Audited
 * `user.password_reset`, never with the password.
 */
export async function setUserPassword(
  db: Executor,
  input: { userId: string; password: string; keepSessionId?: string; actor: AuditActor; requestId?: string },
): Promise<AccountDto> {
  checkPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const row = await lockAccount(tx, input.userId);
    await tx.update(users).set({ passwordHash }).where(eq(users.id, row.id));
    // A password link handed out earlier would undo this one.
    await tx.delete(passwordLinks).where(and(eq(passwordLinks.userId, row.id), isNull(passwordLinks.usedAt)));
    const ended = await tx
      .delete(sessions)
      .where(and(eq(sessions.userId, row.id), input.keepSessionId ? ne(sessions.id, input.keepSessionId) : sql`true`))
      .returning({ id: sessions.id });
    await insertAuditEvent(tx, {
      tenantId: row.tenantId,
      actor: input.actor,
      type: "user.password_reset",
      subjectType: "user",
      subjectId: row.id,
      data: { email: row.email, sessionsEnded: ended.length },
      requestId: input.requestId,
    });
    return toAccountDto(row);
  });
}

/**
 * Disables an account (no sign-in; every open session ends at once) or enables it again. An operator
 * cannot disable their own account, so the agency always keeps one who can undo it. Audited
 * `user.disabled` / `user.enabled` with before and after; a no-op (already so) writes nothing.
 */
export async function setUserDisabled(
  db: Executor,
  /** `actorUserId`: the operator doing it (null from the CLI, which acts for nobody's account). */
  input: { userId: string; disabled: boolean; actorUserId: string | null; actor: AuditActor; requestId?: string },
): Promise<AccountDto> {
  if (input.disabled && input.userId === input.actorUserId) {
    throw new AppError("INVALID_STATE", { message: "you cannot disable your own account" });
  }
  return db.transaction(async (tx) => {
    const row = await lockAccount(tx, input.userId);
    if ((row.disabledAt !== null) === input.disabled) {
      return toAccountDto(row);
    }
    const [updated] = await tx
      .update(users)
      .set({ disabledAt: input.disabled ? sql`now()` : null })
      .where(eq(users.id, row.id))
      .returning(accountColumns);
    const ended = input.disabled ? await tx.delete(sessions).where(eq(sessions.userId, row.id)).returning({ id: sessions.id }) : [];
    await insertAuditEvent(tx, {
      tenantId: row.tenantId,
      actor: input.actor,
      type: input.disabled ? "user.disabled" : "user.enabled",
      subjectType: "user",
      subjectId: row.id,
      before: { disabledAt: row.disabledAt?.toISOString() ?? null },
      after: { disabledAt: updated?.disabledAt?.toISOString() ?? null },
      data: { email: row.email, ...(input.disabled ? { sessionsEnded: ended.length } : {}) },
      requestId: input.requestId,
    });
    return toAccountDto(updated ?? row);
  });
}

/**
 * A one-time link to set the account's password (valid PASSWORD_LINK_TTL_HOURS): what an operator
 * hands a new client or a locked-out colleague instead of a password, so nobody but the owner ever
 * knows it. Returns the token (the console puts it after `#` in the URL, so it never reaches a
 * server log); only its sha256 is stored. Any older link of the account stops working — but a
 * `selfService` reset (the public "Esqueceu a senha?", which anyone can ask for) voids only earlier
 * self-service resets (links made by the same actor label), never a link an operator handed out: a
 * stranger must not be able to kill a pending invitation. Using any link voids all the others
 * (setPasswordWithLink). A disabled account gets none. Audited `user.password_link_created`, never
 * with the token.
 */
export async function createPasswordLink(
  db: Executor,
  input: {
    userId: string;
    actor: AuditActor;
    requestId?: string;
    /** Default PASSWORD_LINK_TTL_HOURS; a reset the owner asked for by e-mail lives PASSWORD_RESET_TTL_MINUTES. */
    ttlMinutes?: number;
    /** How the link reaches its owner, when the platform sends it (audited). */
    via?: "email";
    /** A reset the owner asked for themselves: older links by other actors (an operator's invitation) stay valid. */
    selfService?: boolean;
  },
): Promise<{ token: string; email: string; name: string | null; expiresAt: string }> {
  const token = randomToken(32);
  return db.transaction(async (tx) => {
    const row = await lockAccount(tx, input.userId);
    if (row.disabledAt !== null) {
      throw new AppError("INVALID_STATE", { message: `${row.email} is disabled: enable the account first` });
    }
    await tx
      .delete(passwordLinks)
      .where(
        and(
          eq(passwordLinks.userId, row.id),
          isNull(passwordLinks.usedAt),
          input.selfService ? eq(passwordLinks.createdByLabel, input.actor.label) : undefined,
        ),
      );
    const [link] = await tx
      .insert(passwordLinks)
      .values({
        id: hashSessionToken(token),
        userId: row.id,
        expiresAt: sql`now() + ${input.ttlMinutes ?? PASSWORD_LINK_TTL_HOURS * 60} * interval '1 minute'`,
        createdByLabel: input.actor.label,
      })
      .returning({ expiresAt: passwordLinks.expiresAt });
    await insertAuditEvent(tx, {
      tenantId: row.tenantId,
      actor: input.actor,
      type: "user.password_link_created",
      subjectType: "user",
      subjectId: row.id,
      data: { email: row.email, expiresAt: link?.expiresAt.toISOString(), ...(input.via ? { via: input.via } : {}) },
      requestId: input.requestId,
    });
    return { token, email: row.email, name: row.name, expiresAt: (link?.expiresAt ?? new Date()).toISOString() };
  });
}

function invalidLink(): AppError {
  return new AppError("INVALID_STATE", {
    message: "this link is invalid, expired or already used",
    reason: { code: "password_link.invalid" },
  });
}

/** The usable link's account, locked with it; INVALID_STATE for any other (missing, used, expired, disabled). */
async function usableLink(tx: Executor, token: string) {
  const [row] = await tx
    .select({ linkId: passwordLinks.id, expiresAt: passwordLinks.expiresAt, ...accountColumns })
    .from(passwordLinks)
    .innerJoin(users, eq(users.id, passwordLinks.userId))
    .where(and(eq(passwordLinks.id, hashSessionToken(token)), isNull(passwordLinks.usedAt), sql`${passwordLinks.expiresAt} > now()`, isNull(users.disabledAt)))
    .for("update")
    .limit(1);
  if (!row) {
    throw invalidLink();
  }
  return row;
}

/** Whose password a link sets, for the page that asks for it (INVALID_STATE when it cannot be used). */
export async function describePasswordLink(db: Executor, token: string): Promise<{ email: string; name: string | null; expiresAt: string }> {
  return db.transaction(async (tx) => {
    const row = await usableLink(tx, token);
    return { email: row.email, name: row.name, expiresAt: row.expiresAt.toISOString() };
  });
}

/**
 * Sets the password through a link, once: the link is spent, every open session of the account ends
 * (whoever had it), and the change is audited `user.password_reset` by the account's owner.
 */
export async function setPasswordWithLink(
  db: Executor,
  input: { token: string; password: string; requestId?: string },
): Promise<AccountDto> {
  checkPassword(input.password);
  // The link first: a stranger's guesses must not cost a password hash each (this is a public call).
  await describePasswordLink(db, input.token);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const row = await usableLink(tx, input.token);
    await tx.update(users).set({ passwordHash }).where(eq(users.id, row.id));
    await tx.update(passwordLinks).set({ usedAt: sql`now()` }).where(eq(passwordLinks.id, row.linkId));
    // The account may hold an operator's link and a self-service reset at once: using one voids the other.
    await tx
      .delete(passwordLinks)
      .where(and(eq(passwordLinks.userId, row.id), isNull(passwordLinks.usedAt), ne(passwordLinks.id, row.linkId)));
    const ended = await tx.delete(sessions).where(eq(sessions.userId, row.id)).returning({ id: sessions.id });
    await insertAuditEvent(tx, {
      tenantId: row.tenantId,
      actor: { type: "user", id: row.id, label: row.email },
      type: "user.password_reset",
      subjectType: "user",
      subjectId: row.id,
      data: { email: row.email, via: "link", sessionsEnded: ended.length },
      requestId: input.requestId,
    });
    return toAccountDto(row);
  });
}
