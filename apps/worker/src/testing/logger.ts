import { pino } from "pino";

import { serializeError } from "@lx/db/log-errors";

import type { Logger } from "../logger.ts";

/** A silent logger for tests (LOG_LEVEL=debug in the environment shows everything). */
export function testLogger(): Logger {
  return pino({ level: process.env.TEST_LOG_LEVEL ?? "silent", serializers: { err: serializeError } });
}
