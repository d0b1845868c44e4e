/** What the benchmark reads back: text sends seen by the fake Graph, job/outbox timings, API metrics. */
import type { TestDatabase } from "@lx/db/testing";
import type { FakeGraph } from "@lx/sandbox";

import { sleep, summarize, type Summary } from "./stats.ts";

export const REPLY_PREFIX = "Resposta para: ";

/** The customer messages a reply names: the fake LLM answers `Resposta para: <last user text>`, and a
 * burst answered together has its messages on separate lines. */
export function answeredBy(replyText: string): string[] {
  return replyText.slice(REPLY_PREFIX.length).split("\n");
}

/** Text sends accepted by the fake Graph whose body starts with `prefix`, scanned incrementally. */
export class TextWatcher {
  readonly sends: { text: string; at: number }[] = [];
  /** Customer message texts named by the replies seen so far. */
  readonly answered = new Set<string>();
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
      if (
        r?.kind === "send" &&
        (r.outcome === "sent" || r.outcome === "dropped") &&
        r.text?.startsWith(this.prefix)
      ) {
        this.sends.push({ text: r.text, at: r.at });
        for (const m of answeredBy(r.text)) {
          this.answered.add(m);
        }
      }
    }
    return this.sends.length;
  }

  /** Resolves true once every message in `expected` has been answered, false after `timeoutMs`. */
  async waitForAnswers(expected: readonly string[], timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let i = 0;
    for (;;) {
      this.poll();
      while (i < expected.length && this.answered.has(expected[i] ?? "")) {
        i++;
      }
      if (i >= expected.length) {
        return true;
      }
      if (Date.now() > deadline) {
        return false;
      }
      await sleep(20);
    }
  }
}

export type ExactlyOnce = {
  /** messages accepted by the webhook */
  expected: number;
  /** text sends seen */
  sends: number;
  /** messages answered at least once */
  answered: number;
  /** extra answers: a message named by more than one send (or the same send twice) */
  duplicates: number;
  missing: number;
  /** reply lines that name no message of this phase */
  unexpected: number;
  /** sends that answered more than one message (a burst answered together) */
  multiAnswerSends: number;
};

/** Every accepted message answered by exactly one text send? */
export function checkExactlyOnce(
  expectedMessages: readonly string[],
  sends: readonly { text: string }[],
): ExactlyOnce {
  const count = new Map<string, number>(expectedMessages.map((m) => [m, 0]));
  let unexpected = 0;
  let multi = 0;
  for (const s of sends) {
    const names = answeredBy(s.text);
    if (names.length > 1) {
      multi++;
    }
    for (const m of names) {
      const c = count.get(m);
      if (c === undefined) {
        unexpected++;
      } else {
        count.set(m, c + 1);
      }
    }
  }
  let answered = 0;
  let duplicates = 0;
  let missing = 0;
  for (const c of count.values()) {
    if (c === 0) {
      missing++;
    } else {
      answered++;
      duplicates += c - 1;
    }
  }
  return {
    expected: count.size,
    sends: sends.length,
    answered,
    duplicates,
    missing,
    unexpected,
    multiAnswerSends: multi,
  };
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
    {
      queued: number;
      job: number;
      llm: number | null;
      oq: number;
      send: number;
      total: number;
      attempts: number;
    }[]
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
    rows
      .map(f)
      .filter((v): v is number => v !== null)
      .map(Number);
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
export function histogramDelta(
  before: Map<string, number>,
  after: Map<string, number>,
): { le: string; fraction: number }[] {
  const total = (after.get("+Inf") ?? 0) - (before.get("+Inf") ?? 0);
  if (total <= 0) {
    return [];
  }
  return [...after.keys()]
    .filter((le) => le !== "+Inf")
    .map((le) => ({ le, fraction: ((after.get(le) ?? 0) - (before.get(le) ?? 0)) / total }));
}

/** Highest number of LLM requests in flight at once between `from` and `to` (epoch ms). */
export function maxInFlight(
  events: readonly { kind: "received" | "responded"; at: number }[],
  from: number,
  to: number,
): number {
  let cur = 0;
  let max = 0;
  const sorted = events
    .filter((e) => e.at >= from && e.at <= to)
    .sort((a, b) => a.at - b.at || (a.kind === "responded" ? -1 : 1));
  for (const e of sorted) {
    cur = Math.max(0, cur + (e.kind === "received" ? 1 : -1));
    max = Math.max(max, cur);
  }
  return max;
}

export type WaitRow = { app: string; what: string; avg: number };
export type WaitReport = {
  rows: WaitRow[];
  statements: { statement: string; state: string; avg: number }[];
  samples: number;
};

/**
 * Samples pg_stat_activity of the database every `everyMs` and reports, per application and state
 * (`active: on CPU`, `active: IO/WALSync`, `idle in transaction: Client/ClientRead`, …), how many
 * backends were in it on average — where the database side of the time goes, without extensions —
 * and which statements were seen running on CPU or waiting on a lock (a sampling profile).
 */
export class WaitSampler {
  private readonly counts = new Map<string, number>();
  private readonly statements = new Map<string, number>();
  private samples = 0;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly tdb: TestDatabase,
    private readonly everyMs = 100,
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          await this.sample();
        } catch {
          // The database went away (Ctrl-C): sampling ends, the process does not.
          this.running = false;
        }
        await sleep(this.everyMs);
      }
    })();
  }

  private async sample(): Promise<void> {
    const rows = await this.tdb.db.$client<
      { app: string; state: string | null; wt: string | null; we: string | null; q: string }[]
    >`
      select coalesce(nullif(application_name, ''), backend_type) as app, state, wait_event_type as wt, wait_event as we,
             left(regexp_replace(query, '\\s+', ' ', 'g'), 200) as q
      from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
    this.samples++;
    for (const r of rows) {
      const what = `${r.state ?? "?"}: ${r.wt ? `${r.wt}/${r.we ?? "?"}` : "on CPU"}`;
      const key = `${r.app}\u0000${what}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      if (r.state === "active" && (r.wt === null || r.wt === "Lock")) {
        const skey = `${r.wt === null ? "on CPU" : `waiting on ${r.wt}/${r.we ?? "?"}`}\u0000${r.q.trim().slice(0, 90)}`;
        this.statements.set(skey, (this.statements.get(skey) ?? 0) + 1);
      }
    }
  }

  async stop(): Promise<WaitReport> {
    this.running = false;
    await this.loop;
    const n = Math.max(1, this.samples);
    const rows = [...this.counts]
      .map(([k, c]) => {
        const [app = "?", what = "?"] = k.split("\u0000");
        return { app, what, avg: c / n };
      })
      .filter((r) => !r.what.startsWith("idle: "))
      .sort((a, b) => b.avg - a.avg);
    const statements = [...this.statements]
      .map(([k, c]) => {
        const [state = "?", statement = "?"] = k.split("\u0000");
        return { state, statement, avg: c / n };
      })
      .sort((a, b) => b.avg - a.avg);
    return { rows, statements, samples: this.samples };
  }
}

