/**
 * `pnpm bench [webhook|pgbench|pipeline|latency|slow|all] [--quick] [--write|--no-write] [--statuses]
 *             [--log-level=info] [--keep-logs]` — see bench/run.ts and docs/benchmarks.md.
 *
 * A thin wrapper: the benchmark itself (bench/run.ts) runs in its own process group, so that Ctrl-C
 * reaches it once, through here, and it can stop everything it started and drop its databases in
 * order. (Run directly under the `tsx` CLI, a busy machine can make tsx SIGKILL the script 60 ms
 * after Ctrl-C, in the middle of that clean-up.) If this wrapper dies anyway, the runner notices
 * and cleans up on its own.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const runner = spawn(
  process.execPath,
  ["--import", "tsx", fileURLToPath(new URL("../bench/run.ts", import.meta.url)), ...process.argv.slice(2)],
  {
    detached: true,
    stdio: "inherit",
    env: { ...process.env, LX_BENCH_WRAPPER_PID: String(process.pid) },
  },
);

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    runner.kill(signal);
  });
}

runner.on("exit", (code, signal) => {
  process.exit(code ?? (signal ? 1 : 0));
});
