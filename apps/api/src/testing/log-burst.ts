/** Run by logger.test.ts: logs `argv[2]` lines through the default (asynchronous) stdout, then exits at once. */
import { createLogger } from "../logger.ts";

const logger = createLogger("info");
const n = Number(process.argv[2]);
for (let i = 0; i < n; i++) {
  logger.info({ i }, "line");
}
logger.info("stopped");
process.exit(0);
