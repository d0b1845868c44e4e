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

export function killChildrenNow(): void {
  for (const child of children) {
    if (alive(child)) {
      child.kill("SIGKILL");
    }
  }
}

async function withTimeout(p: Promise<void> | void, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.resolve(p),
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
      try {
        await withTimeout(task.run(), 15_000, task.name);
      } catch (err) {
        process.stderr.write(`cleanup: ${task.name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
    killChildrenNow();
  })();
  return running;
}

let installed = false;

export function installSignalHandlers(): void {
  if (installed) {
    return;
  }
  installed = true;
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      process.stderr.write(`\n${signal} again: killing children now\n`);
      killChildrenNow();
      process.exit(signal === "SIGINT" ? 130 : 143);
    }
    signalled = true;
    process.stderr.write(`\n${signal}: stopping processes and dropping benchmark databases…\n`);
    void runCleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
  process.on("exit", () => killChildrenNow());
}
