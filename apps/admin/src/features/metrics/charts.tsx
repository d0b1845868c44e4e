/**
 * Small SVG charts (no chart library): grouped bars and lines over days. The SVG scales to its
 * container through the viewBox; every bar and point has a <title> for its exact value, and the
 * chart has a text summary for screen readers.
 */
import { useId, type ReactNode } from "react";

import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { axisFormatter, inferAxisUnit, type AxisUnit } from "./axis.ts";

export type { AxisUnit } from "./axis.ts";

export type Series = { name: string; color: string; values: (number | null)[] };

const WIDTH = 640;
const HEIGHT = 180;
const PAD = { top: 12, right: 8, bottom: 22, left: 44 };
/** Width of one character of an axis label (10-unit font), to make room for long ones ("US$ 0,0005"). */
const AXIS_CHAR_WIDTH = 6.2;

/** The left margin that fits the longest axis label (at least PAD.left). */
function leftPad(max: number, format: (value: number) => string): number {
  const longest = Math.max(...[0, 0.5, 1].map((tick) => format(max * tick).length));
  return Math.max(PAD.left, Math.ceil(longest * AXIS_CHAR_WIDTH) + 10);
}

/** A "nice" upper bound for the axis (1, 2, 2.5 or 5 × 10ⁿ). */
function niceMax(max: number): number {
  if (max <= 0) {
    return 1;
  }
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (max <= step * magnitude) {
      return step * magnitude;
    }
  }
  return 10 * magnitude;
}

function Frame({
  labels,
  max,
  left,
  format,
  children,
  title,
  summary,
}: {
  labels: string[];
  max: number;
  /** The plot's left edge (room for the axis labels). */
  left: number;
  /** The ticks' formatter (axisFormatter: one unit, one number of decimals). */
  format: (value: number) => string;
  children: ReactNode;
  title: string;
  summary: string;
}) {
  const titleId = useId();
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const ticks = [0, 0.5, 1];
  // Show at most ~8 day labels.
  const every = Math.max(1, Math.ceil(labels.length / 8));
  const step = (WIDTH - left - PAD.right) / Math.max(1, labels.length);
  return (
    <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="h-auto w-full" role="img" aria-labelledby={titleId}>
      <title id={titleId}>{`${title}: ${summary}`}</title>
      {ticks.map((tick) => {
        const y = PAD.top + plotHeight * (1 - tick);
        return (
          <g key={tick}>
            <line
              x1={left}
              x2={WIDTH - PAD.right}
              y1={y}
              y2={y}
              className="stroke-slate-200"
              strokeWidth={1}
            />
            <text x={left - 6} y={y + 3} textAnchor="end" className="fill-slate-400 text-[10px]">
              {format(max * tick)}
            </text>
          </g>
        );
      })}
      {labels.map((label, i) =>
        i % every === 0 ? (
          <text
            key={label}
            x={left + step * i + step / 2}
            y={HEIGHT - 6}
            textAnchor="middle"
            className="fill-slate-400 text-[10px]"
          >
            {label}
          </text>
        ) : null,
      )}
      {children}
    </svg>
  );
}

function Legend({ series }: { series: Series[] }) {
  if (series.length < 2) {
    return null;
  }
  return (
    <ul className="mt-1 flex flex-wrap gap-3 text-xs text-slate-600">
      {series.map((s) => (
        <li key={s.name} className="flex items-center gap-1.5">
          <span className="size-2.5 rounded-sm" style={{ backgroundColor: s.color }} aria-hidden />
          {s.name}
        </li>
      ))}
    </ul>
  );
}

