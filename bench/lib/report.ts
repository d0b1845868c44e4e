/** The benchmark's targets, the console table and docs/benchmarks.md. */
import type { PgbenchResult } from "../parts/pgbench.ts";
import type { LatencyResult, ThroughputResult } from "../parts/pipeline.ts";
import type { WebhookResult } from "../parts/webhook.ts";
import type { Breakdown, DbCounters, WaitReport } from "./observe.ts";
import type { CpuReport } from "./procs.ts";
import { fmtMs, fmtNum, fmtSummaryMs, type Summary } from "./stats.ts";

export type Machine = {
  nproc: number;
  cpuModel: string;
  memGiB: number;
  os: string;
  node: string;
  postgres: string;
  server: string;
};

export type Results = {
  startedAt: Date;
  finishedAt: Date;
  command: string;
  /** git commit (and uncommitted files under apps/ packages/) of the code measured */
  revision: string;
  quick: boolean;
  parts: string[];
  machine: Machine;
  config: { workers: number; concurrency: number; logLevel: string; statuses: boolean; flood: string };
  background: { pid: number; pct: number; cmd: string }[];
  webhook?: WebhookResult;
  pgbench?: PgbenchResult;
  pipeline?: ThroughputResult;
  latency?: LatencyResult;
  slow?: ThroughputResult;
};

export type Check = {
  what: string;
  target: string;
  measured: string;
  pass: boolean | null;
  /** CPU used by processes outside the benchmark during the measurement, in cores. */
  others: number | null;
};

function othersOf(c: CpuReport | null | undefined): number | null {
  return c && c.otherS !== null ? c.otherS / c.wallS : null;
}

const fmtOthers = (v: number | null) => (v === null ? "n/a" : `${v.toFixed(2)} core`);

export const TARGETS = {
  webhookP99Ms: 25,
  webhookPerS: 2_500,
  pgbenchReference: 5_100,
  pipelinePerS: 500,
  idleP50Ms: 50,
  slowShare: 0.8,
};

/** A figure ÷ the day's pgbench tps against its absolute target ÷ the reference pgbench (~5,100 tps). */
function scaledRow(figure: string, target: string, measured: number, absolute: number, pgbenchTps: number, digits: number): Check {
  const ratio = measured / pgbenchTps;
  const scaled = absolute / TARGETS.pgbenchReference;
  return {
    what: `ratio ${figure} ÷ pgbench tps (the ${target} target scaled to the day's machine)`,
    target: `≥ ${scaled.toFixed(digits)} (${fmtNum(absolute)} ÷ ${fmtNum(TARGETS.pgbenchReference)})`,
    measured: ratio.toFixed(digits),
    pass: ratio >= scaled,
    others: null,
  };
}

export function slowIdeal(r: Results): number {
  const latency = (r.slow?.llmLatencyMs ?? 1_500) / 1000;
  return (r.config.workers * r.config.concurrency) / latency;
}

function onceText(e: ThroughputResult["exactlyOnce"], timedOut: boolean): string {
  const bursts = e.multiAnswerSends ? ` (${fmtNum(e.multiAnswerSends)} sends answered a burst)` : "";
  return `${fmtNum(e.answered)}/${fmtNum(e.expected)} answered by ${fmtNum(e.sends)} sends${bursts}: ${e.duplicates} duplicate, ${e.missing} missing, ${e.unexpected} unexpected${timedOut ? " (timed out)" : ""}`;
}

