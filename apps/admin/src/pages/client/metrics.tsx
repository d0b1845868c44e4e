import { ClientTenantPage } from "../../components/layout/tenant-pages.tsx";
import { MetricsView } from "../../features/metrics/metrics-view.tsx";
import { useMetricsDays } from "../../features/metrics/use-days.ts";
import { useI18n } from "../../lib/i18n/context.tsx";

/** The client's metrics: their own tenant only (the session decides which), read-only. */
export function ClientMetricsPage() {
  const { t } = useI18n();
  const [days, setDays] = useMetricsDays();
  return (
    <ClientTenantPage title={t.metrics.title} description={t.metrics.subtitle} className="max-w-7xl">
      {(tenantSlug) => <MetricsView tenantSlug={tenantSlug} days={days} onDaysChange={setDays} />}
    </ClientTenantPage>
  );
}
