import { isAppError } from "@lx/shared/errors";

/** A failure the user can fix: printed as one message, exit 1. */
export class UserError extends Error {}

type ErrnoLike = Error & { code?: unknown; syscall?: unknown; address?: unknown; port?: unknown; hostname?: unknown; path?: unknown };

/** The error and its causes, outermost first (drizzle wraps the driver's error in `cause`). */
function causes(err: unknown): Error[] {
  const chain: Error[] = [];
  let e: unknown = err;
  while (e instanceof Error && !chain.includes(e) && chain.length < 10) {
    chain.push(e);
    e = e.cause;
  }
  return chain;
}

const NET_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host name lookup failed",
  CONNECT_TIMEOUT: "timed out",
  CONNECTION_CLOSED: "connection closed",
  CONNECTION_ENDED: "connection ended",
  CONNECTION_DESTROYED: "connection destroyed",
};

/** "connection refused" for a socket-level failure (the driver's, or fetch's cause), else undefined. */
export function networkReason(err: unknown): { reason: string; where?: string } | undefined {
  for (const e of causes(err) as ErrnoLike[]) {
    const reason = typeof e.code === "string" ? NET_REASONS[e.code] : undefined;
    if (reason) {
      const host = typeof e.address === "string" ? e.address : typeof e.hostname === "string" ? e.hostname : undefined;
      const port = typeof e.port === "number" || typeof e.port === "string" ? `:${e.port}` : "";
      const where = host === undefined ? undefined : `${host}${port}`;
      return { reason, where };
    }
  }
  return undefined;
}

const FS_REASONS: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a directory",
  ENOTDIR: "a part of the path is not a directory",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EEXIST: "already exists",
};

/** `cannot write out.json: no such directory`, for a failed write of `file`. */
export function writeFailure(file: string, err: unknown): UserError {
  const code = (err as ErrnoLike).code;
  const reason = code === "ENOENT" ? "no such directory" : (typeof code === "string" && FS_REASONS[code]) || (err as Error).message;
  return new UserError(`cannot write ${file}: ${reason}`);
}

/** `cannot read spec.json: no such file`, for a failed read of a file the user named. */
export function readFailure(file: string, err: unknown): UserError {
  const code = (err as ErrnoLike).code;
  const reason = code === "ENOENT" ? "no such file" : (typeof code === "string" && FS_REASONS[code]) || (err as Error).message;
  return new UserError(`cannot read ${file}: ${reason}`);
}

/** PostgreSQL errors that are about reaching or entering the database, not about a query. */
function isConnectionPostgresError(e: ErrnoLike): boolean {
  if (e.name !== "PostgresError" || typeof e.code !== "string") {
    return false;
  }
  // 08 connection exception, 28 invalid authorization, 3D000 invalid catalog name (no such database),
  // 53 insufficient resources (too many connections), 57P0x shutdown / cannot connect now.
  return /^(08|28|53|57P0)/.test(e.code) || e.code === "3D000";
}

export type ErrorContext = {
  /**
   * The dev.json of `pnpm start` the database URL came from (no DATABASE_URL set): a database that
   * cannot be reached is then its embedded PostgreSQL, which runs only while `pnpm start` does.
   */
  devStateFile?: string;
};

/**
 * The one line printed for an error a user can act on (their input, the database or a file they
 * named), or undefined for anything else: a bug, printed with its stack.
 * Never includes a DATABASE_URL: it may hold a password.
 */
export function knownErrorMessage(err: unknown, context: ErrorContext = {}): string | undefined {
  if (err instanceof UserError || isAppError(err)) {
    return err.message;
  }
  for (const e of causes(err) as ErrnoLike[]) {
    if (e instanceof UserError || isAppError(e)) {
      return e.message;
    }
    if (isConnectionPostgresError(e)) {
      return e.message;
    }
  }
  const net = networkReason(err);
  if (net) {
    const embedded = context.devStateFile
      ? `: it is the embedded PostgreSQL of \`pnpm start\` (its URL from ${context.devStateFile}), which runs only while \`pnpm start\` does — start it, or set DATABASE_URL`
      : "";
    return `cannot reach the database${net.where ? ` at ${net.where}` : ""} (${net.reason})${embedded}`;
  }
  for (const e of causes(err) as ErrnoLike[]) {
    if (typeof e.code === "string" && typeof e.path === "string" && FS_REASONS[e.code]) {
      return `cannot ${typeof e.syscall === "string" ? `${e.syscall} ` : "use "}${e.path}: ${FS_REASONS[e.code]}`;
    }
  }
  return undefined;
}

/** What the CLI prints for an error: one line, or (a bug) a line saying so and the stack. */
export function formatCliError(err: unknown, context: ErrorContext = {}): string {
  const known = knownErrorMessage(err, context);
  if (known !== undefined) {
    return `error: ${known}\n`;
  }
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  return `error: an unexpected failure (a bug in lx: please report it with what follows)\n${detail}\n`;
}

/** True for Node's "Invalid URL" TypeError (new URL, and postgres.js parsing a connection string). */
export function isInvalidUrl(err: unknown): boolean {
  return err instanceof TypeError && (err as ErrnoLike).code === "ERR_INVALID_URL";
}
