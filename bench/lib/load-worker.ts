/**
 * The load generator, run as a process of its own (bench/lib/load.ts), in a session of its own: like
 * Meta's servers, it is not part of the system under test, so neither the fake Graph / fake LLM
 * servers of the benchmark process nor anything else shares its event loop or its scheduler group.
 * The spec comes in LX_LOAD_SPEC; "ready", "go" and the result travel over the IPC channel.
 *
 * Each request is a distinct inbound text message (unique wamid and text), signed like Meta
 * (`X-Hub-Signature-256` over the exact bytes), spread round-robin over `customers` senders, POSTed
 * over keep-alive connections, one per concurrent slot, each request written as one prebuilt buffer
 * (raw-http.ts: a fraction of `node:http`'s CPU, which the machine under test would otherwise pay).
 */
import { inboundText, metaJsonStringify, newWamid, signPayload } from "@lx/sandbox";

import type { LoadResult, LoadSpec } from "./load.ts";
import { RawConnection, rawPost } from "./raw-http.ts";

const spec = JSON.parse(process.env.LX_LOAD_SPEC ?? "{}") as LoadSpec;
const url = new URL(spec.url);

// One serialised payload with placeholders; every message substitutes its sender, wamid and text
// (all ASCII, so Meta's escaping is unaffected) and is signed over its final bytes.
const template = metaJsonStringify(
  inboundText({
    phoneNumberId: spec.phoneNumberId,
    waId: "__WAID__",
    id: "__WAMID__",
    text: "__TEXT__",
    name: "Cliente Bench",
  }),
);

type Prepared = { request: Buffer; text: string };

function prepare(i: number, prefix = spec.textPrefix): Prepared {
  const waId = String(spec.customerBase + (i % spec.customers));
  const text = `${prefix}${i}`;
  const raw = template
    .replaceAll("__WAID__", waId)
    .replace("__WAMID__", newWamid({ waId }))
    .replace("__TEXT__", text);
  const request = rawPost({
    host: url.host,
    path: url.pathname,
    headers: {
      "content-type": "application/json",
      "user-agent": "facebookexternalua",
      "x-hub-signature-256": signPayload(spec.appSecret, raw),
    },
    body: Buffer.from(raw),
  });
  return { request, text };
}

const total = spec.count ?? spec.pregenerate;
const prepared: Prepared[] = [];
for (let i = 0; i < total; i++) {
  prepared.push(prepare(i));
}
// Duration mode with a warm-up: its bodies too (and a second's worth more at 6,000/s, for the
// moments between the warm-up's end and the go).
const warmup = spec.count === undefined ? (spec.warmup ?? 0) : 0;
const warmPrefix = spec.warmupPrefix ?? `${spec.textPrefix}w`;
const warmPrepared: Prepared[] = [];
for (let i = 0; i < (warmup > 0 ? warmup + 6_000 : 0); i++) {
  warmPrepared.push(prepare(i, warmPrefix));
}

const send = (message: unknown): Promise<void> =>
  new Promise((resolve) => {
    process.send?.(message, undefined, undefined, () => resolve());
  });

/** The parent's "go": whatever measures the run has started. */
const go = new Promise<void>((resolve) => process.once("message", () => resolve()));

/**
 * Without a warm-up: waits for the go, then runs. With one (duration mode): the warm-up's requests
 * go out at once; when `warmup` of them are answered the parent is told "ready", and the load goes
 * on, unmeasured, until its go, when the measured requests take over on the same connections with
 * no pause: the window starts in the steady state the warm-up reached (a pause would let the system
 * under test idle, and catch up, before it).
 */
async function main(): Promise<LoadResult & { cpuS: number }> {
  const latencies: number[] = [];
  const accepted: string[] = [];
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  let errors = 0;
  let generatedLive = 0;
  let next = 0;
  let measuring = false;
  let startedAt = 0;
  let deadline = Infinity;
  let lastEnd = 0;
  let cpu = process.cpuUsage();
  const start = () => {
    measuring = true;
    cpu = process.cpuUsage();
    startedAt = performance.timeOrigin + performance.now();
    deadline = spec.durationMs === undefined ? Infinity : performance.now() + spec.durationMs;
    lastEnd = startedAt;
  };
  let warmNext = 0;
  let warmAnswered = 0;
  if (warmup > 0) {
    void go.then(start);
  } else {
    void send({ ready: true });
    await go;
    start();
  }

  const take = (): Prepared | undefined => {
    if (!measuring) {
      const i = warmNext++;
      return warmPrepared[i] ?? prepare(i, warmPrefix);
    }
    if (spec.count !== undefined) {
      return next < spec.count ? prepared[next++] : undefined;
    }
    if (performance.now() >= deadline) {
      return undefined;
    }
    const i = next++;
    const p = prepared[i];
    if (p) {
      return p;
    }
    generatedLive++;
    return prepare(i);
  };

  const connections: RawConnection[] = [];
  const slot = async () => {
    const connection = new RawConnection(Number(url.port || 80), url.hostname);
    connections.push(connection);
    for (let p = take(); p; p = take()) {
      const measured = measuring;
      try {
        const r = await connection.request(p.request);
        if (!measured) {
          // Counted toward the warm-up whatever the answer: a failing system shows in the window.
          if (++warmAnswered === warmup) {
            void send({ ready: true });
          }
          continue;
        }
        lastEnd = performance.timeOrigin + performance.now();
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 200) {
          latencies.push(r.ms);
          if (spec.count !== undefined) {
            accepted.push(p.text);
          }
        }
      } catch (err) {
        if (!measured) {
          throw new Error(`load generator: warm-up request failed (${err instanceof Error ? err.message : String(err)})`);
        }
        errors++;
        if (errorSamples.length < 5) {
          errorSamples.push(err instanceof Error ? err.message : String(err));
        }
        if (errors > 1_000) {
          throw new Error(`load generator: too many errors (${errorSamples.join("; ")})`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, slot));
  for (const c of connections) {
    c.close();
  }
  const used = process.cpuUsage(cpu);
  return {
    cpuS: (used.user + used.system) / 1e6,
    startedAt,
    endedAt: lastEnd,
    sent: next,
    ok: statuses["200"] ?? 0,
    statuses,
    errors,
    errorSamples,
    latenciesMs: latencies,
    acceptedTexts: accepted,
    generatedLive,
  };
}

main()
  .then(
    ({ cpuS, ...result }) => send({ result, cpuS }),
    (err: unknown) => send({ error: err instanceof Error ? err.message : String(err) }),
  )
  .finally(() => process.exit(0));
