/**
 * Preloaded (`node --import tsx --import bench/lib/child-guard.ts …`) into every process the benchmark
 * spawns: when the benchmark process disappears without cleaning up (SIGKILL, crash), the child
 * sends itself SIGTERM (its own graceful shutdown) and exits hard 20 s later if that hangs. Costs one
 * `kill(pid, 0)` every 500 ms; the product code is untouched.
 */
const parent = Number(process.env.LX_BENCH_PARENT_PID);

function parentAlive(): boolean {
  try {
    process.kill(parent, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

if (Number.isInteger(parent) && parent > 1) {
  const timer = setInterval(() => {
    if (!parentAlive()) {
      clearInterval(timer);
      setTimeout(() => process.exit(1), 20_000).unref();
      process.kill(process.pid, "SIGTERM");
    }
  }, 500);
  timer.unref();
}
