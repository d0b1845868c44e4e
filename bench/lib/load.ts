/** Runs the load generator (bench/lib/load-worker.ts) in a worker thread and returns what it measured. */
import { Worker } from "node:worker_threads";

import { onCleanup } from "./cleanup.ts";

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

const WORKER = new URL("./load-worker.ts", import.meta.url).href;

/** Prepares the bodies (not timed), then runs the load and resolves with the result. */
export async function runLoad(
  spec: LoadSpec,
  hooks: { onReady?: () => Promise<void> } = {},
): Promise<LoadResult> {
  // tsx is registered inside the thread before the TypeScript entry is imported.
  const boot = `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((m) => { m.register(); return import(${JSON.stringify(WORKER)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: spec });
  const unregister = onCleanup("load generator", async () => {
    await worker.terminate();
  });
  try {
    return await new Promise<LoadResult>((resolve, reject) => {
      worker.on("message", (m: { ready?: true; result?: LoadResult; error?: string }) => {
        if (m.ready) {
          // Bodies are built; whatever measures the run starts now.
          void (hooks.onReady?.() ?? Promise.resolve()).then(
            () => worker.postMessage("go"),
            (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
          );
        } else if (m.result) {
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
