/**
 * Child processes run like production (`node --import tsx apps/…/src/index.ts`, env only), their
 * output in log files, and CPU accounting from /proc (Linux) per process group during a phase.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { trackChild } from "./cleanup.ts";
import { sleep } from "./stats.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHILD_GUARD = fileURLToPath(new URL("./child-guard.ts", import.meta.url));

export type NodeChild = {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  /** SIGTERM (the process's own graceful shutdown), SIGKILL after `graceMs`. */
  stop: (graceMs?: number) => Promise<void>;
};

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Starts `node --import tsx <script>` from the repo root with exactly `env` (plus PATH), in a session of its own. */
export function spawnNode(
  name: string,
  script: string,
  env: Record<string, string>,
  logFile: string,
  nodeArgs: string[] = [],
): NodeChild {
  const fd = openSync(logFile, "a");
  const child = spawn(
    process.execPath,
    [...nodeArgs, "--import", "tsx", "--import", CHILD_GUARD, path.join(ROOT, script)],
    {
      cwd: ROOT,
      // Its own session, as a service manager starts each service: the worker's WORKER_NICE then
      // ranks it below the API (Linux autogroups; see apps/worker/src/cpu-priority.ts).
      detached: true,
      stdio: ["ignore", fd, fd],
      env: { PATH: process.env.PATH ?? "", LX_BENCH_PARENT_PID: String(process.pid), ...env },
    },
  );
  closeSync(fd);
  trackChild(child);
  if (child.pid === undefined) {
    throw new Error(`could not start ${name}`);
  }
  const exited = new Promise<void>((resolve) => {
    if (!alive(child)) {
      resolve();
    }
    child.once("exit", () => resolve());
  });
  return {
    name,
    child,
    pid: child.pid,
    logFile,
    stop: async (graceMs = 5_000) => {
      if (!alive(child)) {
        return;
      }
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        if (alive(child)) {
          child.kill("SIGKILL");
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

/** Waits until the child's log has a line matching `re`; returns the match. Fails if it exits first. */
export async function waitForLog(c: NodeChild, re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let text = "";
    try {
      text = readFileSync(c.logFile, "utf8");
    } catch {
      // not created yet
    }
    const m = re.exec(text);
    if (m) {
      return m;
    }
    if (!alive(c.child)) {
      throw new Error(
        `${c.name} exited (code ${String(c.child.exitCode)}) before ready:\n${tail(c.logFile)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(`${c.name} not ready after ${timeoutMs} ms:\n${tail(c.logFile)}`);
    }
    await sleep(100);
  }
}

// ---------------------------------------------------------------------------------------------
// CPU accounting (/proc; "n/a" where unreadable, e.g. a remote database server)

const TICKS_PER_S = 100; // getconf CLK_TCK on Linux x86_64

/** CPU seconds (user + system) used so far by `pid`, or null when /proc has no such process. */
export function procCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
  } catch {
    return null;
  }
}

/** Busy and total CPU seconds of the whole machine since boot (all cores), or null off Linux. */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: (total - idle) / TICKS_PER_S, total: total / TICKS_PER_S };
  } catch {
    return null;
  }
}

export type CpuGroup = { label: string; pids: () => Promise<number[]> | number[] };
export type CpuRow = { label: string; cpuS: number | null };
export type CpuReport = {
  wallS: number;
  rows: CpuRow[];
  machineBusyS: number | null;
  otherS: number | null;
  /** Share of the window in which some runnable task waited for a CPU (/proc/pressure/cpu "some"). */
  cpuPressure: number | null;
};

/** Cumulative µs during which some task waited for a CPU (Linux PSI), or null. */
function cpuPressureUs(): number | null {
  try {
    const m = /some .*total=(\d+)/.exec(readFileSync("/proc/pressure/cpu", "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** CPU used per group between start() and stop(); "other" = machine busy time not in any group. */
/**
 * CPU seconds the load generator processes reported for their measured runs (bench/lib/load.ts):
 * they exit before a CpuMeter stops, so they report their own usage from "go" to their result.
 */
export const loadGeneratorCpu = { seconds: 0 };

export class CpuMeter {
  private startWall = 0;
  private startMachine: { busy: number; total: number } | null = null;
  private startPressure: number | null = null;
  private startBench = process.cpuUsage();
  private readonly startPids = new Map<number, number>();

  private startLoad = 0;

  constructor(private readonly groups: CpuGroup[]) {}

  async start(): Promise<void> {
    this.startPids.clear();
    for (const g of this.groups) {
      for (const pid of await g.pids()) {
        const s = procCpuSeconds(pid);
        if (s !== null) {
          this.startPids.set(pid, s);
        }
      }
    }
    this.startBench = process.cpuUsage();
    this.startLoad = loadGeneratorCpu.seconds;
    this.startMachine = machineCpu();
    this.startPressure = cpuPressureUs();
    this.startWall = performance.now();
  }

  async stop(): Promise<CpuReport> {
    const wallS = (performance.now() - this.startWall) / 1000;
    const machine = machineCpu();
    const pressure = cpuPressureUs();
    const bench = process.cpuUsage(this.startBench);
    const rows: CpuRow[] = [
      { label: "bench process (fakes of Meta and the LLM)", cpuS: (bench.user + bench.system) / 1e6 },
      { label: "load generator process", cpuS: loadGeneratorCpu.seconds - this.startLoad },
    ];
    for (const g of this.groups) {
      let sum: number | null = null;
      for (const pid of await g.pids()) {
        const now = procCpuSeconds(pid);
        if (now !== null) {
          // A process born during the phase counts from zero.
          sum = (sum ?? 0) + now - (this.startPids.get(pid) ?? 0);
        }
      }
      rows.push({ label: g.label, cpuS: sum });
    }
    const machineBusyS = machine && this.startMachine ? machine.busy - this.startMachine.busy : null;
    const ours = rows.reduce((a, r) => a + (r.cpuS ?? 0), 0);
    return {
      wallS,
      rows,
      machineBusyS,
      otherS: machineBusyS === null ? null : Math.max(0, machineBusyS - ours),
      cpuPressure:
        pressure === null || this.startPressure === null
          ? null
          : (pressure - this.startPressure) / 1e6 / wallS,
    };
  }
}

/**
 * Waits (up to `maxS`) until processes other than ours use less than a quarter of a core in a 1 s
 * sample; returns the seconds waited and the last sample's total, in % of a core.
 */
export async function waitQuiet(
  maxS: number,
  ours: () => number[],
  log: (msg: string) => void,
): Promise<{ waitedS: number; othersPct: number }> {
  const started = performance.now();
  let said = false;
  for (;;) {
    const busy = await backgroundCpu(new Set(ours()));
    const othersPct = busy.reduce((a, b) => a + b.pct, 0);
    const waitedS = (performance.now() - started) / 1000;
    if (othersPct < 25 || waitedS >= maxS) {
      if (said) {
        log(
          `${othersPct < 25 ? "quiet" : "still busy"} after ${waitedS.toFixed(0)} s (others ${othersPct.toFixed(0)} % of a core)`,
        );
      }
      return { waitedS, othersPct };
    }
    if (!said) {
      said = true;
      log(
        `waiting up to ${maxS} s for other processes to calm down (now ${othersPct.toFixed(0)} % of a core: ${busy
          .slice(0, 2)
          .map((b) => b.cmd.split(" ").slice(0, 2).join(" "))
          .join(", ")})…`,
      );
    }
  }
}

/** Processes using CPU right now that are not ours (a 1 s sample), for the "machine was busy" warning. */
export async function backgroundCpu(
  excludePids: Set<number>,
  sampleMs = 1_000,
): Promise<{ pid: number; pct: number; cmd: string }[]> {
  const { readdirSync } = await import("node:fs");
  const snap = () => {
    const m = new Map<number, number>();
    for (const d of readdirSync("/proc")) {
      if (/^\d+$/.test(d)) {
        const s = procCpuSeconds(Number(d));
        if (s !== null) {
          m.set(Number(d), s);
        }
      }
    }
    return m;
  };
  try {
    const a = snap();
    await sleep(sampleMs);
    const b = snap();
    const out: { pid: number; pct: number; cmd: string }[] = [];
    for (const [pid, s] of b) {
      if (excludePids.has(pid)) {
        continue;
      }
      const pct = ((s - (a.get(pid) ?? s)) / (sampleMs / 1000)) * 100;
      if (pct >= 5) {
        let cmd = "?";
        try {
          cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim().slice(0, 120);
        } catch {
          // gone
        }
        out.push({ pid, pct, cmd });
      }
    }
    return out.sort((x, y) => y.pct - x.pct);
  } catch {
    return [];
  }
}
