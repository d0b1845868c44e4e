import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useParams } from "react-router";

import { useClientTenant } from "../../pages/client/use-client-tenant.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";
import { Badge } from "../ui/badge.tsx";
import { Page, PageHeader } from "../ui/page.tsx";
import { PageQueryState } from "../ui/states.tsx";

type TenantPageProps = {
  title: string;
  description: (tenantName: string) => ReactNode;
  className?: string;
  /** The page's body, given the tenant's slug. */
  children: (tenantSlug: string) => ReactNode;
};

/** An operator page about one tenant (`:tenantSlug`), under Tenants › <name>. */
export function OperatorTenantPage({ title, description, className = "max-w-6xl", children }: TenantPageProps) {
  const { tenantSlug = "" } = useParams();
  const { t } = useI18n();
  const trpc = useTRPC();
  const tenant = useQuery(trpc.tenants.bySlug.queryOptions({ tenantSlug }));
  const name = tenant.data?.name ?? tenantSlug;
  return (
    <Page className={className}>
      <PageHeader
        crumbs={[
          { label: t.tenants.title, to: "/tenants" },
          { label: name, to: `/tenants/${tenantSlug}` },
        ]}
        title={title}
        description={description(name)}
      />
      {children(tenantSlug)}
    </Page>
  );
}

/** A client page about their own tenant (the session decides which), marked read-only. */
export function ClientTenantPage({ title, description, className = "max-w-6xl", children }: TenantPageProps) {
  const { t } = useI18n();
  const tenant = useClientTenant();
  if (!tenant.isSuccess) {
    return <PageQueryState queries={[tenant]} />;
  }
  return (
    <Page className={className}>
      <PageHeader
        title={title}
        description={description(tenant.data.name)}
        meta={<Badge tone="gray">{t.metrics.readOnly}</Badge>}
      />
      {children(tenant.data.slug)}
    </Page>
  );
}
