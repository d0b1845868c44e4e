import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import { sql } from "drizzle-orm";
import { pino } from "pino";
import { describe, expect, onTestFinished } from "vitest";

import { closeDb, createDb } from "@lx/db/client";
import { dbTest as test } from "@lx/db/testing";

import { isLocalServer, lowerBackendPriority, WORKER_APPLICATION_NAME, type ProcessPriority } from "./cpu-priority.ts";
import { testLogger } from "./testing/logger.ts";

function recordingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) });
  return { logger, lines };
}

describe("WORKER_NICE for the worker's PostgreSQL backends", () => {
  test("recognises a server on this machine", () => {
    expect(isLocalServer("postgres://u@localhost/db?host=/var/run/postgresql")).toBe(true);
    expect(isLocalServer("postgres://u@127.0.0.1:5432/db")).toBe(true);
    expect(isLocalServer("postgres://u@[::1]:5432/db")).toBe(true);
    expect(isLocalServer("postgres://u@db.internal:5432/db")).toBe(false);
  });

  test("lowers the priority of every worker backend, new ones included, and leaves other backends alone", async ({ db, dbUrl }) => {
    // The suite's server is local (TEST_DATABASE_URL on this machine, or the embedded one).
    expect(isLocalServer(dbUrl)).toBe(true);
    const worker = createDb(dbUrl, { max: 3, applicationName: WORKER_APPLICATION_NAME });
    onTestFinished(() => closeDb(worker));
    const backendPids = async (n: number) =>
      Promise.all(
        Array.from({ length: n }, () =>
          worker.execute<{ pid: number }>(sql`select pg_backend_pid() as pid, pg_sleep(0.05)`).then((r) => r[0]!.pid),
        ),
      );
    const first = await backendPids(2);
    const { logger, lines } = recordingLogger();
    const nice = lowerBackendPriority(worker, { url: dbUrl, nice: 7, logger, everyMs: 60_000 });
    onTestFinished(() => nice.stop());
    // The first look runs at once; tick() again to await it deterministically.
    await nice.tick();
    for (const pid of new Set(first)) {
      expect(os.getPriority(pid)).toBe(7);
    }
    // A connection opened later is found on the next look.
    const later = new Set(await backendPids(3));
    await nice.tick();
    for (const pid of later) {
      expect(os.getPriority(pid)).toBe(7);
    }
    // The test's own pool (another application_name) keeps its priority.
    const [own] = await db.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
    expect(os.getPriority(own!.pid)).toBe(0);
    expect(lines.filter((l) => l.level >= 40)).toEqual([]);
  });

  test("does nothing for a server elsewhere or with WORKER_NICE=0", async ({ dbUrl }) => {
    const worker = createDb(dbUrl, { max: 1, applicationName: WORKER_APPLICATION_NAME });
    onTestFinished(() => closeDb(worker));
    const [row] = await worker.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
    const logger = testLogger();
    const remote = lowerBackendPriority(worker, { url: "postgres://u@db.internal/x", nice: 5, logger });
    const zero = lowerBackendPriority(worker, { url: dbUrl, nice: 0, logger });
    expect(await remote.tick()).toBe(0);
    expect(await zero.tick()).toBe(0);
    expect(os.getPriority(row!.pid)).toBe(0);
  });
});

type Probe = { result: ProcessPriority; nice: number; autogroup: string };

/** Starts testing/priority-probe.ts as its own process (a service: its own session, or not). */
async function probe(nice: number, ownSession: boolean): Promise<Probe> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "testing/priority-probe.ts"), String(nice)], {
    detached: ownSession,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  expect(code).toBe(0);
  return JSON.parse(out) as Probe;
}

const autogroups =
  existsSync("/proc/self/autogroup") && readFileSync("/proc/sys/kernel/sched_autogroup_enabled", "utf8").trim() === "1";
/**
 * Whether this test process itself is in an autogroup. A process whose session descends from one
 * that never called setsid (PID 1's, as a CI runner may start its commands) is in the root task
 * group: its /proc/self/autogroup is empty, and so is a child's that shares its session.
 */
const ownAutogroup = autogroups ? readFileSync("/proc/self/autogroup", "utf8").trim() : "";

describe("WORKER_NICE for the worker process", () => {
  test("a worker started as its own session lowers its process and its scheduler group", async () => {
    const p = await probe(9, true);
    expect(p.nice).toBe(9);
    if (autogroups) {
      // Niceness alone would not rank it below an API started in another session.
      expect(p.result.autogroup).toBe("set");
      expect(p.autogroup).toMatch(/ nice 9$/);
    } else {
      expect(p.result.autogroup).toBe("unavailable");
    }
  });

  test("a worker sharing its session leaves the group (and so the processes it was started with) alone", async () => {
    const p = await probe(9, false);
    expect(p.nice).toBe(9);
    expect(p.result.autogroup).toBe(ownAutogroup ? "shared" : "unavailable");
    // Either way the group it shares with this process keeps its niceness.
    expect(p.autogroup).toBe(ownAutogroup);
    if (ownAutogroup) {
      expect(p.autogroup).not.toMatch(/ nice 9$/);
    }
  });
});
