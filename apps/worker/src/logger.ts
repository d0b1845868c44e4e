import { destination, pino, type DestinationStream, type Logger } from "pino";

import { serializeError } from "@lx/db/log-errors";

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
      // ISO times, as the API's lines: one format across the product's logs.
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    // Asynchronous stdout, flushed at exit (as the API's logger.ts): lines written meanwhile share one write.
    to ?? destination({ dest: 1, sync: false }),
  );
}
