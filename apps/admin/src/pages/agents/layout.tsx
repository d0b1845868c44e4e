import { useQuery } from "@tanstack/react-query";
import { Outlet, useParams } from "react-router";

import { Badge } from "../../components/ui/badge.tsx";
import { Page, PageHeader } from "../../components/ui/page.tsx";
import { EmptyState } from "../../components/ui/states.tsx";
import { ActiveBadge, ApprovalBadge } from "../../components/ui/status.tsx";
import { RouteTabs } from "../../components/ui/tabs.tsx";
import { DraftProvider } from "../../features/draft/draft-context.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";
import { TenantQueryState } from "../tenants/tenant-not-found.tsx";

/**
 * An agent's pages (spec, compile, versions, tests, test chat) under one header. The draft lives here, so
 * the editor and the compile view share it and a tab switch never loses an edit.
 */
export function AgentLayout() {
  const { tenantSlug = "", agentSlug = "" } = useParams();
  const { t } = useI18n();
  const trpc = useTRPC();
  const tenant = useQuery(trpc.tenants.bySlug.queryOptions({ tenantSlug }));
  const agents = useQuery(trpc.agents.list.queryOptions({ tenantSlug }));

  if (!tenant.isSuccess || !agents.isSuccess) {
    return <TenantQueryState tenantSlug={tenantSlug} queries={[tenant, agents]} />;
  }
  const agent = agents.data.find((candidate) => candidate.slug === agentSlug);
  if (!agent) {
    return (
      <Page>
        <EmptyState title={t.errors.byCode.NOT_FOUND ?? ""} description={agentSlug} />
      </Page>
    );
  }

  const base = `/tenants/${tenantSlug}/agents/${agentSlug}`;
  return (
    <Page className="max-w-7xl">
      <PageHeader
        crumbs={[
          { label: t.tenants.title, to: "/tenants" },
          { label: tenant.data.name, to: `/tenants/${tenantSlug}` },
          { label: agent.name },
        ]}
        title={agent.name}
        meta={
          <>
            <span className="font-mono text-xs text-slate-500">{agent.slug}</span>
            {agent.activeVersion ? (
              <>
                <ActiveBadge label={t.agent.active(agent.activeVersion.version)} />
                <ApprovalBadge status={agent.activeVersion.approvalStatus} />
              </>
            ) : (
              <Badge tone="amber">{t.tenant.noActive}</Badge>
            )}
          </>
        }
      />
      <RouteTabs
        label={agent.name}
        items={[
          { to: `${base}/spec`, label: t.agent.tabs.spec },
          { to: `${base}/compile`, label: t.agent.tabs.compile },
          { to: `${base}/versions`, label: t.agent.tabs.versions },
          { to: `${base}/tests`, label: t.agent.tabs.tests },
          { to: `${base}/test-chat`, label: t.agent.tabs.testChat },
        ]}
      />
      <DraftProvider key={`${tenantSlug}/${agentSlug}`} tenantSlug={tenantSlug} agentSlug={agentSlug}>
        <Outlet />
      </DraftProvider>
    </Page>
  );
}
