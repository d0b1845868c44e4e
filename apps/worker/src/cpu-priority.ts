import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";

import { sql } from "drizzle-orm";

import { connectionTarget, type Database } from "@lx/db/client";

import type { Logger } from "./logger.ts";

/** The application_name of every worker connection (pg_stat_activity). */
export const WORKER_APPLICATION_NAME = "lx-worker";

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

/** Whether the URL reaches a PostgreSQL server on this machine (Unix socket or loopback). */
export function isLocalServer(url: string): boolean {
  const target = connectionTarget(url);
  return target.path !== undefined || LOOPBACK.has(new URL(target.url).hostname);
}

function isPostgresProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim().startsWith("postgres");
  } catch {
    return false;
  }
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

export type ProcessPriority = {
  /** The process' niceness afterwards. */
  nice: number;
  /**
   * Linux autogroup: "set" when this process leads its own session and its group now has `nice`;
   * "shared" when it shares the session (its group's niceness is left alone: it would lower the
   * processes it was started with too); "unavailable" elsewhere: no autogroups, or a process left in
   * the root task group (its session descends from PID 1's without a setsid, as a container's or a CI
   * runner's commands may be: /proc/self/autogroup is then empty).
   */
  autogroup: "set" | "shared" | "unavailable";
};

/**
 * WORKER_NICE for this process. With Linux's scheduler autogroups (on by default on most
 * distributions), niceness only ranks processes of the same session: a worker started as its own
 * service (systemd, a detached spawn: the session leader) competes with the API as a whole group, at
 * the group's niceness. So a session leader also lowers its autogroup, which holds only itself and its
 * children. Under a cgroup CPU controller (systemd slices, containers) neither applies across
 * services: there the service's CPU weight is the knob (README "Deploy and scale"). Never raises a
 * priority; failures are logged, not fatal.
 */
export function lowerProcessPriority(nice: number, logger: Logger): ProcessPriority {
  try {
    os.setPriority(Math.max(os.getPriority(), nice));
  } catch (err) {
    logger.warn({ err, nice }, "could not lower the worker's CPU priority");
  }
  let autogroup: ProcessPriority["autogroup"] = "unavailable";
  const current = /nice (-?\d+)/.exec(readOr("/proc/self/autogroup", ""));
  if (current && readOr("/proc/sys/kernel/sched_autogroup_enabled", "0").trim() === "1") {
    // /proc/self/stat: "pid (comm) state ppid pgrp session …"; comm may hold spaces and parentheses.
    const stat = readOr("/proc/self/stat", "");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const session = Number(fields[3]);
    if (session !== process.pid) {
      autogroup = "shared";
    } else {
      try {
        if (Number(current[1]) < nice) {
          writeFileSync("/proc/self/autogroup", String(nice));
        }
        autogroup = "set";
      } catch (err) {
        logger.warn({ err, nice }, "could not lower the worker's scheduler group priority");
      }
    }
  }
  const result = { nice: os.getPriority(), autogroup };
  logger.info(result, "worker CPU priority");
  return result;
}

export type BackendNice = {
  /** Renices the worker backends open now; returns how many were lowered. */
  tick: () => Promise<number>;
  stop: () => void;
};

/**
 * WORKER_NICE for the worker's PostgreSQL backends, not only its own process. On a machine shared
 * with the API, a niced worker still made PostgreSQL spend a full-priority backend's CPU on every
 * statement it sent, and the webhook's backends waited behind them (the same idea as the
 * pg_prioritize extension, done from outside). Only when the server is on this machine (Unix socket
 * or loopback, and the pid is a `postgres` process): a remote server's pids mean nothing here. Needs
 * the right to renice the server's processes (same user, or root); without it, one warning and the
 * worker carries on unchanged. Connections open lazily, so it looks again every `everyMs`.
 */
export function lowerBackendPriority(
  db: Database,
  o: { url: string; nice: number; logger: Logger; everyMs?: number },
): BackendNice {
  const done = new Set<number>();
  let timer: NodeJS.Timeout | undefined;
  let disabled = o.nice <= 0 || !isLocalServer(o.url);
  const stop = () => {
    disabled = true;
    if (timer) {
      clearInterval(timer);
    }
  };
  const tick = async (): Promise<number> => {
    if (disabled) {
      return 0;
    }
    const rows = await db.execute<{ pid: number }>(sql`
      select pid from pg_stat_activity
      where application_name = ${WORKER_APPLICATION_NAME} and datname = current_database() and backend_type = 'client backend'`);
    let lowered = 0;
    const open = new Set<number>();
    for (const { pid } of rows) {
      open.add(pid);
      if (done.has(pid) || !isPostgresProcess(pid)) {
        continue;
      }
      try {
        if (os.getPriority(pid) < o.nice) {
          os.setPriority(pid, o.nice);
          lowered++;
        }
        done.add(pid);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ESRCH") {
          continue;
        }
        o.logger.info({ err, nice: o.nice }, "the worker's PostgreSQL backends keep their priority (renicing them needs the server's user or root)");
        stop();
        return lowered;
      }
    }
    for (const pid of done) {
      if (!open.has(pid)) {
        done.delete(pid);
      }
    }
    return lowered;
  };
  if (!disabled) {
    const run = () =>
      void tick().catch((err: unknown) => o.logger.debug({ err }, "backend priority check failed"));
    run();
    timer = setInterval(run, o.everyMs ?? 5_000);
    timer.unref();
  }
  return { tick, stop };
}
