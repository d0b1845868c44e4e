/**
 * Run as its own process by cpu-priority.integration.test.ts: applies WORKER_NICE (argv[2]) the way
 * the worker does at start, and prints what it got and what the kernel reports.
 */
import { readFileSync } from "node:fs";
import os from "node:os";

import { lowerProcessPriority } from "../cpu-priority.ts";
import { testLogger } from "./logger.ts";

const result = lowerProcessPriority(Number(process.argv[2]), testLogger());
let autogroup = "";
try {
  autogroup = readFileSync("/proc/self/autogroup", "utf8").trim();
} catch {
  autogroup = "";
}
process.stdout.write(`${JSON.stringify({ result, nice: os.getPriority(), autogroup })}\n`);