export function checks(r: Results): Check[] {
  const out: Check[] = [];
  const w = r.webhook;
  if (w) {
    out.push({
      what: "webhook p99 latency, c=32, 2 workers draining",
      target: `≤ ${TARGETS.webhookP99Ms} ms`,
      measured: `${fmtMs(w.latency.p99)} ms`,
      pass: w.latency.p99 <= TARGETS.webhookP99Ms,
      others: othersOf(w.cpu),
    });
    out.push({
      what: "webhook accepted/s, same run",
      target: `≥ ${fmtNum(TARGETS.webhookPerS)}/s`,
      measured: `${fmtNum(w.acceptedPerS)}/s`,
      pass: w.acceptedPerS >= TARGETS.webhookPerS,
      others: othersOf(w.cpu),
    });
    const bad = w.requests - w.accepted;
    out.push({
      what: "webhook: every POST answered 200 and stored",
      target: "0 failed",
      measured: `${fmtNum(bad)} failed, ${fmtNum(w.storedInDb)} stored of ${fmtNum(w.accepted)} accepted`,
      pass: bad === 0 && w.storedInDb === w.accepted,
      others: othersOf(w.cpu),
    });
  }
  const pg = r.pgbench;
  if (pg?.twoInsert) {
    out.push({
      what: "pgbench, the two-insert transaction (c=32, j=2)",
      target: `reference ~${fmtNum(TARGETS.pgbenchReference)} tps`,
      measured: `${fmtNum(pg.twoInsert.tps)} tps`,
      pass: null,
      others: othersOf(pg.twoInsert.cpu),
    });
    if (w) {
      // The issue's throughput target as a share of the database's own ceiling on the day: the same
      // machine type gives pgbench 2,300–5,900 tps from one day to the next, and the absolute target
      // was set where pgbench gave ~5,100. Reported beside the absolute target, never instead of it.
      out.push(scaledRow("webhook accepted/s", "throughput", w.acceptedPerS, TARGETS.webhookPerS, pg.twoInsert.tps, 2));
    }
  }
  if (pg?.ingest) {
    out.push({
      what: "pgbench, the API's ingest statement for one message (info)",
      target: "report",
      measured: `${fmtNum(pg.ingest.tps)} tps${w ? ` (webhook = ${(w.acceptedPerS / pg.ingest.tps).toFixed(2)} of it)` : ""}`,
      pass: null,
      others: othersOf(pg.ingest.cpu),
    });
  }
  const p = r.pipeline;
  if (p) {
    out.push({
      what: `pipeline, instant LLM, ${fmtNum(p.messages)} msgs / ${fmtNum(p.conversations)} convs, first POST → last send`,
      target: `≥ ${TARGETS.pipelinePerS}/s`,
      measured: `${fmtNum(p.perS)}/s`,
      pass: !p.timedOut && p.perS >= TARGETS.pipelinePerS,
      others: othersOf(p.cpu),
    });
    if (pg?.twoInsert) {
      // As for the webhook: the absolute target set where pgbench gave ~5,100 tps, scaled to the day's
      // machine (whose pgbench has ranged 1,300–6,000 tps), beside the absolute target.
      out.push(scaledRow("pipeline messages/s", "pipeline", p.timedOut ? 0 : p.perS, TARGETS.pipelinePerS, pg.twoInsert.tps, 3));
    }
    out.push({
      what: "pipeline: every message answered exactly once",
      target: "0 duplicates, 0 missing",
      measured: onceText(p.exactlyOnce, p.timedOut),
      pass: p.exactlyOnce.duplicates === 0 && p.exactlyOnce.missing === 0 && p.exactlyOnce.unexpected === 0,
      others: othersOf(p.cpu),
    });
  }
  const l = r.latency;
  if (l) {
    out.push({
      what: `idle latency, webhook POST → Graph text send (${l.messages} msgs)`,
      target: `p50 ≤ ${TARGETS.idleP50Ms} ms`,
      measured: `p50 ${fmtMs(l.endToEnd.p50)} · p95 ${fmtMs(l.endToEnd.p95)} · p99 ${fmtMs(l.endToEnd.p99)} ms${l.timeouts ? ` (${l.timeouts} timed out)` : ""}`,
      pass: l.timeouts === 0 && l.endToEnd.p50 <= TARGETS.idleP50Ms,
      others: othersOf(l.cpu),
    });
  }
  const s = r.slow;
  if (s) {
    const ideal = slowIdeal(r);
    out.push({
      what: `slow LLM ${fmtNum((s.llmLatencyMs ?? 0) / 1000, 1)} s, ${fmtNum(s.messages)} convs, throughput vs ${r.config.workers}×${r.config.concurrency} ÷ ${fmtNum((s.llmLatencyMs ?? 0) / 1000, 1)} s = ${fmtNum(ideal, 1)}/s`,
      target: `≥ ${TARGETS.slowShare * 100} % (${fmtNum(ideal * TARGETS.slowShare, 1)}/s)`,
      measured: `${fmtNum(s.perS, 1)}/s = ${fmtNum((s.perS / ideal) * 100)} %`,
      pass: !s.timedOut && s.perS >= ideal * TARGETS.slowShare,
      others: othersOf(s.cpu),
    });
    out.push({
      what: "slow LLM: every message answered exactly once",
      target: "0 duplicates, 0 missing",
      measured: onceText(s.exactlyOnce, s.timedOut),
      pass: s.exactlyOnce.duplicates === 0 && s.exactlyOnce.missing === 0 && s.exactlyOnce.unexpected === 0,
      others: othersOf(s.cpu),
    });
  }
  return out;
}

