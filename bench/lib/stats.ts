/** Percentiles and number formatting for the benchmark report. */

/** Nearest-rank percentile (p in 0..100) of an unsorted list; NaN when empty. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) {
    return Number.NaN;
  }
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export type Summary = { n: number; p50: number; p95: number; p99: number; max: number; mean: number };

export function summarize(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort();
  const at = (p: number) =>
    sorted.length === 0
      ? Number.NaN
      : (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
        Number.NaN);
  let sum = 0;
  for (const v of sorted) {
    sum += v;
  }
  return {
    n: sorted.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? Number.NaN),
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
  };
}

/** 1234.5 → "1,235"; digits after the point on request. */
export function fmtNum(v: number, digits = 0): string {
  if (!Number.isFinite(v)) {
    return "n/a";
  }
  return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Milliseconds with one decimal under 100, none above. */
export function fmtMs(v: number): string {
  if (!Number.isFinite(v)) {
    return "n/a";
  }
  return v < 100 ? v.toFixed(1) : fmtNum(v);
}

export function fmtSummaryMs(s: Summary): string {
  return `p50 ${fmtMs(s.p50)} · p95 ${fmtMs(s.p95)} · p99 ${fmtMs(s.p99)} · max ${fmtMs(s.max)} ms`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
