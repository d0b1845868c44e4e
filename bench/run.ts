/**
 * The benchmark runner, started by `pnpm bench` (scripts/bench.ts) in its own process group:
 * `pnpm bench [webhook|pgbench|pipeline|latency|slow|all] [--quick] [--write|--no-write] [--statuses]
 *             [--log-level=info] [--keep-logs]`
 *
 * Benchmarks of the runtime on real processes (API + 2 workers) and a fresh PostgreSQL database,
 * with the Graph API and the LLM faked in this process. Prints a table; a full `all` run also
 * rewrites docs/benchmarks.md. Figures only — nothing here asserts a time. Everything started is
 * stopped and every database dropped on exit, on error and on Ctrl-C. See docs/benchmarks.md.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

import {
  childPids,
  installSignalHandlers,
  isStopping,
  onCleanup,
  runCleanup,
  watchParent,
} from "./lib/cleanup.ts";
import { backgroundCpu, ROOT, waitQuiet } from "./lib/procs.ts";
import { renderProfiles, summarizeProfiles } from "./lib/profile.ts";
import { checks, renderConsole, renderMarkdown, type Results } from "./lib/report.ts";
import { openServer, startStack, type Stack, type StackOptions } from "./lib/stack.ts";
import { pgbenchPart } from "./parts/pgbench.ts";
import { latencyPart, pipelinePart, slowPart } from "./parts/pipeline.ts";
import { webhookPart } from "./parts/webhook.ts";

const PARTS = ["webhook", "pgbench", "pipeline", "latency", "slow"] as const;
type Part = (typeof PARTS)[number];

const USAGE = `usage: pnpm bench [webhook|pgbench|pipeline|latency|slow|all ...] [options]

  webhook    webhook throughput and latency at concurrency 32 with 2 workers draining (+ pgbench)
  pgbench    the two-insert transaction (and the API's real statement) replayed by pgbench
  pipeline   end-to-end throughput with an instant fake LLM (3,000 messages, 1,000 conversations)
  latency    idle latency, webhook POST → Graph text send (100 messages one at a time)
  slow       throughput with a fake LLM that takes 1.5 s (1,280 conversations)
  all        everything (default)

  --quick          a short smoke run of every selected part (figures not comparable)
  --write          write docs/benchmarks.md even for a partial or quick run
  --no-write       never write docs/benchmarks.md (default for partial and quick runs)
  --statuses       the fake Graph posts sent/delivered status callbacks back to the webhook, as Meta does
  --log-level=L    LOG_LEVEL of the API and workers (default info, as in production)
  --keep-logs      keep the processes' log files (printed path)
  --wait-quiet[=S] before each part, wait up to S s (default 120) until other processes use
                   less than a quarter of a core (shared machines)
  --profile        run the API and workers under node --cpu-prof and print where their CPU goes
                   (slower; figures not comparable; docs not written)

Database: a fresh database on DATABASE_URL, else TEST_DATABASE_URL, else an embedded server.`;

function parseArgs(argv: string[]) {
  const parts = new Set<Part>();
  let quick = false;
  let write: boolean | undefined;
  let statuses = false;
  let logLevel = "info";
  let keepLogs = false;
  let profile = false;
  let waitQuietS = 0;
  for (const a of argv) {
    if (a === "--") {
      continue;
    } else if (a === "--help" || a === "-h") {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (a === "all") {
      PARTS.forEach((p) => parts.add(p));
    } else if ((PARTS as readonly string[]).includes(a)) {
      parts.add(a as Part);
      if (a === "webhook") {
        parts.add("pgbench");
      }
    } else if (a === "--quick") {
      quick = true;
    } else if (a === "--write") {
      write = true;
    } else if (a === "--no-write") {
      write = false;
    } else if (a === "--statuses") {
      statuses = true;
    } else if (a.startsWith("--log-level=")) {
      logLevel = a.slice("--log-level=".length);
    } else if (a === "--keep-logs") {
      keepLogs = true;
    } else if (a === "--wait-quiet" || a.startsWith("--wait-quiet=")) {
      waitQuietS = a.includes("=") ? Number(a.slice(a.indexOf("=") + 1)) : 120;
    } else if (a === "--profile") {
      profile = true;
      keepLogs = true;
    } else {
      process.stderr.write(`unknown argument: ${a}\n\n${USAGE}\n`);
      process.exit(2);
    }
  }
  if (parts.size === 0) {
    PARTS.forEach((p) => parts.add(p));
  }
  const all = parts.size === PARTS.length;
  return {
    parts,
    quick,
    write: write ?? (all && !quick && !profile),
    statuses,
    logLevel,
    keepLogs,
    all,
    profile,
    waitQuietS,
  };
}

const args = parseArgs(process.argv.slice(2));
installSignalHandlers();
watchParent(Number(process.env.LX_BENCH_WRAPPER_PID));

const sizes = args.quick
  ? {
      webhookMs: 2_000,
      aloneMs: 1_000,
      warmup: 200,
      pgbenchS: 3,
      ingest: false,
      pipeline: 300,
      conversations: 100,
      latency: 20,
      slow: 256,
    }
  : {
      webhookMs: 10_000,
      aloneMs: 5_000,
      warmup: 3_000,
      pgbenchS: 10,
      ingest: true,
      pipeline: 3_000,
      conversations: 1_000,
      latency: 100,
      slow: 1_280,
    };

/** The commit benchmarked, and how many files under apps/ and packages/ differ from it. */
function revision(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: ROOT,
      encoding: "utf8",
    }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "apps", "packages"], {
      cwd: ROOT,
      encoding: "utf8",
    })
      .split("\n")
      .filter(Boolean).length;
    return dirty ? `${head} + ${dirty} uncommitted file(s) in apps/ packages/` : head;
  } catch {
    return "unknown";
  }
}

