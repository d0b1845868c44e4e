import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";

import { METRICS_DAYS, METRICS_TRAFFIC, type TMetricsTraffic } from "@lx/shared/schemas";

import { Badge } from "../../components/ui/badge.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { EmptyState, ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { Segmented } from "../../components/ui/tabs.tsx";
import { Table, TBody, Td, Th, THead, Tr } from "../../components/ui/table.tsx";
import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import { BarChart, LineChart } from "./charts.tsx";

type Metrics = RouterOutputs["metrics"]["tenant"];
type Values = Metrics["totals"];
type Days = (typeof METRICS_DAYS)[number];

const COLORS = { primary: "#4f46e5", secondary: "#0ea5e9", tertiary: "#f59e0b", good: "#10b981" };

function Kpi({
  label,
  value,
  help,
  testId,
}: {
  label: string;
  value: ReactNode;
  help: string;
  testId: string;
}) {
  return (
    <div className="rounded-xl bg-white p-4 shadow-sm ring-1 ring-slate-200" data-testid={testId}>
      <p className="text-xs font-medium text-slate-500">{label}</p>
      <p
        className="mt-1 text-xl font-semibold tracking-tight text-slate-900 tabular-nums"
        data-testid={`${testId}-value`}
      >
        {value}
      </p>
      <p className="mt-1.5 text-[11px] leading-snug text-slate-500">{help}</p>
    </div>
  );
}

function useFormatters() {
  const { t, number, percent, duration, usd } = useI18n();
  const none = t.metrics.none;
  return {
    count: (n: number) => number(n),
    pair: (a: number, b: number) => `${number(a)} / ${number(b)}`,
    ms: (v: number | null) => (v === null ? none : duration(v)),
    msPair: (a: number | null, b: number | null) =>
      a === null && b === null
        ? none
        : `${a === null ? none : duration(a)} / ${b === null ? none : duration(b)}`,
    rate: (v: number | null) => (v === null ? none : percent(v)),
    usd: (v: number | null) => (v === null ? none : usd(v)),
    /** A cost, or "no price" when there were tokens but none of them has a listed price. */
    cost: (v: number | null, unpricedTokens: number) =>
      v !== null ? usd(v) : unpricedTokens > 0 ? t.metrics.prices.noPrice : none,
  };
}

function KpiGrid({ totals }: { totals: Values }) {
  const { t } = useI18n();
  const f = useFormatters();
  const k = t.metrics.kpi;
  return (
    <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5" data-testid="metrics-kpis">
      <Kpi
        testId="kpi-conversations"
        label={k.conversations.label}
        help={k.conversations.help}
        value={f.count(totals.conversations)}
      />
      <Kpi
        testId="kpi-messages"
        label={k.messages.label}
        help={k.messages.help}
        value={f.pair(totals.messagesIn, totals.messagesOut)}
      />
      <Kpi
        testId="kpi-bot-frt"
        label={k.botFrt.label}
        help={k.botFrt.help}
        value={f.msPair(totals.botFirstResponseP50Ms, totals.botFirstResponseP90Ms)}
      />
      <Kpi
        testId="kpi-human-frt"
        label={k.humanFrt.label}
        help={k.humanFrt.help}
        value={f.msPair(totals.humanFirstResponseP50Ms, totals.humanFirstResponseP90Ms)}
      />
      <Kpi
        testId="kpi-handoffs"
        label={k.handoffs.label}
        help={k.handoffs.help}
        value={`${f.count(totals.handoffs)} (${f.rate(totals.handoffRate)})`}
      />
      <Kpi
        testId="kpi-delivery"
        label={k.delivery.label}
        help={k.delivery.help}
        value={`${f.rate(totals.deliveryRate)} / ${f.rate(totals.readRate)}`}
      />
      <Kpi
        testId="kpi-templates"
        label={k.templates.label}
        help={k.templates.help}
        value={f.pair(totals.templatesSent, totals.templatesFailed)}
      />
      <Kpi
        testId="kpi-policy"
        label={k.policy.label}
        help={k.policy.help}
        value={f.count(totals.policyHits)}
      />
      <Kpi
        testId="kpi-tokens"
        label={k.tokens.label}
        help={k.tokens.help}
        value={f.pair(totals.tokensIn, totals.tokensOut)}
      />
      <Kpi
        testId="kpi-cost"
        label={k.cost.label}
        help={k.cost.help}
        value={
          <>
            {f.cost(totals.costUsd, totals.unpricedTokens)}
            {totals.costUsd !== null && totals.unpricedTokens > 0 ? (
              <span className="mt-0.5 block text-xs font-normal text-amber-700">
                {t.metrics.prices.partial(f.count(totals.unpricedTokens))}
              </span>
            ) : null}
          </>
        }
      />
    </div>
  );
}