/** Grouped bars: one group per label, one bar per series. */
export function BarChart({
  title,
  labels,
  series,
  format,
  unit,
  integer,
  className,
}: {
  title: string;
  labels: string[];
  series: Series[];
  /** Each value's exact text (summary, hover titles). */
  format: (value: number) => string;
  /** The axis's unit; without it, read off `format`'s text (inferAxisUnit). */
  unit?: AxisUnit;
  /** Counts: the axis top is even (≥ 2), so the middle tick is a whole number too. */
  integer?: boolean;
  className?: string;
}) {
  const { locale } = useI18n();
  const top = niceMax(Math.max(0, ...series.flatMap((s) => s.values.map((v) => v ?? 0))));
  const max = integer || unit === "count" ? Math.max(2, Math.ceil(top / 2) * 2) : top;
  const axisUnit = unit ?? inferAxisUnit(format, max);
  const axis = axisUnit ? axisFormatter(axisUnit, max, locale) : format;
  const left = leftPad(max, axis);
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = (WIDTH - left - PAD.right) / Math.max(1, labels.length);
  const groupWidth = step * 0.7;
  const barWidth = groupWidth / Math.max(1, series.length);
  const total = series.map((s) => `${s.name} ${format(s.values.reduce<number>((a, v) => a + (v ?? 0), 0))}`);
  return (
    <figure className={cn("min-w-0", className)} data-testid="bar-chart">
      <figcaption className="mb-2 text-sm font-medium text-slate-800">{title}</figcaption>
      <Frame labels={labels} max={max} left={left} format={axis} title={title} summary={total.join(", ")}>
        {series.map((s, si) =>
          s.values.map((value, i) => {
            if (value === null || value <= 0) {
              return null;
            }
            const h = (value / max) * plotHeight;
            const x = left + step * i + (step - groupWidth) / 2 + barWidth * si;
            return (
              <rect
                key={`${s.name}-${labels[i]}`}
                x={x}
                y={PAD.top + plotHeight - h}
                width={Math.max(1, barWidth - 1)}
                height={h}
                rx={1.5}
                fill={s.color}
              >
                <title>{`${labels[i] ?? ""} · ${s.name}: ${format(value)}`}</title>
              </rect>
            );
          }),
        )}
      </Frame>
      <Legend series={series} />
    </figure>
  );
}

/** Lines over days; a null value breaks the line (no data that day). */
export function LineChart({
  title,
  labels,
  series,
  format,
  unit,
  max: fixedMax,
  className,
}: {
  title: string;
  labels: string[];
  series: Series[];
  /** Each value's exact text (hover titles). */
  format: (value: number) => string;
  /** The axis's unit; without it, read off `format`'s text (inferAxisUnit). */
  unit?: AxisUnit;
  /** A fixed top (e.g. 1 for rates); otherwise from the data. */
  max?: number;
  className?: string;
}) {
  const { t, locale } = useI18n();
  const max = fixedMax ?? niceMax(Math.max(0, ...series.flatMap((s) => s.values.map((v) => v ?? 0))));
  const axisUnit = unit ?? inferAxisUnit(format, max);
  const axis = axisUnit ? axisFormatter(axisUnit, max, locale) : format;
  const left = leftPad(max, axis);
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = (WIDTH - left - PAD.right) / Math.max(1, labels.length);
  const point = (value: number, i: number) => ({
    x: left + step * i + step / 2,
    y: PAD.top + plotHeight * (1 - Math.min(value, max) / max),
  });
  const summary = series.map((s) => {
    const known = s.values.filter((v): v is number => v !== null);
    return `${s.name}: ${t.metrics.charts.valueCount(known.length)}`;
  });
  return (
    <figure className={cn("min-w-0", className)} data-testid="line-chart">
      <figcaption className="mb-2 text-sm font-medium text-slate-800">{title}</figcaption>
      <Frame labels={labels} max={max} left={left} format={axis} title={title} summary={summary.join(", ")}>
        {series.map((s) => {
          const segments: { x: number; y: number }[][] = [];
          let current: { x: number; y: number }[] = [];
          s.values.forEach((value, i) => {
            if (value === null) {
              if (current.length > 0) {
                segments.push(current);
              }
              current = [];
            } else {
              current.push(point(value, i));
            }
          });
          if (current.length > 0) {
            segments.push(current);
          }
          return (
            <g key={s.name}>
              {segments.map((segment, si) => (
                <polyline
                  key={si}
                  points={segment.map((p) => `${p.x},${p.y}`).join(" ")}
                  fill="none"
                  stroke={s.color}
                  strokeWidth={2}
                  strokeLinejoin="round"
                  vectorEffect="non-scaling-stroke"
                />
              ))}
              {s.values.map((value, i) =>
                value === null ? null : (
                  <circle key={i} cx={point(value, i).x} cy={point(value, i).y} r={3} fill={s.color}>
                    <title>{`${labels[i] ?? ""} · ${s.name}: ${format(value)}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </Frame>
      <Legend series={series} />
    </figure>
  );
}
