import { useQuery } from "@tanstack/react-query";
import { useParams } from "react-router";

import { Page, PageHeader } from "../../components/ui/page.tsx";
import { MetricsView } from "../../features/metrics/metrics-view.tsx";
import { useMetricsDays } from "../../features/metrics/use-days.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";

/** Operators: the same read-only metrics the tenant's client sees. */
export function TenantMetricsPage() {
  const { tenantSlug = "" } = useParams();
  const { t } = useI18n();
  const trpc = useTRPC();
  const tenant = useQuery(trpc.tenants.bySlug.queryOptions({ tenantSlug }));
  const [days, setDays] = useMetricsDays();
  const name = tenant.data?.name ?? tenantSlug;
  return (
    <Page className="max-w-7xl">
      <PageHeader
        crumbs={[
          { label: t.tenants.title, to: "/tenants" },
          { label: name, to: `/tenants/${tenantSlug}` },
        ]}
        title={t.metrics.title}
        description={t.metrics.subtitle(name)}
      />
      <MetricsView tenantSlug={tenantSlug} days={days} onDaysChange={setDays} />
    </Page>
  );
}
