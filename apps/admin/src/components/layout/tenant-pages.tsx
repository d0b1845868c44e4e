import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useParams } from "react-router";

import { useClientTenant } from "../../pages/client/use-client-tenant.ts";
import { isTenantNotFound, TenantNotFound } from "../../pages/tenants/tenant-not-found.tsx";
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

/**
 * An operator page about one tenant (`:tenantSlug`), under Tenants › <name>; the tenant not found
 * when no tenant has that slug. The description waits for the tenant's name (never the slug).
 */
export function OperatorTenantPage({
  title,
  description,
  className = "max-w-6xl",
  children,
}: TenantPageProps) {
  const { tenantSlug = "" } = useParams();
  const { t } = useI18n();
  const trpc = useTRPC();
  const tenant = useQuery(trpc.tenants.bySlug.queryOptions({ tenantSlug }));
  if (isTenantNotFound(tenant)) {
    return <TenantNotFound tenantSlug={tenantSlug} />;
  }
  const name = tenant.data?.name;
  return (
    <Page className={className}>
      <PageHeader
        crumbs={[
          { label: t.tenants.title, to: "/tenants" },
          { label: name ?? tenantSlug, to: `/tenants/${tenantSlug}` },
        ]}
        title={title}
        description={name === undefined ? undefined : description(name)}
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
