import { ClientTenantPage, OperatorTenantPage } from "../../components/layout/tenant-pages.tsx";
import { AppointmentsView } from "../../features/plugins/appointments-view.tsx";
import { DealsView } from "../../features/plugins/deals-view.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";

/** Operators: a tenant's appointments, with cancel and a link to each conversation. */
export function TenantAppointmentsPage() {
  const { t } = useI18n();
  return (
    <OperatorTenantPage title={t.appointments.title} description={t.appointments.subtitle}>
      {(tenantSlug) => <AppointmentsView tenantSlug={tenantSlug} canManage />}
    </OperatorTenantPage>
  );
}

/** The client: their own tenant's appointments, read-only. */
export function ClientAppointmentsPage() {
  const { t } = useI18n();
  return (
    <ClientTenantPage title={t.appointments.title} description={t.appointments.subtitle}>
      {(tenantSlug) => <AppointmentsView tenantSlug={tenantSlug} canManage={false} />}
    </ClientTenantPage>
  );
}

/** Operators: a tenant's CRM leads, with a link to each conversation. */
export function TenantDealsPage() {
  const { t } = useI18n();
  return (
    <OperatorTenantPage title={t.deals.title} description={t.deals.subtitle}>
      {(tenantSlug) => <DealsView tenantSlug={tenantSlug} canOpenConversations />}
    </OperatorTenantPage>
  );
}

/** The client: their own tenant's CRM leads, read-only. */
export function ClientDealsPage() {
  const { t } = useI18n();
  return (
    <ClientTenantPage title={t.deals.title} description={t.deals.subtitle}>
      {(tenantSlug) => <DealsView tenantSlug={tenantSlug} canOpenConversations={false} />}
    </ClientTenantPage>
  );
}
