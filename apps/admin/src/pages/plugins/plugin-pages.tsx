import { useQuery } from "@tanstack/react-query";
import { useParams } from "react-router";

import { Badge } from "../../components/ui/badge.tsx";
import { Page, PageHeader } from "../../components/ui/page.tsx";
import { ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { AppointmentsView } from "../../features/plugins/appointments-view.tsx";
import { DealsView } from "../../features/plugins/deals-view.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";
import { useClientTenant } from "../client/use-client-tenant.ts";

/** Operators: a tenant's appointments, with cancel and a link to each conversation. */
export function TenantAppointmentsPage() {
  const { tenantSlug = "" } = useParams();
  const { t } = useI18n();
  const trpc = useTRPC();
  const tenant = useQuery(trpc.tenants.bySlug.queryOptions({ tenantSlug }));
  const name = tenant.data?.name ?? tenantSlug;
  return (
    <Page className="max-w-6xl">
      <PageHeader
        crumbs={[
          { label: t.tenants.title, to: "/tenants" },
          { label: name, to: `/tenants/${tenantSlug}` },
        ]}
        title={t.appointments.title}
        description={t.appointments.subtitle(name)}
      />
      <AppointmentsView tenantSlug={tenantSlug} canManage />
    </Page>
  );
}

/** The client: their own tenant's appointments, read-only. */
export function ClientAppointmentsPage() {
  const { t } = useI18n();
  const tenant = useClientTenant();
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
    <Page className="max-w-6xl">
      <PageHeader
        title={t.appointments.title}
        description={t.appointments.subtitle(tenant.data.name)}
        meta={<Badge tone="gray">{t.metrics.readOnly}</Badge>}
      />
      <AppointmentsView tenantSlug={tenant.data.slug} canManage={false} />
    </Page>
  );
}

/** Operators: a tenant's CRM leads, with a link to each conversation. */
export function TenantDealsPage() {
  const { tenantSlug = "" } = useParams();
  const { t } = useI18n();
  const trpc = useTRPC();
  const tenant = useQuery(trpc.tenants.bySlug.queryOptions({ tenantSlug }));
  const name = tenant.data?.name ?? tenantSlug;
  return (
    <Page className="max-w-6xl">
      <PageHeader
        crumbs={[
          { label: t.tenants.title, to: "/tenants" },
          { label: name, to: `/tenants/${tenantSlug}` },
        ]}
        title={t.deals.title}
        description={t.deals.subtitle(name)}
      />
      <DealsView tenantSlug={tenantSlug} canOpenConversations />
    </Page>
  );
}

/** The client: their own tenant's CRM leads, read-only. */
export function ClientDealsPage() {
  const { t } = useI18n();
  const tenant = useClientTenant();
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
    <Page className="max-w-6xl">
      <PageHeader title={t.deals.title} description={t.deals.subtitle(tenant.data.name)} meta={<Badge tone="gray">{t.metrics.readOnly}</Badge>} />
      <DealsView tenantSlug={tenant.data.slug} canOpenConversations={false} />
    </Page>
  );
}
