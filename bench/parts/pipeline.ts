/**
 * Parts 3–5 on one stack (API + 2 workers × WORKER_CONCURRENCY, fake Graph, fake OpenAI):
 * end-to-end throughput with an instant LLM, idle latency, and throughput with a 1.5 s LLM.
 */
import http from "node:http";

import { inboundText, metaJsonStringify, signPayload } from "@lx/sandbox";

import { runLoad } from "../lib/load.ts";
import {
  breakdown,
  checkExactlyOnce,
  dbCounters,
  dbDelta,
  jobStatuses,
  maxInFlight,
  REPLY_PREFIX,
  TextWatcher,
  WaitSampler,
  type Breakdown,
  type DbCounters,
  type WaitReport,
  type ExactlyOnce,
} from "../lib/observe.ts";
import { CpuMeter, type CpuReport } from "../lib/procs.ts";
import { APP_SECRET, waitIdle, type Stack } from "../lib/stack.ts";
import { percentile, sleep, summarize, type Summary } from "../lib/stats.ts";

export type ThroughputResult = {
  messages: number;
  conversations: number;
  accepted: number;
  postSeconds: number;
  postPerS: number;
  /** first POST start → last text send recorded by the fake Graph */
  seconds: number;
  /** messages answered ÷ seconds */
  perS: number;
  /** sends between the 10th and 90th percentile of send times, per second (= messages when each reply answers one) */
  steadyPerS: number;
  exactlyOnce: ExactlyOnce;
  jobs: Record<string, number>;
  timedOut: boolean;
  breakdown: Breakdown;
  cpu: CpuReport;
  waits: WaitReport;
  /** database activity per message answered */
  dbPerMessage: DbCounters;
  llmMaxInFlight?: number;
  llmLatencyMs?: number;
};

/** Posts `messages` distinct messages over `conversations` senders as fast as the webhook takes them. */
async function throughput(
  stack: Stack,
  o: { prefix: string; customerBase: number; messages: number; conversations: number; timeoutMs: number },
): Promise<ThroughputResult> {
  await waitIdle(stack.tdb);
  const watcher = new TextWatcher(stack.graph, `${REPLY_PREFIX}${o.prefix}`);
  const cpu = new CpuMeter(stack.cpuGroups());
  const waits = new WaitSampler(stack.tdb);
  let counters: DbCounters | undefined;
  const load = await runLoad(
    {
      url: stack.webhookUrl,
      appSecret: APP_SECRET,
      phoneNumberId: stack.phoneNumberId,
      concurrency: 32,
      count: o.messages,
      customers: o.conversations,
      customerBase: o.customerBase,
      textPrefix: o.prefix,
      pregenerate: 0,
    },
    {
      onReady: async () => {
        counters = await dbCounters(stack.tdb);
        await cpu.start();
        waits.start();
      },
    },
  );
  const complete = await watcher.waitForAnswers(load.acceptedTexts, o.timeoutMs);
  const cpuReport = await cpu.stop();
  const waitRows = await waits.stop();
  // Late duplicates would show up here (and backends flush their statistics within a second).
  await sleep(1_200);
  watcher.poll();
  const countersAfter = await dbCounters(stack.tdb);
  const sends = watcher.sends;
  const once = checkExactlyOnce(load.acceptedTexts, sends);
  const ats = sends.map((s) => s.at);
  const last = ats.length ? Math.max(...ats) : Number.NaN;
  const seconds = (last - load.startedAt) / 1000;
  const t10 = percentile(ats, 10);
  const t90 = percentile(ats, 90);
  return {
    messages: o.messages,
    conversations: o.conversations,
    accepted: load.ok,
    postSeconds: (load.endedAt - load.startedAt) / 1000,
    postPerS: load.ok / ((load.endedAt - load.startedAt) / 1000),
    seconds,
    perS: once.answered / seconds,
    steadyPerS: t90 > t10 ? (0.8 * sends.length) / ((t90 - t10) / 1000) : Number.NaN,
    exactlyOnce: once,
    jobs: await jobStatuses(stack.tdb, o.prefix),
    timedOut: !complete,
    breakdown: await breakdown(stack.tdb, o.prefix),
    cpu: cpuReport,
    waits: waitRows,
    dbPerMessage: dbDelta(counters ?? countersAfter, countersAfter, once.answered),
  };
}

