/** What the benchmark reads back: text sends seen by the fake Graph, job/outbox timings, API metrics. */
import type { TestDatabase } from "@lx/db/testing";
import type { FakeGraph } from "@lx/sandbox";

import { sleep, summarize, type Summary } from "./stats.ts";

export const REPLY_PREFIX = "Resposta para: ";

/** Text sends accepted by the fake Graph whose body starts with `prefix`, scanned incrementally. */
export class TextWatcher {
  readonly sends: { text: string; at: number }[] = [];
  private index: number;

  constructor(
    private readonly graph: FakeGraph,
    private readonly prefix: string,
  ) {
    this.index = graph.requests.length;
  }

  poll(): number {
    const items = this.graph.requests;
    for (; this.index < items.length; this.index++) {
      const r = items[this.index];
      if (r && r.kind === "send" && (r.outcome === "sent" || r.outcome === "dropped") && r.text?.startsWith(this.prefix)) {
        this.sends.push({ text: r.text, at: r.at });
      }
    }
    return this.sends.length;
  }

  /** Resolves true once `n` sends were seen, false after `timeoutMs`. */
  async waitFor(n: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.poll() < n) {
      if (Date.now() > deadline) {
        return false;
      }
      await sleep(20);
    }
    return true;
  }
}

export type ExactlyOnce = { expected: number; sends: number; distinct: number; duplicates: number; missing: number; unexpected: number };

/** Every expected reply text sent exactly once? */
export function checkExactlyOnce(expectedTexts: string[], sends: { text: string }[]): ExactlyOnce {
  const expected = new Set(expectedTexts);
  const seen = new Set<string>();
  let unexpected = 0;
  for (const s of sends) {
    if (!expected.has(s.text) && !seen.has(s.text)) {
      unexpected++;
    }
    seen.add(s.text);
  }
  let missing = 0;
  for (const t of expected) {
    if (!seen.has(t)) {
      missing++;
    }
  }
  return { expected: expected.size, sends: sends.length, distinct: seen.size, duplicates: sends.length - seen.size, missing, unexpected };
}

export type Breakdown = {
  n: number;
  /** message_queue.created_at → locked_at (claim) */
  queued: Summary;
  /** locked_at → finished_at (lock, load, LLM, Sentinel, completing transaction) */
  job: Summary;
  /** the LLM call as the worker measured it (messages.latency_ms) */
  llm: Summary;
  /** outbox created (= job completion) → claimed by a sender */
  outboxQueued: Summary;
  /** outbox claimed → sent_at (Graph request + markSent) */
  send: Summary;
  /** message_queue.created_at → outbox sent_at */
  total: Summary;
  attemptsOver1: number;
};

/** Timings in the database of the messages whose inbound text starts with `textPrefix`. */
export async function breakdown(tdb: TestDatabase, textPrefix: string): Promise<Breakdown> {
  const rows = await tdb.db.$client<
    { queued: number; job: number; llm: number | null; oq: number; send: number; total: number; attempts: number }[]
  >`
    select extract(epoch from q.locked_at - q.created_at) * 1000 as queued,
           extract(epoch from q.finished_at - q.locked_at) * 1000 as job,
           mo.latency_ms as llm,
           extract(epoch from o.locked_at - o.created_at) * 1000 as oq,
           extract(epoch from o.sent_at - o.locked_at) * 1000 as send,
           extract(epoch from o.sent_at - q.created_at) * 1000 as total,
           q.attempts
    from message_queue q
    join messages mi on mi.id = q.message_id
    join messages mo on mo.answers_up_to_id = q.message_id and mo.direction = 'out'
    join outbox_messages o on o.message_id = mo.id and o.kind = 'text'
    where mi.body like ${`${textPrefix}%`} and q.status = 'done' and o.sent_at is not null`;
  const col = (f: (r: (typeof rows)[number]) => number | null) =>
    rows.map(f).filter((v): v is number => v !== null).map(Number);
  return {
    n: rows.length,
    queued: summarize(col((r) => r.queued)),
    job: summarize(col((r) => r.job)),
    llm: summarize(col((r) => r.llm)),
    outboxQueued: summarize(col((r) => r.oq)),
    send: summarize(col((r) => r.send)),
    total: summarize(col((r) => r.total)),
    attemptsOver1: rows.filter((r) => r.attempts > 1).length,
  };
}

/** Jobs of the phase by status (all should be done). */
export async function jobStatuses(tdb: TestDatabase, textPrefix: string): Promise<Record<string, number>> {
  const rows = await tdb.db.$client<{ status: string; n: number }[]>`
    select q.status, count(*)::int as n from message_queue q join messages m on m.id = q.message_id
    where m.body like ${`${textPrefix}%`} group by 1`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** The API's own view of webhook latency: cumulative counts of its Prometheus histogram buckets. */
export async function webhookHistogram(apiUrl: string): Promise<Map<string, number>> {
  const text = await fetch(`${apiUrl}/metrics`).then((r) => r.text());
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (
      line.startsWith("http_request_duration_seconds_bucket{") &&
      line.includes("webhooks/whatsapp") &&
      line.includes('method="POST"') &&
      line.includes('status="200"')
    ) {
      const le = /le="([^"]+)"/.exec(line)?.[1];
      const v = Number(line.slice(line.lastIndexOf(" ") + 1));
      if (le) {
        out.set(le, (out.get(le) ?? 0) + v);
      }
    }
  }
  return out;
}

/** Fraction of requests between two scrapes that the server finished within each bucket bound. */
export function histogramDelta(before: Map<string, number>, after: Map<string, number>): { le: string; fraction: number }[] {
  const total = (after.get("+Inf") ?? 0) - (before.get("+Inf") ?? 0);
  if (total <= 0) {
    return [];
  }
  return [...after.keys()]
    .filter((le) => le !== "+Inf")
    .map((le) => ({ le, fraction: ((after.get(le) ?? 0) - (before.get(le) ?? 0)) / total }));
}

/** Highest number of LLM requests in flight at once between `from` and `to` (epoch ms). */
export function maxInFlight(events: readonly { kind: "received" | "responded"; at: number }[], from: number, to: number): number {
  let cur = 0;
  let max = 0;
  const sorted = events.filter((e) => e.at >= from && e.at <= to).sort((a, b) => a.at - b.at || (a.kind === "responded" ? -1 : 1));
  for (const e of sorted) {
    cur = Math.max(0, cur + (e.kind === "received" ? 1 : -1));
    max = Math.max(max, cur);
  }
  return max;
}