const verdict = (c: Check) => (c.pass === null ? "info" : c.pass ? "PASS" : "MISS");

// ---------------------------------------------------------------------------------------------
// Detail lines shared by the console and the markdown

/** CPU per process over a window; with `per` (units done in the window) also CPU ms per unit. */
function cpuLines(c: CpuReport, nproc: number, per?: { n: number; unit: string; total?: boolean }): string[] {
  const unit = (cpuS: number) =>
    per && per.n > 0 ? ` = ${((cpuS * 1000) / per.n).toFixed(2)} ms per ${per.unit}` : "";
  const lines = c.rows.map(
    (row) =>
      `${row.label}: ${row.cpuS === null ? "n/a" : `${row.cpuS.toFixed(1)} s CPU = ${fmtNum((row.cpuS / c.wallS) * 100)} % of a core${unit(row.cpuS)}`}`,
  );
  const ours = c.rows.reduce((a, r) => a + (r.cpuS ?? 0), 0);
  if (per && per.n > 0 && per.total !== false) {
    const ms = (ours * 1000) / per.n;
    lines.push(
      `all of the above: ${ms.toFixed(1)} ms CPU per ${per.unit} → if CPU-bound, at most ~${fmtNum((nproc * 1000) / ms)} ${per.unit}s/s on ${nproc} idle cores`,
    );
  }
  if (c.otherS !== null) {
    lines.push(
      `everything else on the machine: ${c.otherS.toFixed(1)} s = ${fmtNum((c.otherS / c.wallS) * 100)} % of a core`,
    );
  }
  if (c.machineBusyS !== null) {
    const psi =
      c.cpuPressure === null
        ? ""
        : `; some task was waiting for a CPU ${fmtNum(Math.min(1, c.cpuPressure) * 100)} % of the time (PSI)`;
    lines.push(
      `machine busy ${fmtNum((c.machineBusyS / (c.wallS * nproc)) * 100)} % of ${nproc} cores over ${c.wallS.toFixed(1)} s${psi}`,
    );
  }
  return lines;
}

function waitLines(w: WaitReport): string[] {
  const shown = w.rows.filter((x) => x.avg >= 0.05).slice(0, 8);
  const out =
    shown.length === 0
      ? ["database sessions: none busy in the samples"]
      : [
          `database sessions (pg_stat_activity, ${w.samples} samples; average number of backends per state, idle ones left out):`,
          ...shown.map((x) => `  ${x.app} — ${x.what}: ${x.avg.toFixed(2)}`),
        ];
  const statements = w.statements.filter((x) => x.avg >= 0.02).slice(0, 6);
  if (statements.length > 0) {
    out.push(
      "statements seen running on CPU or waiting on a lock (average backends):",
      ...statements.map((x) => `  ${x.avg.toFixed(2)} ${x.state}: \`${x.statement}\``),
    );
  }
  return out;
}

function dbLines(d: DbCounters): string[] {
  const f = (v: number) => (v >= 100 ? fmtNum(v) : v.toFixed(v >= 10 ? 1 : 2));
  return [
    `database work per message (pg_stat_database / pg_stat_user_tables deltas): ${f(d.xacts)} transactions, ${f(d.rollbacks)} rollbacks, ${f(d.tupReturned)} rows returned by scans`,
    ...d.tables
      .slice(0, 8)
      .map(
        (t) =>
          `  ${t.table}: ${f(t.seqScan)} seq scans reading ${f(t.seqRead)} rows · ${f(t.idxScan)} index scans fetching ${f(t.idxFetch)} rows · ${f(t.ins)} ins / ${f(t.upd)} upd / ${f(t.del)} del`,
      ),
    "  indexes reading the most entries per message:",
    ...d.indexes
      .slice(0, 4)
      .map(
        (x) =>
          `    ${x.index}: ${f(x.scans)} scans reading ${f(x.read)} entries, fetching ${f(x.fetched)} rows`,
      ),
  ];
}

