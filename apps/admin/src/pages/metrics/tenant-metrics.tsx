import { OperatorTenantPage } from "../../components/layout/tenant-pages.tsx";
import { MetricsView } from "../../features/metrics/metrics-view.tsx";
import { useMetricsDays } from "../../features/metrics/use-days.ts";
import { useI18n } from "../../lib/i18n/context.tsx";

/** Operators: the same read-only metrics the tenant's client sees. */
export function TenantMetricsPage() {
  const { t } = useI18n();
  const [days, setDays] = useMetricsDays();
  return (
    <OperatorTenantPage title={t.metrics.title} description={t.metrics.subtitle} className="max-w-7xl">
      {(tenantSlug) => <MetricsView tenantSlug={tenantSlug} days={days} onDaysChange={setDays} />}
    </OperatorTenantPage>
  );
}
