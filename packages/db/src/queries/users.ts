import { hashPassword } from "@lx/shared/crypto";
import { AppError } from "@lx/shared/errors";

import type { Executor } from "../client.ts";
import { users } from "../schema/index.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";

export type CreateUserInput = {
  email: string;
  password: string;
  role: "operator" | "client";
  tenantId?: string | null;
  name?: string;
  actor: AuditActor;
};

export const MIN_PASSWORD_LENGTH = 8;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Creates an operator or a client of one tenant. The e-mail is unique, case-insensitively. */
export async function createUser(db: Executor, input: CreateUserInput) {
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email)) {
    throw new AppError("INVALID_INPUT", { message: `invalid e-mail "${input.email}"` });
  }
  if (input.password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError("INVALID_INPUT", {
      message: `password must have at least ${MIN_PASSWORD_LENGTH} characters`,
    });
  }
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
    });
    return row;
  });
}