/** Part 3: instant fake LLM. */
export async function pipelinePart(
  stack: Stack,
  o: { messages: number; conversations: number },
): Promise<ThroughputResult> {
  stack.llm.setLatency(0);
  // Warm-up (not measured), as the webhook part has: 1,000 messages on their own 500 conversations,
  // answered, so the processes run the measured load with their hot paths already optimised by V8
  // (with 64 messages the API still spent twice its warmed CPU per webhook during the measurement).
  const warmMessages = 1_000;
  const warm = await throughput(stack, {
    prefix: "pw-",
    customerBase: 5511950000000,
    messages: warmMessages,
    conversations: 500,
    timeoutMs: 60_000,
  });
  if (warm.timedOut) {
    throw new Error(`pipeline warm-up: only ${warm.exactlyOnce.sends}/${warmMessages} replies in 60 s`);
  }
  return await throughput(stack, {
    prefix: "p-",
    customerBase: 5511951000000,
    messages: o.messages,
    conversations: o.conversations,
    timeoutMs: 120_000,
  });
}

/** Part 5: every LLM call takes `latencyMs`; one message per conversation. */
export async function slowPart(
  stack: Stack,
  o: { messages: number; latencyMs: number },
): Promise<ThroughputResult> {
  stack.llm.setLatency(o.latencyMs);
  try {
    const from = Date.now();
    const r = await throughput(stack, {
      prefix: "s-",
      customerBase: 5511953000000,
      messages: o.messages,
      conversations: o.messages,
      timeoutMs: 60_000 + o.messages * 50,
    });
    r.llmMaxInFlight = maxInFlight(stack.llm.events, from, Date.now());
    r.llmLatencyMs = o.latencyMs;
    return r;
  } finally {
    stack.llm.setLatency(0);
  }
}

export type LatencyResult = {
  messages: number;
  cpu: CpuReport;
  endToEnd: Summary;
  webhook: Summary;
  timeouts: number;
  breakdown: Breakdown;
};

/** Part 4: one message at a time on an idle system, 20–60 ms apart; webhook POST start → Graph text send. */
export async function latencyPart(stack: Stack, o: { messages: number }): Promise<LatencyResult> {
  stack.llm.setLatency(0);
  await waitIdle(stack.tdb);
  const url = new URL(stack.webhookUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            "x-hub-signature-256": signPayload(APP_SECRET, body),
          },
        },
        (res) => {
          res.resume();
          res.once("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.once("error", reject);
      req.end(body);
    });
  const e2e: number[] = [];
  const hook: number[] = [];
  let timeouts = 0;
  const cpu = new CpuMeter(stack.cpuGroups());
  // Two warm-up messages (lw-…, not measured), then l-0 … l-(n-1).
  for (let i = -2; i < o.messages; i++) {
    const text = i < 0 ? `lw-${i + 2}` : `l-${i}`;
    const body = metaJsonStringify(
      inboundText({
        phoneNumberId: stack.phoneNumberId,
        waId: String(5511954000000 + i + 2),
        text,
        name: "Cliente Bench",
      }),
    );
    await sleep(20 + Math.random() * 40);
    const want = `${REPLY_PREFIX}${text}`;
    const t0 = performance.timeOrigin + performance.now();
    const status = await post(body);
    const t1 = performance.timeOrigin + performance.now();
    if (status !== 200) {
      throw new Error(`latency: webhook answered ${status}`);
    }
    // The fake Graph records `at` (Date.now(), 1 ms resolution) when it accepts the send.
    const sent = await stack.graph
      .waitFor((r) => r.kind === "send" && r.outcome === "sent" && r.text === want, 10_000)
      .catch(() => undefined);
    if (i < 0) {
      if (i === -1) {
        await cpu.start();
      }
      continue;
    }
    hook.push(t1 - t0);
    if (sent) {
      e2e.push(sent.at - t0);
    } else {
      timeouts++;
    }
  }
  const cpuReport = await cpu.stop();
  agent.destroy();
  await waitIdle(stack.tdb, 10_000).catch(() => undefined); // the last send's sent_at is written after the Graph answers
  const b = await breakdown(stack.tdb, "l-");
  return {
    messages: o.messages,
    cpu: cpuReport,
    endToEnd: summarize(e2e),
    webhook: summarize(hook),
    timeouts,
    breakdown: b,
  };
}
