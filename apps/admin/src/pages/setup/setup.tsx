import { useQuery } from "@tanstack/react-query";
import { useParams } from "react-router";

import { Page, PageHeader } from "../../components/ui/page.tsx";
import { SetupChecklistCard } from "../../features/setup/checklist.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";
import { isTenantNotFound, TenantNotFound } from "../tenants/tenant-not-found.tsx";

/** A tenant's "setup delivered" checklist on its own page (the tenant page shows it too). */
export function SetupPage() {
  const { tenantSlug = "" } = useParams();
  const { t } = useI18n();
  const trpc = useTRPC();
  const tenant = useQuery(trpc.tenants.bySlug.queryOptions({ tenantSlug }));
  if (isTenantNotFound(tenant)) {
    return <TenantNotFound tenantSlug={tenantSlug} />;
  }
  return (
    <Page className="max-w-3xl">
      <PageHeader
        crumbs={[
          { label: t.tenants.title, to: "/tenants" },
          { label: tenant.data?.name ?? tenantSlug, to: `/tenants/${tenantSlug}` },
        ]}
        title={t.setup.title}
      />
      <SetupChecklistCard tenantSlug={tenantSlug} />
    </Page>
  );
}
