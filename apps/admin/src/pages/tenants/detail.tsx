import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";

import type { TTenantStatus } from "@lx/shared/schemas";

import { ChevronIcon } from "../../components/icons.tsx";
import { Badge } from "../../components/ui/badge.tsx";
import { Button, ButtonLink } from "../../components/ui/button.tsx";
import { Card, CardHeader } from "../../components/ui/card.tsx";
import { Page, PageHeader } from "../../components/ui/page.tsx";
import { EmptyState, ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { ActiveBadge, ApprovalBadge, TenantStatusBadge } from "../../components/ui/status.tsx";
import { Table, TBody, Td, Th, THead, Tr } from "../../components/ui/table.tsx";
import { NewAgentDialog } from "../../features/agents/new-agent-dialog.tsx";
import { CustomerDataCard } from "../../features/customers/customer-data-card.tsx";
import { NumbersCard } from "../../features/numbers/numbers-card.tsx";
import { SetupChecklistCard } from "../../features/setup/checklist.tsx";
import { IntegrationsCard } from "../../features/tenants/integrations-card.tsx";
import { RoutingCard } from "../../features/tenants/routing-card.tsx";
import { TemplatesCard } from "../../features/templates/templates-card.tsx";
import {
  BotStoppedBanner,
  TenantStatusCard,
  TenantStatusDialog,
} from "../../features/tenants/tenant-status.tsx";
import { AccountsCard, CLIENT_ACCESS_ID, clientAccessPath } from "../../features/users/accounts-card.tsx";
import { WAITING_POLL_MS, WaitingBadge } from "../../features/tenants/waiting-badge.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";
import { isTenantNotFound, TenantQueryState } from "./tenant-not-found.tsx";

export function TenantDetailPage() {
  const { tenantSlug = "" } = useParams();
  const { t, dateTime, number } = useI18n();
  const trpc = useTRPC();
  // Polled: the Conversas shortcut counts the customers waiting for a human (`waitingCount`) — not a
  // tenant that does not exist.
  const tenant = useQuery({
    ...trpc.tenants.bySlug.queryOptions({ tenantSlug }),
    refetchInterval: (query) =>
      isTenantNotFound({ isError: query.state.status === "error", error: query.state.error })
        ? false
        : WAITING_POLL_MS,
  });
  const agents = useQuery(trpc.agents.list.queryOptions({ tenantSlug }));
  /** The status the operator asked for, waiting for the dialog's confirmation. */
  const [statusTarget, setStatusTarget] = useState<TTenantStatus | null>(null);
  const [creatingAgent, setCreatingAgent] = useState(false);

  if (!tenant.isSuccess) {
    return <TenantQueryState tenantSlug={tenantSlug} queries={[tenant]} />;
  }

  const base = `/tenants/${tenant.data.slug}`;
  const shortcuts = [
    {
      to: `${base}/conversations`,
      label: t.tenant.conversations,
      soon: false,
      waiting: tenant.data.waitingCount,
    },
    { to: `${base}/setup`, label: t.tenant.setup, soon: false },
    { to: `${base}/metrics`, label: t.tenant.metrics, soon: false },
    { to: `${base}/appointments`, label: t.tenant.appointments, soon: false },
    { to: `${base}/deals`, label: t.tenant.deals, soon: false },
    { to: `/audit?tenant=${tenant.data.slug}`, label: t.tenant.auditOfTenant, soon: false },
    { to: clientAccessPath(tenant.data.slug), label: t.users.client.title, soon: false },
  ];

  return (
    <Page>
      <PageHeader
        crumbs={[{ label: t.tenants.title, to: "/tenants" }, { label: tenant.data.name }]}
        title={tenant.data.name}
        meta={
          <>
            <TenantStatusBadge status={tenant.data.status} />
            <span className="font-mono text-xs text-slate-500">{tenant.data.slug}</span>
            <span className="text-xs text-slate-400">·</span>
            <span className="text-xs text-slate-500">
              {t.tenants.numbers}: {number(tenant.data.numberCount)}
            </span>
            <span className="text-xs text-slate-400">·</span>
            <span className="text-xs text-slate-500">
              {t.tenant.routing}: {t.tenant.routingMode[tenant.data.routing.mode] ?? tenant.data.routing.mode}
            </span>
          </>
        }
      />
      <BotStoppedBanner
        status={tenant.data.status}
        className="mb-6"
        action={
          <Button size="sm" variant="secondary" onClick={() => setStatusTarget("active")}>
            {t.tenantStatus.resumeShort}
          </Button>
        }
      />
      <div className="grid gap-6 lg:grid-cols-[1fr_16rem]">
        {/* The status and actions column comes first in the DOM (and so in Tab order: it sits at the
            top right, where the eye starts); the grid puts it in the right column on large screens. */}
        <div className="space-y-6 self-start lg:col-start-2 lg:row-start-1" data-testid="tenant-side">
          <TenantStatusCard tenant={tenant.data} onChange={setStatusTarget} />
          <RoutingCard tenantSlug={tenant.data.slug} routing={tenant.data.routing} />
          <Card>
            <CardHeader title={t.tenant.links} />
            <ul className="p-2">
              {shortcuts.map((item) => (
                <li key={item.to}>
                  <Link
                    to={item.to}
                    className="flex items-center justify-between gap-2 rounded-md px-3 py-2 text-sm text-slate-700 hover:bg-slate-50 focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none"
                  >
                    <span>{item.label}</span>
                    <span className="flex items-center gap-1.5">
                      <WaitingBadge count={item.waiting ?? 0} data-testid="shortcut-waiting" />
                      {item.soon ? (
                        <Badge tone="gray" className="px-1.5 py-0 text-[10px]">
                          {t.common.comingSoon}
                        </Badge>
                      ) : null}
                      <ChevronIcon className="size-4 text-slate-400" />
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          </Card>
        </div>
        <div className="min-w-0 space-y-6 lg:col-start-1 lg:row-start-1">
          <Card>
            <CardHeader
              title={t.tenant.agentsTitle}
              description={t.tenant.agentsSubtitle}
              actions={
                <Button size="sm" onClick={() => setCreatingAgent(true)}>
                  + {t.tenant.newAgent}
                </Button>
              }
            />
            {agents.isPending ? (
              <LoadingState />
            ) : agents.isError ? (
              <ErrorState error={agents.error} onRetry={() => void agents.refetch()} />
            ) : agents.data.length === 0 ? (
              <EmptyState title={t.tenant.noAgents} />
            ) : (
              <Table data-testid="agents-table">
                <THead>
                  <tr>
                    <Th>{t.tenant.agent}</Th>
                    <Th>{t.tenant.activeVersion}</Th>
                    <Th className="text-right">{t.tenant.versions}</Th>
                    <Th>{t.tenant.updated}</Th>
                    <Th className="text-right">{t.common.actions}</Th>
                  </tr>
                </THead>
                <TBody>
                  {agents.data.map((agent) => (
                    <Tr key={agent.id} data-testid={`agent-row-${agent.slug}`}>
                      <Td>
                        <Link
                          to={`${base}/agents/${agent.slug}`}
                          className="rounded font-medium text-slate-900 hover:text-indigo-700 focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none"
                        >
                          {agent.name}
                        </Link>
                        <p className="font-mono text-xs text-slate-500">{agent.slug}</p>
                      </Td>
                      <Td>
                        {agent.activeVersion ? (
                          <div className="flex flex-wrap items-center gap-1.5">
                            <ActiveBadge label={t.agent.active(agent.activeVersion.version)} />
                            <ApprovalBadge status={agent.activeVersion.approvalStatus} />
                          </div>
                        ) : (
                          <Badge tone="amber">{t.tenant.noActive}</Badge>
                        )}
                      </Td>
                      <Td className="text-right tabular-nums">{number(agent.versionCount)}</Td>
                      <Td className="whitespace-nowrap text-slate-500">{dateTime(agent.updatedAt)}</Td>
                      <Td>
                        <div className="flex flex-wrap justify-end gap-2">
                          <ButtonLink to={`${base}/agents/${agent.slug}/spec`} size="sm" variant="secondary">
                            {t.tenant.editSpec}
                          </ButtonLink>
                          <ButtonLink to={`${base}/agents/${agent.slug}/versions`} size="sm" variant="ghost">
                            {t.tenant.openVersions}
                          </ButtonLink>
                        </div>
                      </Td>
                    </Tr>
                  ))}
                </TBody>
              </Table>
            )}
          </Card>
          <SetupChecklistCard tenantSlug={tenant.data.slug} />
          <NumbersCard tenantSlug={tenant.data.slug} />
          <IntegrationsCard tenantSlug={tenant.data.slug} />
          <TemplatesCard tenantSlug={tenant.data.slug} />
          <AccountsCard tenantSlug={tenant.data.slug} id={CLIENT_ACCESS_ID} className="scroll-mt-6" />
          <CustomerDataCard tenant={tenant.data} />
        </div>
      </div>
      <TenantStatusDialog tenant={tenant.data} target={statusTarget} onClose={() => setStatusTarget(null)} />
      <NewAgentDialog
        tenantSlug={tenant.data.slug}
        agents={agents.data ?? []}
        open={creatingAgent}
        onClose={() => setCreatingAgent(false)}
      />
    </Page>
  );
}
