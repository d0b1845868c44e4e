import { useQuery } from "@tanstack/react-query";

import { ChartIcon } from "../../components/icons.tsx";
import { Badge } from "../../components/ui/badge.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { Page, PageHeader } from "../../components/ui/page.tsx";
import { ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { ActiveBadge, ApprovalBadge } from "../../components/ui/status.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";
import { useClientTenant } from "./use-client-tenant.ts";

/**
 * The client's metrics page. TODO(issue 5): charts per day and per agent version once the metrics
 * API exists; until then it says so and shows no numbers (never invented data). Only the agents and
 * their live versions, which are real, are listed.
 */
export function ClientMetricsPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const tenant = useClientTenant();
  const tenantSlug = tenant.data?.slug ?? "";
  const agents = useQuery({ ...trpc.agents.list.queryOptions({ tenantSlug }), enabled: tenantSlug !== "" });

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
    <Page>
      <PageHeader title={t.client.metricsTitle} description={t.client.metricsSubtitle(tenant.data.name)} />
      <div className="grid gap-6 lg:grid-cols-[1fr_20rem]">
        <Card data-testid="metrics-coming">
          <CardBody className="flex flex-col items-start gap-4 py-8">
            <div className="flex size-12 items-center justify-center rounded-full bg-indigo-50 text-indigo-600">
              <ChartIcon className="size-6" />
            </div>
            <div>
              <Badge tone="amber">{t.common.comingSoon}</Badge>
              <h2 className="mt-3 text-lg font-semibold text-slate-900">{t.client.metricsComing}</h2>
              <p className="mt-2 max-w-xl text-sm text-slate-600">{t.client.metricsComingBody}</p>
            </div>
            <ul className="grid gap-2 text-sm text-slate-700 sm:grid-cols-2">
              {t.client.metricsList.map((item) => (
                <li key={item} className="flex gap-2 rounded-lg bg-slate-50 px-3 py-2 ring-1 ring-slate-200">
                  <span className="text-slate-400" aria-hidden>
                    •
                  </span>
                  {item}
                </li>
              ))}
            </ul>
            <p className="text-xs text-slate-400">{t.placeholder.honest}</p>
          </CardBody>
        </Card>
        <Card className="self-start">
          <CardHeader title={t.client.yourAgents} />
          <CardBody>
            {agents.isPending ? (
              <LoadingState className="py-6" />
            ) : agents.isError ? (
              <ErrorState error={agents.error} className="py-6" />
            ) : (
              <ul className="space-y-3">
                {agents.data.map((agent) => (
                  <li key={agent.id}>
                    <p className="text-sm font-medium text-slate-900">{agent.name}</p>
                    <div className="mt-1 flex flex-wrap gap-1.5">
                      {agent.activeVersion ? (
                        <>
                          <ActiveBadge label={t.agent.active(agent.activeVersion.version)} />
                          <ApprovalBadge status={agent.activeVersion.approvalStatus} />
                        </>
                      ) : (
                        <Badge tone="amber">{t.tenant.noActive}</Badge>
                      )}
                    </div>
                  </li>
                ))}
              </ul>
            )}
          </CardBody>
        </Card>
      </div>
    </Page>
  );
}