function sumLine(label: string, s: Summary): string {
  return `${label}: ${fmtSummaryMs(s)}`;
}

function breakdownLines(b: Breakdown): string[] {
  return [
    `(from the database, ${fmtNum(b.n)} messages${b.attemptsOver1 ? `, ${b.attemptsOver1} needed a 2nd attempt` : ""})`,
    sumLine("job queued (created → claimed)", b.queued),
    sumLine("job run (claimed → done; reads, LLM, Sentinel, completing tx)", b.job),
    sumLine("  of which the LLM call (messages.latency_ms)", b.llm),
    sumLine("reply queued in outbox (job done → sender claim)", b.outboxQueued),
    sumLine("send (claim → Graph answered → sent_at)", b.send),
    sumLine("total in the database (job created → sent_at)", b.total),
  ];
}

function serverShare(h: { le: string; fraction: number }[]): string {
  return (
    h
      .filter((x) => ["0.005", "0.01", "0.025", "0.05"].includes(x.le))
      .map((x) => `≤ ${Number(x.le) * 1000} ms ${fmtNum(x.fraction * 100, 1)} %`)
      .join(" · ") || "n/a"
  );
}

function sections(r: Results): { title: string; lines: string[] }[] {
  const out: { title: string; lines: string[] }[] = [];
  const n = r.machine.nproc;
  const w = r.webhook;
  if (w) {
    const server = serverShare(w.serverSide);
    out.push({
      title: "1. Webhook under load",
      lines: [
        `${fmtNum(w.requests)} POSTs in ${w.durationS.toFixed(1)} s at concurrency ${w.concurrency} (straight after ${fmtNum(w.warmup)} warm-up POSTs, no pause): ${fmtNum(w.accepted)} answered 200 = ${fmtNum(w.acceptedPerS)}/s; statuses ${JSON.stringify(w.statuses)}, ${w.errors} network errors${w.errorSamples.length ? ` (${w.errorSamples.join("; ")})` : ""}`,
        sumLine("client-side latency", w.latency),
        ...(w.p99ByTenth ? [`p99 of each tenth of the answers, in completion order: ${w.p99ByTenth.map(fmtMs).join(" · ")} ms`] : []),
        `server-side (API /metrics histogram, handler only): ${server || "n/a"}`,
        `rows stored: ${fmtNum(w.storedInDb)} webhook_events; meanwhile the 2 workers sent ${fmtNum(w.drainedPerS)} replies/s; ${fmtNum(w.backlogAtEnd)} jobs still open at the end`,
        ...(w.generatedLive
          ? [
              `note: ${fmtNum(w.generatedLive)} bodies were built during the window (pre-generated pool exhausted)`,
            ]
          : []),
        "CPU during the window:",
        ...cpuLines(w.cpu, n, { n: w.accepted, unit: "request", total: false }).map((x) => `  ${x}`),
        ...waitLines(w.waits),
        ...(w.alone
          ? [
              `diagnostic, right after with the workers stopped (API + PostgreSQL alone, ${w.alone.durationS.toFixed(1)} s after ${fmtNum(Math.ceil(w.warmup / 2))} warm-up POSTs): ${fmtNum(w.alone.acceptedPerS)}/s, ${fmtSummaryMs(w.alone.latency)}; server-side ${serverShare(w.alone.serverSide)}`,
              ...cpuLines(w.alone.cpu, n, {
                n: w.alone.acceptedPerS * w.alone.durationS,
                unit: "request",
              }).map((x) => `  ${x}`),
            ]
          : []),
      ],
    });
  }
  const pg = r.pgbench;
  if (pg) {
    const lines: string[] = [];
    if (!pg.available) {
      lines.push(`not run: ${pg.reason ?? "?"}`);
    }
    for (const run of [pg.twoInsert, pg.ingest]) {
      if (run) {
        lines.push(
          `${run.script}: ${fmtNum(run.tps)} tps, latency average ${fmtMs(run.latencyMs)} ms, ${run.failed} failed — \`${run.command}\``,
        );
        if (run.cpu) {
          lines.push(
            ...cpuLines(run.cpu, n, { n: run.tps * run.cpu.wallS, unit: "transaction" }).map((x) => `  ${x}`),
          );
        }
      }
    }
    out.push({ title: "2. pgbench (database ceiling, no workers)", lines });
  }
  const p = r.pipeline;
  if (p) {
    out.push({
      title: "3. Pipeline, instant fake LLM",
      lines: [
        `${fmtNum(p.accepted)}/${fmtNum(p.messages)} messages over ${fmtNum(p.conversations)} conversations posted in ${p.postSeconds.toFixed(2)} s (${fmtNum(p.postPerS)}/s); last reply sent ${p.seconds.toFixed(2)} s after the first POST → ${fmtNum(p.perS)}/s end to end (steady part, 10th→90th percentile of sends: ${fmtNum(p.steadyPerS)}/s)`,
        `exactly once: ${onceText(p.exactlyOnce, p.timedOut)}; jobs ${JSON.stringify(p.jobs)}`,
        ...breakdownLines(p.breakdown),
        "CPU from the first POST to the last reply:",
        ...cpuLines(p.cpu, n, { n: p.exactlyOnce.answered, unit: "message" }).map((x) => `  ${x}`),
        ...waitLines(p.waits),
        ...dbLines(p.dbPerMessage),
      ],
    });
  }
  const l = r.latency;
  if (l) {
    out.push({
      title: "4. Idle latency",
      lines: [
        `${l.messages} messages one after another (each after the previous reply, +20–60 ms), each from a new customer`,
        sumLine("webhook POST start → Graph text send", l.endToEnd),
        sumLine("webhook POST alone (200 received)", l.webhook),
        ...breakdownLines(l.breakdown),
        `CPU over the ${l.messages} messages:`,
        ...cpuLines(l.cpu, n, { n: l.messages, unit: "message", total: false }).map((x) => `  ${x}`),
      ],
    });
  }
  const s = r.slow;
  if (s) {
    const ideal = slowIdeal(r);
    out.push({
      title: "5. Slow fake LLM",
      lines: [
        `LLM latency ${fmtNum(s.llmLatencyMs ?? 0)} ms; ${fmtNum(s.accepted)} messages on ${fmtNum(s.conversations)} conversations posted in ${s.postSeconds.toFixed(2)} s; last reply ${s.seconds.toFixed(2)} s after the first POST → ${fmtNum(s.perS, 1)}/s = ${fmtNum((s.perS / ideal) * 100)} % of ${fmtNum(ideal, 1)}/s (steady part: ${fmtNum(s.steadyPerS, 1)}/s = ${fmtNum((s.steadyPerS / ideal) * 100)} %)`,
        `most LLM requests in flight at once: ${s.llmMaxInFlight ?? "?"} (2 workers × ${r.config.concurrency} allow ${r.config.workers * r.config.concurrency})`,
        `exactly once: ${onceText(s.exactlyOnce, s.timedOut)}; jobs ${JSON.stringify(s.jobs)}`,
        ...breakdownLines(s.breakdown),
        "CPU from the first POST to the last reply:",
        ...cpuLines(s.cpu, n, { n: s.exactlyOnce.answered, unit: "message" }).map((x) => `  ${x}`),
        ...waitLines(s.waits),
        ...dbLines(s.dbPerMessage),
      ],
    });
  }
  return out;
}