export type TableCounters = {
  table: string;
  seqScan: number;
  seqRead: number;
  idxScan: number;
  idxFetch: number;
  ins: number;
  upd: number;
  del: number;
};
export type IndexCounters = { index: string; scans: number; read: number; fetched: number };
export type DbCounters = {
  xacts: number;
  rollbacks: number;
  tupReturned: number;
  tables: TableCounters[];
  indexes: IndexCounters[];
};

/** Cumulative activity counters of the database (pg_stat_database, pg_stat_user_tables). */
export async function dbCounters(tdb: TestDatabase): Promise<DbCounters> {
  const [d] = await tdb.db.$client<{ xacts: string; rollbacks: string; ret: string }[]>`
    select xact_commit as xacts, xact_rollback as rollbacks, tup_returned as ret
    from pg_stat_database where datname = current_database()`;
  const t = await tdb.db.$client<
    {
      relname: string;
      seq_scan: string;
      seq_tup_read: string;
      idx_scan: string | null;
      idx_tup_fetch: string | null;
      ins: string;
      upd: string;
      del: string;
    }[]
  >`select relname, seq_scan, seq_tup_read, idx_scan, idx_tup_fetch, n_tup_ins as ins, n_tup_upd as upd, n_tup_del as del
    from pg_stat_user_tables`;
  const ix = await tdb.db.$client<{ name: string; scans: string; rd: string; fetched: string }[]>`
    select relname || '.' || indexrelname as name, idx_scan as scans, idx_tup_read as rd, idx_tup_fetch as fetched
    from pg_stat_user_indexes`;
  return {
    indexes: ix.map((r) => ({
      index: r.name,
      scans: Number(r.scans),
      read: Number(r.rd),
      fetched: Number(r.fetched),
    })),
    xacts: Number(d?.xacts ?? 0),
    rollbacks: Number(d?.rollbacks ?? 0),
    tupReturned: Number(d?.ret ?? 0),
    tables: t.map((r) => ({
      table: r.relname,
      seqScan: Number(r.seq_scan),
      seqRead: Number(r.seq_tup_read),
      idxScan: Number(r.idx_scan ?? 0),
      idxFetch: Number(r.idx_tup_fetch ?? 0),
      ins: Number(r.ins),
      upd: Number(r.upd),
      del: Number(r.del),
    })),
  };
}

/** The counters' growth between two snapshots, divided by `per` (e.g. messages). */
export function dbDelta(a: DbCounters, b: DbCounters, per: number): DbCounters {
  const old = new Map(a.tables.map((t) => [t.table, t]));
  const f = (x: number) => x / Math.max(1, per);
  const oldIx = new Map(a.indexes.map((i) => [i.index, i]));
  return {
    indexes: b.indexes
      .map((i) => {
        const o = oldIx.get(i.index);
        return {
          index: i.index,
          scans: f(i.scans - (o?.scans ?? 0)),
          read: f(i.read - (o?.read ?? 0)),
          fetched: f(i.fetched - (o?.fetched ?? 0)),
        };
      })
      .filter((i) => i.scans > 0)
      .sort((x, y) => y.read - x.read),
    xacts: f(b.xacts - a.xacts),
    rollbacks: f(b.rollbacks - a.rollbacks),
    tupReturned: f(b.tupReturned - a.tupReturned),
    tables: b.tables
      .map((t) => {
        const o = old.get(t.table);
        return {
          table: t.table,
          seqScan: f(t.seqScan - (o?.seqScan ?? 0)),
          seqRead: f(t.seqRead - (o?.seqRead ?? 0)),
          idxScan: f(t.idxScan - (o?.idxScan ?? 0)),
          idxFetch: f(t.idxFetch - (o?.idxFetch ?? 0)),
          ins: f(t.ins - (o?.ins ?? 0)),
          upd: f(t.upd - (o?.upd ?? 0)),
          del: f(t.del - (o?.del ?? 0)),
        };
      })
      .filter((t) => t.seqScan + t.idxScan + t.ins + t.upd + t.del > 0)
      .sort((x, y) => y.seqRead + y.idxFetch - (x.seqRead + x.idxFetch)),
  };
}