function Charts({ metrics }: { metrics: Metrics }) {
  const { t, day, number, percent, duration, usd } = useI18n();
  const c = t.metrics.charts;
  const labels = metrics.byDay.map((d) => day(d.day));
  const pick = (fn: (v: Metrics["byDay"][number]) => number | null) => metrics.byDay.map(fn);
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Card>
        <CardBody>
          <BarChart
            title={c.conversations}
            labels={labels}
            integer
            format={(v) => number(Math.round(v))}
            unit="count"
            series={[
              {
                name: t.metrics.kpi.conversations.label,
                color: COLORS.primary,
                values: pick((d) => d.conversations),
              },
            ]}
          />
        </CardBody>
      </Card>
      <Card>
        <CardBody>
          <BarChart
            title={c.messages}
            labels={labels}
            integer
            format={(v) => number(Math.round(v))}
            unit="count"
            series={[
              { name: c.in, color: COLORS.secondary, values: pick((d) => d.messagesIn) },
              { name: c.out, color: COLORS.primary, values: pick((d) => d.messagesOut) },
            ]}
          />
        </CardBody>
      </Card>
      <Card>
        <CardBody>
          <LineChart
            title={c.frt}
            labels={labels}
            format={(v) => duration(v)}
            unit="duration"
            series={[
              { name: c.p50, color: COLORS.primary, values: pick((d) => d.botFirstResponseP50Ms) },
              { name: c.p90, color: COLORS.tertiary, values: pick((d) => d.botFirstResponseP90Ms) },
            ]}
          />
        </CardBody>
      </Card>
      <Card>
        <CardBody>
          <BarChart
            title={c.handoffs}
            labels={labels}
            integer
            format={(v) => number(Math.round(v))}
            unit="count"
            series={[
              { name: t.metrics.kpi.handoffs.label, color: COLORS.tertiary, values: pick((d) => d.handoffs) },
            ]}
          />
        </CardBody>
      </Card>
      <Card>
        <CardBody>
          <LineChart
            title={c.delivery}
            labels={labels}
            max={1}
            format={(v) => percent(v)}
            unit="percent"
            series={[
              { name: c.delivered, color: COLORS.good, values: pick((d) => d.deliveryRate) },
              { name: c.read, color: COLORS.secondary, values: pick((d) => d.readRate) },
            ]}
          />
        </CardBody>
      </Card>
      <Card>
        <CardBody>
          <BarChart
            title={c.cost}
            labels={labels}
            format={(v) => usd(v)}
            unit="usd"
            series={[
              { name: t.metrics.kpi.cost.label, color: COLORS.primary, values: pick((d) => d.costUsd) },
            ]}
          />
        </CardBody>
      </Card>
    </div>
  );
}

