import { Badge } from "../../components/ui/badge.tsx";
import { Page, PageHeader } from "../../components/ui/page.tsx";
import { ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { MetricsView } from "../../features/metrics/metrics-view.tsx";
import { useMetricsDays } from "../../features/metrics/use-days.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useClientTenant } from "./use-client-tenant.ts";

/** The client's metrics: their own tenant only (the session decides which), read-only. */
export function ClientMetricsPage() {
  const { t } = useI18n();
  const tenant = useClientTenant();
  const [days, setDays] = useMetricsDays();

  if (tenant.isPending) {
    return <LoadingState className="min-h-[60vh]" />;
  }
  if (tenant.isError) {
    return (
      <Page>
        <ErrorState error={tenant.error} onRetry={() => void tenant.refetch()} />
      </Page>
    );
  }
  return (
    <Page className="max-w-7xl">
      <PageHeader
        title={t.metrics.title}
        description={t.metrics.subtitle(tenant.data.name)}
        meta={<Badge tone="gray">{t.metrics.readOnly}</Badge>}
      />
      <MetricsView tenantSlug={tenant.data.slug} days={days} onDaysChange={setDays} />
    </Page>
  );
}
