import { expect } from "vitest";

/** The PostgreSQL error behind a drizzle "Failed query" error (drizzle keeps it as `cause`). */
export function pgErrorMessage(err: unknown): string {
  let e: unknown = err;
  const parts: string[] = [];
  while (e instanceof Error) {
    parts.push(e.message);
    const pg = e as Error & { constraint_name?: string; constraint?: string };
    if (pg.constraint_name) {
      parts.push(pg.constraint_name);
    }
    e = e.cause;
  }
  return parts.join(" | ");
}

/** Asserts the promise fails with a database error whose message or constraint matches. */
export async function expectPgError(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught, "expected a database error").toBeDefined();
  expect(pgErrorMessage(caught)).toMatch(pattern);
}
