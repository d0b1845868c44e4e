/**
 * Part 1: the webhook under load. 32 concurrent keep-alive connections POST distinct signed inbound
 * text messages (5,000 senders) for a fixed time while 2 worker processes drain the queue.
 */
import { runLoad, type LoadResult } from "../lib/load.ts";
import { histogramDelta, REPLY_PREFIX, TextWatcher, webhookHistogram } from "../lib/observe.ts";
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
  statuses: Record<string, number>;
  errors: number;
  errorSamples: string[];
  storedInDb: number;
  /** Server-side share of POSTs finished within each histogram bound (the API's /metrics). */
  serverSide: { le: string; fraction: number }[];
  /** Replies the workers got out (fake Graph) during the load window, per second. */
  drainedPerS: number;
  backlogAtEnd: number;
  generatedLive: number;
  warmup: number;
  cpu: CpuReport;
};

export async function webhookPart(
  server: Server,
  stackOptions: Omit<StackOptions, "name" | "llmLatencyMs">,
  o: { durationMs: number; warmup: number },
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
    // Warm-up (not measured): JIT, connection pools, the number cache.
    await runLoad({ ...base, count: o.warmup, textPrefix: "whw-", pregenerate: 0 });
    const watcher = new TextWatcher(stack.graph, `${REPLY_PREFIX}wh-`);
    const before = await webhookHistogram(stack.apiUrl);
    const cpu = new CpuMeter(stack.cpuGroups());
    await cpu.start();
    const r: LoadResult = await runLoad({
      ...base,
      durationMs: o.durationMs,
      textPrefix: "wh-",
      // Enough bodies built and signed before the clock starts for 6,000/s.
      pregenerate: Math.ceil((o.durationMs / 1000) * 6_000),
    });
    const cpuReport = await cpu.stop();
    const after = await webhookHistogram(stack.apiUrl);
    watcher.poll();
    const drained = watcher.sends.filter((s) => s.at >= r.startedAt && s.at <= r.endedAt).length;
    const rows = await stack.tdb.db.$client<{ stored: number; backlog: number }[]>`
      select (select count(*)::int from webhook_events where payload->'message'->'text'->>'body' like 'wh-%') as stored,
             (select count(*)::int from message_queue where status in ('queued', 'running')) as backlog`;
    const durationS = (r.endedAt - r.startedAt) / 1000;
    return {
      concurrency: 32,
      durationS,
      requests: r.sent,
      accepted: r.ok,
      acceptedPerS: r.ok / durationS,
      latency: summarize(r.latenciesMs),
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
    };
  } finally {
    await stack.stop();
  }
}