const log = (msg: string) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

/** `--wait-quiet`: give other processes on a shared machine a chance to finish before a part. */
async function quiet(): Promise<void> {
  if (args.waitQuietS > 0) {
    await waitQuiet(args.waitQuietS, () => [process.pid, process.ppid, ...childPids()], log);
  }
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const logDir = mkdtempSync(path.join(os.tmpdir(), "lx-bench-"));
  let ok = false;
  onCleanup("log directory", () => {
    if (ok && !args.keepLogs) {
      rmSync(logDir, { recursive: true, force: true });
    } else {
      process.stderr.write(`process logs kept in ${logDir}\n`);
    }
  });

  log("sampling background CPU (1 s)…");
  const background = await backgroundCpu(new Set([process.pid, process.ppid]));
  for (const b of background) {
    log(`warning: another process is using CPU: pid ${b.pid} ${Math.round(b.pct)} % ${b.cmd}`);
  }
  log("opening the PostgreSQL server and the migrated template…");
  const server = await openServer();
  const machine = {
    nproc: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? "?",
    memGiB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    postgres: server.version,
    server: server.embedded ? "embedded" : server.host,
  };
  const config = {
    workers: 2,
    concurrency: 64,
    logLevel: args.logLevel,
    statuses: args.statuses,
    // Webhook floods (docs/architecture.md): the services' defaults unless set for an experiment.
    flood: `WEBHOOK_FLOOD_MS ${process.env.WEBHOOK_FLOOD_MS ?? "10"}, WORKER_FLOOD_RATE ${process.env.WORKER_FLOOD_RATE ?? "10"}`,
  };
  const results: Results = {
    startedAt,
    finishedAt: startedAt,
    revision: revision(),
    command: `pnpm bench ${process.argv.slice(2).join(" ")}`.trim(),
    quick: args.quick,
    parts: [...args.parts],
    machine,
    config,
    background,
  };
  const stackOptions: Omit<StackOptions, "name" | "llmLatencyMs"> = {
    logDir,
    workers: config.workers,
    concurrency: config.concurrency,
    logLevel: config.logLevel,
    statuses: config.statuses,
    profileDir: args.profile ? path.join(logDir, "profiles") : undefined,
  };

  if (args.parts.has("webhook")) {
    await quiet();
    log(`webhook: API + 2 workers, concurrency 32 for ${sizes.webhookMs / 1000} s…`);
    results.webhook = await webhookPart(server, stackOptions, {
      durationMs: sizes.webhookMs,
      warmup: sizes.warmup,
      aloneMs: sizes.aloneMs,
    });
    log(
      `webhook: ${Math.round(results.webhook.acceptedPerS)}/s, p99 ${results.webhook.latency.p99.toFixed(1)} ms`,
    );
  }
  if (args.parts.has("pgbench")) {
    await quiet();
    log(`pgbench: ${sizes.pgbenchS} s per script…`);
    results.pgbench = await pgbenchPart(server, { seconds: sizes.pgbenchS, ingest: sizes.ingest });
    log(
      `pgbench: ${results.pgbench.twoInsert ? `${Math.round(results.pgbench.twoInsert.tps)} tps` : (results.pgbench.reason ?? "?")}`,
    );
  }
  if (args.parts.has("pipeline") || args.parts.has("latency") || args.parts.has("slow")) {
    log("pipeline stack: API + 2 workers…");
    const stack: Stack = await startStack(server, { ...stackOptions, name: "pipeline", llmLatencyMs: 0 });
    try {
      if (args.parts.has("pipeline")) {
        await quiet();
        log(`pipeline: ${sizes.pipeline} messages over ${sizes.conversations} conversations…`);
        results.pipeline = await pipelinePart(stack, {
          messages: sizes.pipeline,
          conversations: sizes.conversations,
        });
        log(`pipeline: ${Math.round(results.pipeline.perS)}/s end to end`);
      }
      if (args.parts.has("latency")) {
        await quiet();
        log(`latency: ${sizes.latency} messages one at a time…`);
        results.latency = await latencyPart(stack, { messages: sizes.latency });
        log(`latency: p50 ${results.latency.endToEnd.p50.toFixed(1)} ms`);
      }
      if (args.parts.has("slow")) {
        await quiet();
        log(`slow: ${sizes.slow} conversations, LLM 1,500 ms…`);
        results.slow = await slowPart(stack, { messages: sizes.slow, latencyMs: 1_500 });
        log(`slow: ${results.slow.perS.toFixed(1)}/s`);
      }
    } finally {
      await stack.stop();
    }
  }
  results.finishedAt = new Date();
  process.stdout.write(renderConsole(results));
  if (stackOptions.profileDir) {
    process.stdout.write(`${renderProfiles(summarizeProfiles(stackOptions.profileDir))}\n`);
  }

  const docs = path.join(ROOT, "docs/benchmarks.md");
  if (args.write) {
    const previous = existsSync(docs) ? readFileSync(docs, "utf8") : undefined;
    writeFileSync(docs, renderMarkdown(results, previous));
    log(`wrote ${path.relative(ROOT, docs)}`);
  } else {
    log(
      `${path.relative(ROOT, docs)} not written (${args.quick ? "--quick" : "partial run"}; --write to force)`,
    );
  }
  ok = true;
  const misses = checks(results).filter((c) => c.pass === false).length;
  log(misses ? `${misses} target(s) missed` : "all targets met");
  // Benchmarks report; they do not fail. Exit 0 unless something broke.
  return 0;
}

let code = 1;
try {
  code = await main();
} catch (err) {
  if (isStopping()) {
    await new Promise(() => undefined); // the signal handler finishes the clean-up and exits
  }
  process.stderr.write(
    `\nbenchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  code = 1;
} finally {
  await runCleanup();
}
process.exit(code);
