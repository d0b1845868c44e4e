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

function prepare(i: number): Prepared {
  const waId = String(spec.customerBase + (i % spec.customers));
  const text = `${spec.textPrefix}${i}`;
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

async function main(): Promise<LoadResult> {
  const latencies: number[] = [];
  const accepted: string[] = [];
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  let errors = 0;
  let generatedLive = 0;
  let next = 0;
  const startedAt = performance.timeOrigin + performance.now();
  const deadline = spec.durationMs === undefined ? Infinity : performance.now() + spec.durationMs;
  let lastEnd = startedAt;

  const take = (): Prepared | undefined => {
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
      try {
        const r = await connection.request(p.request);
        lastEnd = performance.timeOrigin + performance.now();
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 200) {
          latencies.push(r.ms);
          if (spec.count !== undefined) {
            accepted.push(p.text);
          }
        }
      } catch (err) {
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
  return {
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

const send = (message: unknown): Promise<void> =>
  new Promise((resolve) => {
    process.send?.(message, undefined, undefined, () => resolve());
  });

void send({ ready: true });
process.once("message", () => {
  const cpu = process.cpuUsage();
  main()
    .then(
      (result) => {
        const used = process.cpuUsage(cpu);
        return send({ result, cpuS: (used.user + used.system) / 1e6 });
      },
      (err: unknown) => send({ error: err instanceof Error ? err.message : String(err) }),
    )
    .finally(() => process.exit(0));
});
