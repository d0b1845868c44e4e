/**
 * Part 1: the webhook under load. 32 concurrent keep-alive connections POST distinct signed inbound
 * text messages (5,000 senders) for a fixed time while 2 worker processes drain the queue.
 */
import { runLoad, type LoadResult } from "../lib/load.ts";
import {
  histogramDelta,
  REPLY_PREFIX,
  TextWatcher,
  WaitSampler,
  webhookHistogram,
  type WaitReport,
} from "../lib/observe.ts";
import { CpuMeter, type CpuReport } from "../lib/procs.ts";
import { APP_SECRET, startStack, type Server, type StackOptions } from "../lib/stack.ts";
import { summarize, type Summary } from "../lib/stats.ts";

export type WebhookResult = {
  concurrency: number;
  durationS: number;
  requests: number;
  accepted: number;
  acceptedPerS: number;
  latency: Summary;
  /** p99 of each tenth of the 200 answers, in completion order: where in the window the tail was. */
  p99ByTenth: number[];
  statuses: Record<string, number>;
  errors: number;
  errorSamples: string[];
  storedInDb: number;
  /** Server-side share of POSTs finished within each histogram bound (the API's /metrics). */
  serverSide: { le: string; fraction: number }[];
  /** Replies (any message) the workers got out to the fake Graph during the load window, per second. */
  drainedPerS: number;
  backlogAtEnd: number;
  generatedLive: number;
  warmup: number;
  cpu: CpuReport;
  waits: WaitReport;
  /** Diagnostic: the same load right after, with the workers stopped (the API and PostgreSQL alone). */
  alone?: {
    durationS: number;
    acceptedPerS: number;
    latency: Summary;
    serverSide: { le: string; fraction: number }[];
    cpu: CpuReport;
  };
};

export async function webhookPart(
  server: Server,
  stackOptions: Omit<StackOptions, "name" | "llmLatencyMs">,
  o: { durationMs: number; warmup: number; aloneMs: number },
): Promise<WebhookResult> {
  const stack = await startStack(server, { ...stackOptions, name: "webhook", llmLatencyMs: 0 });
  try {
    const base = {
      url: stack.webhookUrl,
      appSecret: APP_SECRET,
      phoneNumberId: stack.phoneNumberId,
      concurrency: 32,
      customers: 5_000,
      customerBase: 5511970000000,
    };
    const watcher = new TextWatcher(stack.graph, REPLY_PREFIX);
    let before = new Map<string, number>();
    const cpu = new CpuMeter(stack.cpuGroups());
    const waits = new WaitSampler(stack.tdb);
    const r: LoadResult = await runLoad(
      {
        ...base,
        durationMs: o.durationMs,
        textPrefix: "wh-",
        // Enough bodies built and signed before the clock starts for 6,000/s.
        pregenerate: Math.ceil((o.durationMs / 1000) * 6_000),
        // Not measured: JIT, connection pools, the number cache, and the flood's steady state: the
        // window follows the warm-up with no pause (a pause lets the workers take a full batch, a
        // flood's onset, which the first tenth's p99 showed as the window's worst).
        warmup: o.warmup,
        warmupPrefix: "whw-",
      },
      {
        onReady: async () => {
          before = await webhookHistogram(stack.apiUrl);
          await cpu.start();
          waits.start();
        },
      },
    );
    const cpuReport = await cpu.stop();
    const waitRows = await waits.stop();
    const after = await webhookHistogram(stack.apiUrl);
    watcher.poll();
    const drained = watcher.sends.filter((s) => s.at >= r.startedAt && s.at <= r.endedAt).length;
    const rows = await stack.tdb.db.$client<{ stored: number; backlog: number }[]>`
      select (select count(*)::int from webhook_events where payload->'message'->'text'->>'body' like 'wh-%') as stored,
             (select count(*)::int from message_queue where status in ('queued', 'running')) as backlog`;
    const durationS = (r.endedAt - r.startedAt) / 1000;

    // Diagnostic: stop the workers and run the same load again.
    await Promise.all(stack.workers.map((w) => w.stop(20_000)));
    const aloneCpu = new CpuMeter(stack.cpuGroups().filter((g) => !g.label.startsWith("worker")));
    let aloneBefore = new Map<string, number>();
    const a = await runLoad(
      {
        ...base,
        durationMs: o.aloneMs,
        textPrefix: "wha-",
        pregenerate: Math.ceil((o.aloneMs / 1000) * 6_000),
        warmup: Math.ceil(o.warmup / 2),
        warmupPrefix: "whaw-",
      },
      {
        onReady: async () => {
          aloneBefore = await webhookHistogram(stack.apiUrl);
          await aloneCpu.start();
        },
      },
    );
    const aloneCpuReport = await aloneCpu.stop();
    const aloneS = (a.endedAt - a.startedAt) / 1000;
    const alone = {
      durationS: aloneS,
      acceptedPerS: a.ok / aloneS,
      latency: summarize(a.latenciesMs),
      serverSide: histogramDelta(aloneBefore, await webhookHistogram(stack.apiUrl)),
      cpu: aloneCpuReport,
    };
    return {
      alone,
      concurrency: 32,
      durationS,
      requests: r.sent,
      accepted: r.ok,
      acceptedPerS: r.ok / durationS,
      latency: summarize(r.latenciesMs),
      p99ByTenth: Array.from({ length: 10 }, (_, i) =>
        summarize(r.latenciesMs.slice(Math.floor((i * r.latenciesMs.length) / 10), Math.floor(((i + 1) * r.latenciesMs.length) / 10))).p99,
      ),
      statuses: r.statuses,
      errors: r.errors,
      errorSamples: r.errorSamples,
      storedInDb: rows[0]?.stored ?? 0,
      serverSide: histogramDelta(before, after),
      drainedPerS: drained / durationS,
      backlogAtEnd: rows[0]?.backlog ?? 0,
      generatedLive: r.generatedLive,
      warmup: o.warmup,
      cpu: cpuReport,
      waits: waitRows,
    };
  } finally {
    await stack.stop();
  }
}
