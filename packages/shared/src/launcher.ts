/**
 * The package manager that ran this process going away (node only: `@lx/shared/launcher`).
 *
 * A service manager's SIGTERM to `pnpm start`, `pnpm api` or `pnpm worker` reaches pnpm alone, and
 * pnpm exits (ELIFECYCLE) without passing it on: the product kept running with nobody left to stop
 * it. So `pnpm start`'s relay (scripts/start.ts), the API and the worker watch the processes between
 * them and the package manager, and stop gracefully, as on SIGTERM, when one of them goes.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

type ProcessInfo = { ppid: number; session: number; argv: string[] };

/** A process's parent pid, session id and arguments, or null when it is gone. /proc where there is one, `ps` elsewhere. */
export function processInfo(pid: number): ProcessInfo | null {
  try {
    if (existsSync("/proc/self/stat")) {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // "pid (comm) state ppid pgrp session …": comm may hold spaces and parentheses, so read after the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return { ppid: Number(fields[1]), session: Number(fields[3]), argv: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0") };
    }
    const [ppid, session, ...argv] = execFileSync("ps", ["-o", "ppid=,sess=,command=", "-p", String(pid)], { encoding: "utf8" })
      .trim()
      .split(/\s+/);
    return ppid ? { ppid: Number(ppid), session: Number(session), argv } : null;
  } catch {
    return null;
  }
}

/** pnpm, npm or yarn, run as a binary or as a script of node. */
export const isPackageManager = (argv: string[]) =>
  argv.slice(0, 2).some((a) => /^(pnpm|npm|yarn)(\.c?js)?$|^npm-cli\.js$/.test(path.basename(a)));

export type WatchLaunchersOptions = {
  /**
   * Watch only when a package manager ran this process, in this process's own session: run as
   * `node …` (production, a container's PID 1), or as a child of a supervisor that started a session
   * of its own (`pnpm start`'s, which stops its children in order itself), nothing is watched.
   * Without it (`pnpm start`'s relay), with no package manager in sight the parent alone is watched.
   */
  packageManagerOnly?: boolean;
};

/**
 * Calls `gone` once any process between this one and the package manager that ran it (pnpm, npm or
 * yarn, included) exits or loses its parent (checked every half second). The shell or service
 * manager above the package manager is not watched: `nohup pnpm start &` outlives its shell, as it
 * should. Returns a function that stops watching.
 */
export function watchLaunchers(gone: () => void, options: WatchLaunchersOptions = {}): () => void {
  // Links child → parent from this process up; a link breaks when the parent exits (its child is
  // reparented). The package manager's own parent is not a link.
  let links: { pid: number; ppid: number }[] = [];
  let found = false;
  const self = processInfo(process.pid);
  for (let pid = process.pid; ; ) {
    const info = processInfo(pid);
    if (!info || info.ppid <= 1) {
      break;
    }
    links.push({ pid, ppid: info.ppid });
    const parent = processInfo(info.ppid);
    if (!parent) {
      found = true; // gone already: the first check notices
      break;
    }
    if (options.packageManagerOnly && parent.session !== self?.session) {
      break;
    }
    if (isPackageManager(parent.argv)) {
      found = true;
      break;
    }
    if (links.length === 5) {
      break;
    }
    pid = info.ppid;
  }
  if (!found) {
    // No package manager in sight: the parent alone, or nothing.
    links = options.packageManagerOnly ? [] : links.slice(0, 1);
  }
  if (links.length === 0) {
    return () => undefined;
  }
  const timer = setInterval(() => {
    if (links.some((l) => processInfo(l.pid)?.ppid !== l.ppid)) {
      clearInterval(timer);
      gone();
    }
  }, 500);
  timer.unref();
  return () => clearInterval(timer);
}
