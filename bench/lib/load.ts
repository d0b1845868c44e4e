/** Runs the load generator (bench/lib/load-worker.ts) as a process of its own and returns what it measured. */
import { spawn } from "node:child_process";

import { onCleanup, trackChild } from "./cleanup.ts";
import { loadGeneratorCpu } from "./procs.ts";

export type LoadSpec = {
  /** The webhook URL. */
  url: string;
  appSecret: string;
  phoneNumberId: string;
  /** Requests in flight (one keep-alive connection each). */
  concurrency: number;
  /** Duration mode: start requests until this many ms have passed. */
  durationMs?: number;
  /** Count mode: exactly this many messages (0 … count-1), as fast as the webhook takes them. */
  count?: number;
  /** Message i comes from sender `customerBase + i % customers`. */
  customers: number;
  customerBase: number;
  /** Message i's text is `${textPrefix}${i}`. */
  textPrefix: string;
  /** Duration mode: bodies built and signed before the clock starts (more are built on the fly). */
  pregenerate: number;
  /**
   * Duration mode: this many unmeasured requests first (texts `${warmupPrefix}${i}`), and the
   * window starts straight after them, the load never pausing (load-worker.ts).
   */
  warmup?: number;
  warmupPrefix?: string;
};

export type LoadResult = {
  /** Epoch ms (fractional) when the first request started. */
  startedAt: number;
  /** Epoch ms when the last response ended. */
  endedAt: number;
  sent: number;
  ok: number;
  statuses: Record<string, number>;
  errors: number;
  errorSamples: string[];
  /** Latency of every 200 response, ms. */
  latenciesMs: number[];
  /** Count mode: texts of the messages answered 200, in completion order. */
  acceptedTexts: string[];
  /** Duration mode: bodies that had to be built during the measurement. */
  generatedLive: number;
};

const WORKER = new URL("./load-worker.ts", import.meta.url).pathname;

/** Prepares the bodies (not timed), then runs the load and resolves with the result. */
export async function runLoad(
  spec: LoadSpec,
  hooks: { onReady?: () => Promise<void> } = {},
): Promise<LoadResult> {
  // Its own session (a scheduler autogroup of its own), as a remote client would be.
  const worker = spawn(process.execPath, ["--import", "tsx", WORKER], {
    detached: true,
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, LX_LOAD_SPEC: JSON.stringify(spec) },
  });
  trackChild(worker);
  const unregister = onCleanup("load generator", () => {
    worker.kill("SIGKILL");
  });
  try {
    return await new Promise<LoadResult>((resolve, reject) => {
      worker.on("message", (m: { ready?: true; result?: LoadResult; cpuS?: number; error?: string }) => {
        if (m.ready) {
          // Bodies are built; whatever measures the run starts now.
          void (hooks.onReady?.() ?? Promise.resolve()).then(
            () => worker.send("go"),
            (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
          );
        } else if (m.result) {
          loadGeneratorCpu.seconds += m.cpuS ?? 0;
          resolve(m.result);
        } else {
          reject(new Error(m.error ?? "load generator failed"));
        }
      });
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`load generator exited (${code})`)));
    });
  } finally {
    await unregister();
  }
}