function VersionTable({ metrics }: { metrics: Metrics }) {
  const { t } = useI18n();
  const f = useFormatters();
  return (
    <Card>
      <CardHeader title={t.metrics.versions.title} description={t.metrics.versions.hint} />
      {metrics.byVersion.length === 0 ? (
        <EmptyState title={t.metrics.versions.empty} />
      ) : (
        // Ten columns: headers wrap and cells are compact, so that the last ones (tokens, cost) fit on a
        // 1280 px screen instead of hiding behind a horizontal scroll.
        <Table data-testid="metrics-versions">
          <THead>
            <tr>
              <Th className="px-3 align-bottom whitespace-normal">{t.metrics.versions.version}</Th>
              <Th className="px-3 align-bottom whitespace-normal">{t.metrics.versions.model}</Th>
              {Object.values(t.metrics.versions.columns).map((label) => (
                <Th key={label} className="px-3 text-right align-bottom whitespace-normal">
                  {label}
                </Th>
              ))}
            </tr>
          </THead>
          <TBody>
            {metrics.byVersion.map((v) => (
              <Tr key={v.versionId} data-testid="metrics-version-row" data-version={v.version}>
                <Td className="px-3">
                  <span className="block font-medium text-slate-900">{v.agentName}</span>
                  <span className="block font-mono text-xs whitespace-nowrap text-slate-500">
                    {v.agentSlug} v{v.version}
                  </span>
                </Td>
                <Td className="px-3 font-mono text-xs">{v.model}</Td>
                <Td className="px-3 text-right tabular-nums">{f.count(v.conversations)}</Td>
                <Td className="px-3 text-right tabular-nums">{f.pair(v.messagesIn, v.messagesOut)}</Td>
                <Td className="px-3 text-right tabular-nums">
                  {f.msPair(v.botFirstResponseP50Ms, v.botFirstResponseP90Ms)}
                </Td>
                <Td className="px-3 text-right tabular-nums">
                  {f.count(v.handoffs)} ({f.rate(v.handoffRate)})
                </Td>
                <Td className="px-3 text-right tabular-nums">
                  {f.rate(v.deliveryRate)} / {f.rate(v.readRate)}
                </Td>
                <Td className="px-3 text-right tabular-nums">{f.count(v.policyHits)}</Td>
                <Td className="px-3 text-right tabular-nums">{f.pair(v.tokensIn, v.tokensOut)}</Td>
                <Td className="px-3 text-right whitespace-nowrap tabular-nums" data-testid="version-cost">
                  {f.cost(v.costUsd, v.unpricedTokens)}
                </Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
    </Card>
  );
}

function SmallTable({
  title,
  empty,
  headers,
  rows,
  testId,
}: {
  title: string;
  empty: string;
  headers: string[];
  rows: (string | number)[][];
  testId: string;
}) {
  const { number } = useI18n();
  return (
    <Card>
      <CardHeader title={title} />
      {rows.length === 0 ? (
        <EmptyState title={empty} className="py-8" />
      ) : (
        <Table data-testid={testId}>
          <THead>
            <tr>
              {headers.map((header, i) => (
                <Th key={header} className={cn(i === headers.length - 1 && "text-right")}>
                  {header}
                </Th>
              ))}
            </tr>
          </THead>
          <TBody>
            {rows.map((row, ri) => (
              <Tr key={ri}>
                {row.map((cell, i) => (
                  <Td
                    key={i}
                    className={cn(typeof cell === "number" && "text-right tabular-nums", "text-xs")}
                  >
                    {typeof cell === "number" ? number(cell) : cell}
                  </Td>
                ))}
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
    </Card>
  );
}

function PriceTable({ metrics }: { metrics: Metrics }) {
  const { t, usd, number, date } = useI18n();
  const p = t.metrics.prices;
  const used = new Set(metrics.byVersion.map((v) => v.priceModel));
  const unlisted = [
    ...new Set(metrics.byVersion.filter((v) => v.priceModel === null && v.model).map((v) => v.model)),
  ];
  return (
    <Card data-testid="metrics-prices">
      <CardHeader title={p.title} description={p.hint} />
      <Table>
        <THead>
          <tr>
            <Th>{p.model}</Th>
            <Th className="text-right">{p.input}</Th>
            <Th className="text-right">{p.output}</Th>
            <Th>{p.source}</Th>
          </tr>
        </THead>
        <TBody>
          {metrics.prices.map((price) => (
            <Tr key={price.model} data-testid="price-row" data-model={price.model}>
              <Td className="font-mono text-xs">
                {price.model}
                {used.has(price.model) ? (
                  <Badge tone="indigo" className="ml-2 px-1.5 py-0 text-[10px]">
                    ✓
                  </Badge>
                ) : null}
                {price.aliases.length > 0 ? (
                  <span className="mt-0.5 block font-sans text-[11px] text-slate-400">
                    {p.aliases}: {price.aliases.join(", ")}
                  </span>
                ) : null}
              </Td>
              <Td className="text-right tabular-nums">{usd(price.inputPerMTokens)}</Td>
              <Td className="text-right tabular-nums">{usd(price.outputPerMTokens)}</Td>
              <Td className="text-xs text-slate-500">
                <a
                  href={price.source}
                  target="_blank"
                  rel="noreferrer"
                  className="text-indigo-700 hover:underline"
                >
                  {new URL(price.source).hostname}
                </a>{" "}
                · <span className="whitespace-nowrap">{p.checkedOn(date(price.checkedOn))}</span>
              </Td>
            </Tr>
          ))}
          {unlisted.map((model) => (
            <Tr key={`unlisted-${model}`} data-testid="price-row" data-model={model}>
              <Td className="font-mono text-xs">{model}</Td>
              <Td className="text-right text-xs text-amber-700" colSpan={2}>
                {p.noPrice}
              </Td>
              <Td />
            </Tr>
          ))}
        </TBody>
      </Table>
      {metrics.totals.unpricedTokens > 0 ? (
        <p className="border-t border-slate-100 px-5 py-3 text-xs text-amber-700">
          {p.unpriced(number(metrics.totals.unpricedTokens))}
        </p>
      ) : null}
    </Card>
  );
}

/** The zone's offset from UTC right now ("GMT-3"), or the zone itself if this browser does not know it. */
function utcOffset(timeZone: string): string {
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "shortOffset" }).formatToParts();
    return parts.find((part) => part.type === "timeZoneName")?.value ?? timeZone;
  } catch {
    return timeZone;
  }
}

/**
 * "Dias no fuso horário da empresa: America/Sao_Paulo (GMT-3)." with the offset kept on one line: a
 * narrow screen would otherwise break it at its hyphen ("(GMT-" / "3)").
 */
function TimeZoneLabel({ zone }: { zone: string }) {
  const { t } = useI18n();
  const offset = `(${utcOffset(zone)})`;
  const text = t.metrics.timezone(zone, utcOffset(zone));
  const at = text.indexOf(offset);
  if (at < 0) {
    return <>{text}</>;
  }
  return (
    <>
      {text.slice(0, at)}
      <span className="whitespace-nowrap">{offset}</span>
      {text.slice(at + offset.length)}
    </>
  );
}

/** What the figures count, in words: test conversations left out, or included and why. */
function TrafficNote({ traffic }: { traffic: Metrics["traffic"] }) {
  const { t } = useI18n();
  const text =
    traffic.counted === "customers"
      ? traffic.testConversationsExcluded > 0
        ? t.metrics.traffic.excluded(traffic.testConversationsExcluded)
        : null
      : traffic.hasMetaNumber
        ? t.metrics.traffic.allIncluded
        : t.metrics.traffic.sandboxOnly;
  return text ? (
    <p className="text-sm text-slate-600" data-testid="metrics-traffic-note">
      {text}
    </p>
  ) : null;
}

/**
 * A tenant's metrics: KPIs with their definitions, charts per day, the per-version table, handoff
 * reasons, policies, and the price table behind the cost. Read-only; shared by the client's page
 * and the operators' tenant metrics page.
 */
export function MetricsView({
  tenantSlug,
  days,
  onDaysChange,
}: {
  tenantSlug: string;
  days: Days;
  onDaysChange: (days: Days) => void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  // Unset: the server's default (customers only once the tenant has a Meta number).
  const [traffic, setTraffic] = useState<TMetricsTraffic | undefined>(undefined);
  const metrics = useQuery({
    ...trpc.metrics.tenant.queryOptions({ tenantSlug, days, traffic }),
    placeholderData: keepPreviousData,
    refetchInterval: 60_000,
  });
  return (
    <div className="space-y-6" data-testid="metrics-view">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <Segmented
          label={t.metrics.range}
          value={String(days)}
          onChange={(value) => onDaysChange(Number(value) as Days)}
          options={METRICS_DAYS.map((n) => ({ value: String(n), label: t.metrics.lastDays(n) }))}
        />
        {metrics.data ? (
          <Segmented
            label={t.metrics.traffic.label}
            value={metrics.data.traffic.counted}
            onChange={setTraffic}
            options={METRICS_TRAFFIC.map((value) => ({ value, label: t.metrics.traffic[value] }))}
          />
        ) : null}
        {metrics.data ? (
          <p className="text-xs text-slate-500" data-testid="metrics-timezone">
            <TimeZoneLabel zone={metrics.data.range.timezone} />
          </p>
        ) : null}
      </div>
      {metrics.isPending ? (
        <LoadingState />
      ) : metrics.isError ? (
        <ErrorState error={metrics.error} onRetry={() => void metrics.refetch()} />
      ) : (
        <div className={cn("space-y-6", metrics.isPlaceholderData && "opacity-60")}>
          <TrafficNote traffic={metrics.data.traffic} />
          {metrics.data.totals.conversations === 0 ? (
            <Card>
              <EmptyState title={t.metrics.empty} description={t.metrics.emptyHint} />
            </Card>
          ) : null}
          <KpiGrid totals={metrics.data.totals} />
          <Charts metrics={metrics.data} />
          <VersionTable metrics={metrics.data} />
          <div className="grid gap-6 lg:grid-cols-2">
            <SmallTable
              testId="metrics-reasons"
              title={t.metrics.reasons.title}
              empty={t.metrics.reasons.empty}
              headers={[t.metrics.reasons.trigger, t.metrics.reasons.reason, t.metrics.reasons.count]}
              rows={metrics.data.handoffReasons.map((r) => [
                t.inbox.triggers[r.trigger] ?? r.trigger,
                r.reason,
                r.count,
              ])}
            />
            <SmallTable
              testId="metrics-rules"
              title={t.metrics.rules.title}
              empty={t.metrics.rules.empty}
              headers={[t.metrics.rules.rule, t.metrics.rules.action, t.metrics.rules.count]}
              rows={metrics.data.policyRules.map((r) => [
                r.rule,
                t.inbox.policyActions[r.action] ?? r.action,
                r.count,
              ])}
            />
          </div>
          <PriceTable metrics={metrics.data} />
        </div>
      )}
    </div>
  );
}
