import { destination, pino, stdSerializers, type DestinationStream, type Logger } from "pino";

export type { Logger };

/** The worker's logger; `to` replaces stdout (tests keep the lines). */
export function createLogger(level: string, to?: DestinationStream): Logger {
  return pino(
    {
      level,
      serializers: { err: serializeError },
      base: { service: "worker" },
      redact: {
        paths: [
          "*.accessToken",
          "*.token",
          "*.authorization",
          "*.password",
          "*.secret",
          "accessToken",
          "token",
        ],
        censor: "[redacted]",
      },
    },
    // Asynchronous stdout, flushed at exit (as the API's logger.ts): lines written meanwhile share one write.
    to ?? destination({ dest: 1, sync: false }),
  );
}

/**
 * Errors as one readable line: drizzle wraps database errors as "Failed query: <whole SQL>", so the
 * PostgreSQL message (the cause) goes first and the SQL is cut.
 */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) {
    return err;
  }
  const base = stdSerializers.err(err);
  const cause = err.cause instanceof Error ? err.cause : undefined;
  if (cause && err.message.startsWith("Failed query")) {
    const pg = cause as Error & { code?: string; detail?: string; constraint_name?: string };
    return {
      type: "DatabaseError",
      message: pg.message,
      code: pg.code,
      detail: pg.detail,
      constraint: pg.constraint_name,
      query: err.message.slice(13, 200).replace(/\s+/g, " "),
      stack: base.stack.split("\n").slice(0, 6).join("\n"),
    };
  }
  return base;
}
