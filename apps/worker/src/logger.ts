import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "worker" },
    redact: {
      paths: ["*.accessToken", "*.token", "*.authorization", "*.password", "*.secret", "accessToken", "token"],
      censor: "[redacted]",
    },
  });
}