function machineLine(r: Results): string {
  const m = r.machine;
  return `${m.nproc} cores (${m.cpuModel}), ${fmtNum(m.memGiB, 1)} GiB, ${m.os}; Node ${m.node}; PostgreSQL ${m.postgres} (${m.server})`;
}

function backgroundLine(r: Results): string {
  if (r.background.length === 0) {
    return "no other process above 5 % CPU in a 1 s sample before the run";
  }
  return `other processes busy before the run (1 s sample): ${r.background
    .slice(0, 4)
    .map((b) => `${b.cmd.split(" ").slice(0, 3).join(" ")} (pid ${b.pid}) ${fmtNum(b.pct)} %`)
    .join("; ")}`;
}

// ---------------------------------------------------------------------------------------------
// Console

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

export function renderConsole(r: Results): string {
  const out: string[] = [];
  out.push("");
  out.push(
    `LX Agent Factory benchmarks — ${r.startedAt.toISOString()}${r.quick ? " (--quick: smoke run, not comparable)" : ""}`,
  );
  out.push(`code: ${r.revision}`);
  out.push(machineLine(r));
  out.push(backgroundLine(r));
  out.push(
    `API + ${r.config.workers} workers × WORKER_CONCURRENCY ${r.config.concurrency}, LOG_LEVEL ${r.config.logLevel}, status callbacks ${r.config.statuses ? "on" : "off"}, ${r.config.flood}`,
  );
  for (const s of sections(r)) {
    out.push("", s.title);
    for (const l of s.lines) {
      out.push(`  ${l}`);
    }
  }
  const cs = checks(r);
  const w1 = Math.max(...cs.map((c) => c.what.length), 10);
  const w2 = Math.max(...cs.map((c) => c.target.length), 6);
  const w3 = Math.max(...cs.map((c) => c.measured.length), 8);
  out.push(
    "",
    `${pad("measure", w1)} | ${pad("target", w2)} | ${pad("measured", w3)} | result | others' CPU`,
  );
  out.push(`${"-".repeat(w1)}-+-${"-".repeat(w2)}-+-${"-".repeat(w3)}-+--------+------------`);
  for (const c of cs) {
    out.push(
      `${pad(c.what, w1)} | ${pad(c.target, w2)} | ${pad(c.measured, w3)} | ${pad(verdict(c), 6)} | ${c.others === null ? "" : fmtOthers(c.others)}`,
    );
  }
  const busy = cs.filter((c) => c.others !== null && c.others > 0.25);
  if (busy.length > 0) {
    out.push(
      "",
      `warning: other processes used more than a quarter of a core during ${busy.length} measurement(s); those figures are pessimistic.`,
    );
  }
  out.push("");
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// docs/benchmarks.md

const NOTES_START = "<!-- notes:start (kept by pnpm bench) -->";
const NOTES_END = "<!-- notes:end -->";
const HISTORY_START = "<!-- history:start (pnpm bench appends a row per full run) -->";
const HISTORY_END = "<!-- history:end -->";

function between(text: string, a: string, b: string): string | undefined {
  const i = text.indexOf(a);
  const j = text.indexOf(b);
  return i >= 0 && j > i ? text.slice(i + a.length, j).replace(/^\n+|\n+$/g, "") : undefined;
}

function historyRow(r: Results): string {
  const w = r.webhook;
  const pg = r.pgbench?.twoInsert;
  const p = r.pipeline;
  const l = r.latency;
  const s = r.slow;
  const ideal = slowIdeal(r);
  const cells = [
    r.startedAt.toISOString().slice(0, 16).replace("T", " "),
    r.revision.replace(/ \+ (\d+) uncommitted file\(s\) in apps\/ packages\//, " +$1"),
    w ? fmtNum(w.acceptedPerS) : "—",
    w ? fmtMs(w.latency.p99) : "—",
    pg ? fmtNum(pg.tps) : "—",
    w && pg ? (w.acceptedPerS / pg.tps).toFixed(2) : "—",
    p ? fmtNum(p.perS) : "—",
    p ? `${p.exactlyOnce.duplicates}/${p.exactlyOnce.missing}` : "—",
    l ? fmtMs(l.endToEnd.p50) : "—",
    s ? `${fmtNum(s.perS, 1)} (${fmtNum((s.perS / ideal) * 100)} %)` : "—",
    `${checks(r).filter((c) => c.pass === false).length}`,
    fmtOthers(Math.max(...checks(r).map((c) => c.others ?? 0))),
  ];
  return `| ${cells.join(" | ")} |`;
}

export function renderMarkdown(r: Results, previous: string | undefined): string {
  const notes = (previous && between(previous, NOTES_START, NOTES_END)) ?? "_No notes yet._";
  const oldHistory = previous ? between(previous, HISTORY_START, HISTORY_END) : undefined;
  const historyHeader = [
    "| run (UTC) | code | webhook/s | webhook p99 ms | pgbench tps | ratio | pipeline/s | dup/missing | idle p50 ms | slow LLM /s (% of ideal) | misses | others' CPU (worst part) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const oldRows = (oldHistory ?? "")
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| run") && !l.startsWith("| ---"));
  const history = [...historyHeader, ...oldRows, historyRow(r)].join("\n");

  const m: string[] = [];
  m.push("# Benchmarks");
  m.push("");
  m.push(
    "Written by `pnpm bench` (`scripts/bench.ts`, `bench/`). The notes and the history table are kept across runs; everything else is replaced by the latest full run.",
  );
  m.push("");
  m.push("## How to read");
  m.push("");
  m.push(
    "Every figure comes from the real processes — the API and 2 workers as separate `node` processes configured by env, as in production — on a fresh PostgreSQL database, with the Meta Graph API and the LLM replaced by local fakes that answer at once (or after 1.5 s for the slow-LLM line) running inside the benchmark process. " +
      "So the numbers are our own cost: webhook, queue, workers, outbox and PostgreSQL, all sharing one small machine with the load generator and the fakes. " +
      "They are not capacity figures for production (real Graph/LLM latency, network and a bigger database change them); compare runs on the same machine, and look at ratios (webhook and pipeline ÷ pgbench: the machine type has given pgbench 1,300–6,000 tps from one day to the next) and at where CPU goes. " +
      'PASS/MISS is against the targets of issue 3; `info` lines have no target. A figure measured while other processes were using the CPU (see "everything else on the machine") is pessimistic. ' +
      "Benchmarks never fail the test suite: they only print and record.",
  );
  m.push("");
  m.push(`## Latest run — ${r.startedAt.toISOString().replace("T", " ").slice(0, 19)} UTC`);
  m.push("");
  m.push(
    `- command: \`${r.command}\` (${((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000).toFixed(0)} s)`,
  );
  m.push(`- code: ${r.revision}`);
  m.push(`- machine: ${machineLine(r)}`);
  m.push(`- ${backgroundLine(r)}`);
  m.push(
    `- system under test: \`pnpm api\` + ${r.config.workers} × \`pnpm worker\` (WORKER_CONCURRENCY ${r.config.concurrency}, LX_LLM=auto with an OpenAI-provider agent pointed at the fake), LOG_LEVEL ${r.config.logLevel} to a file, Meta status callbacks ${r.config.statuses ? "on (sent, delivered → webhook)" : "off"}, webhook floods ${r.config.flood}`,
  );
  m.push("");
  m.push("### Targets");
  m.push("");
  m.push("| measure | target | measured | result | CPU used by other processes meanwhile |");
  m.push("| --- | --- | --- | --- | --- |");
  for (const c of checks(r)) {
    m.push(
      `| ${c.what} | ${c.target} | ${c.measured} | **${verdict(c)}** | ${c.others === null ? "" : fmtOthers(c.others)} |`,
    );
  }
  m.push("");
  m.push("### Details");
  for (const s of sections(r)) {
    m.push("");
    m.push(`**${s.title}**`);
    m.push("");
    for (const l of s.lines) {
      const indent = /^ +/.exec(l)?.[0].length ?? 0;
      m.push(`${indent ? "  " : ""}- ${l.trim()}`);
    }
  }
  m.push("");
  m.push("## Method");
  m.push("");
  m.push(
    [
      "- **Set-up.** One PostgreSQL server (`DATABASE_URL`, else `TEST_DATABASE_URL`, else embedded); each stack gets a fresh database cloned from the migrated template, seeded with one tenant, the Haven agent (`model: openai/gpt-4o-mini`; `context.burstWindowMs: 0`, the compiler's default — the Haven fixture's 3 s burst window would add 3 s to every reply by design) active and one number; dropped at the end (also on Ctrl-C). The API and each worker run as `node --import tsx apps/…/src/index.ts` with env only, each in a session of its own as a service manager would start it (so the worker's `WORKER_NICE` also lowers its scheduler autogroup); the fake Graph API (`startFakeGraph`) and fake OpenAI (`startFakeOpenAI`) listen on 127.0.0.1 in the benchmark process; the load generator runs as a process of its own, in a session of its own (since session 4; it was a worker thread of the benchmark process before), as Meta's servers would be: neither the fakes' event loop nor their scheduler group holds up its timing (it still shares the machine's CPU).",
      "- **1. Webhook.** 32 keep-alive connections (`node:http`), each POSTing the next distinct inbound text (unique wamid and text, 5,000 senders round-robin, Meta-style JSON signed with `X-Hub-Signature-256`, bodies built before the clock starts) for 10 s after 1,000 warm-up POSTs, while both workers drain the queue (instant LLM). Latency is per request, from write to the end of the response; accepted/s = 200 answers ÷ time from the first request to the last response. The API's own histogram (`/metrics`) gives the handler-only share. As a diagnostic, the same load then runs 5 s more with the workers stopped (API + PostgreSQL alone). The services run with their defaults for webhook floods (docs/architecture.md, since session 20): this load is one, so the API flags it and the workers pace their job starts (10 a second each) — the \"replies/s\" line shows what they answered meanwhile; `WORKER_FLOOD_RATE=0 pnpm bench webhook` (or `WEBHOOK_FLOOD_MS=0`) measures them unpaced.",
      "- **2. pgbench.** `pgbench -n -c 32 -j 2 -T 10 -f bench/webhook-pgbench.sql` on another fresh database with no workers: insert `webhook_events` (`on conflict do nothing`) + insert `message_queue` in one transaction — the reference figure of the issue. `bench/webhook-ingest-pgbench.sql` replays, for information, the API's ingest statement with one message (conversation upsert + event + message + job); the API itself sends one such statement per group commit, carrying every webhook that arrived meanwhile.",
      "- **3. Pipeline.** After a warm-up of 1,000 messages on 500 other conversations (as the webhook part warms up with 1,000 POSTs), 3,000 messages over 1,000 conversations (3 each) are posted as fast as the webhook takes them (32 connections). Time runs from the first POST to the last text send recorded by the fake Graph. Every reply's text names its message, so exactly-once is checked by counting distinct reply texts (duplicates, missing, unexpected), after a further 1 s for late duplicates.",
      "- **4. Idle latency.** 100 messages, each from a new customer, one at a time: the next is posted 20–60 ms (uniform) after the previous reply reached the fake Graph. Latency = webhook POST start → the fake Graph's record of the text send (1 ms resolution).",
      "- **5. Slow LLM.** The fake LLM answers after 1,500 ms; 1,280 messages, one per conversation, posted at once; throughput = messages ÷ (first POST → last text send), against `workers × WORKER_CONCURRENCY ÷ 1.5 s`. The steady figure uses the 10th→90th percentile of send times (no ramp-up/tail).",
      '- **Where time goes.** CPU per process from `/proc/<pid>/stat` over each measured window (PostgreSQL = backends of that database + background processes; "everything else" = machine busy time not in those; PSI = /proc/pressure/cpu, the share of time some runnable task waited for a CPU); database sessions sampled from `pg_stat_activity` every 100 ms; per-message database work from `pg_stat_database`/`pg_stat_user_tables` deltas; job and outbox timings from the rows themselves (`message_queue.created_at/locked_at/finished_at`, `outbox_messages.created_at/locked_at/sent_at`, all `now()` of their transaction).',
      "- `pnpm bench --quick` runs every part briefly (smoke test; figures not comparable) and does not write this file; `pnpm bench webhook|pgbench|pipeline|latency|slow` runs one part and only prints; `--wait-quiet[=S]` waits before each part until other processes use less than a quarter of a core; `--profile` runs the API and workers under `node --cpu-prof` and prints where their CPU goes; `--statuses` turns on Meta-style status callbacks. Probes for single costs: `pnpm tsx bench/probes/prepared-statements.ts`, `bench/probes/sdk-fetch.ts` (CPU per LLM call through the SDK, per fetch), `bench/probes/notify-storm.ts [rate]` (a worker's CPU per NOTIFY on an idle queue), `bench/probes/status-callbacks.ts [concurrency]` (a status callback's database cost, one statement each against the webhook's group commit).",
    ].join("\n"),
  );
  m.push("");
  m.push("## Analysis");
  m.push("");
  m.push(NOTES_START);
  m.push(notes);
  m.push(NOTES_END);
  m.push("");
  m.push("## History");
  m.push("");
  m.push(HISTORY_START);
  m.push(history);
  m.push(HISTORY_END);
  m.push("");
  return m.join("\n");
}
