import { useQuery } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";

import { Badge } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Card, CardHeader } from "../../components/ui/card.tsx";
import { ErrorState, LoadingState, WarningNote } from "../../components/ui/states.tsx";
import { Table, TBody, Td, Th, THead, Tr } from "../../components/ui/table.tsx";
import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import {
  CrmTokenDialog,
  PasteWebhookSecretDialog,
  RemoveCrmTokenDialog,
  RotateWebhookSecretDialog,
} from "./integrations-dialogs.tsx";

type Integrations = RouterOutputs["integrations"]["get"];
type IntegrationAgent = Integrations["agents"][number];
type Use = "handoff" | "calendar" | "crm";

/** Each signed call an active version makes: the agent, what it is for, where it goes. */
function signedUses(agents: IntegrationAgent[]): { agent: IntegrationAgent; use: Use; url: string }[] {
  return agents.flatMap((agent) => {
    const uses: { agent: IntegrationAgent; use: Use; url: string }[] = [];
    if (agent.handoffNotifyUrl) {
      uses.push({ agent, use: "handoff", url: agent.handoffNotifyUrl });
    }
    if (agent.calendarWebhookUrl) {
      uses.push({ agent, use: "calendar", url: agent.calendarWebhookUrl });
    }
    if (agent.crm?.backend === "webhook" && agent.crm.url) {
      uses.push({ agent, use: "crm", url: agent.crm.url });
    }
    return uses;
  });
}

/** The agents whose active version calls Pipedrive or RD Station with the CRM token. */
const crmTokenUsers = (agents: IntegrationAgent[]) =>
  agents.filter((a) => a.crm !== null && a.crm.backend !== "webhook");

type Open = "rotate" | "paste" | "crm" | "removeCrm" | null;

/**
 * The tenant's outgoing-webhook signing secret and CRM token (operators): whether each is set,
 * where the active versions use them, what would fail for want of one; a new secret made by the
 * server and shown once, or the receiver's own pasted; the CRM token set, replaced or removed. No
 * value is ever shown back, but the new secret, once.
 */
export function IntegrationsCard({ tenantSlug, className }: { tenantSlug: string; className?: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const query = useQuery(trpc.integrations.get.queryOptions({ tenantSlug }));
  const [open, setOpen] = useState<Open>(null);
  const close = () => setOpen(null);
  return (
    <Card className={className} data-testid="integrations-card">
      <CardHeader title={t.integrations.title} description={t.integrations.subtitle} />
      {query.isPending ? (
        <LoadingState className="py-8" />
      ) : query.isError ? (
        <ErrorState error={query.error} onRetry={() => void query.refetch()} className="py-8" />
      ) : (
        <IntegrationsBody data={query.data} onOpen={setOpen} />
      )}
      <RotateWebhookSecretDialog tenantSlug={tenantSlug} open={open === "rotate"} onClose={close} />
      <PasteWebhookSecretDialog tenantSlug={tenantSlug} open={open === "paste"} onClose={close} />
      <CrmTokenDialog
        tenantSlug={tenantSlug}
        open={open === "crm"}
        onClose={close}
        replacing={query.data?.crmToken.set ?? false}
      />
      <RemoveCrmTokenDialog tenantSlug={tenantSlug} open={open === "removeCrm"} onClose={close} />
    </Card>
  );
}

function IntegrationsBody({ data, onOpen }: { data: Integrations; onOpen: (open: Open) => void }) {
  const { t, dateTime } = useI18n();
  const backend = (name: string) => t.integrations.backends[name] ?? name;
  const warnings = data.warnings.map((w) =>
    w.kind === "crm_token_missing"
      ? t.integrations.crmTokenMissing(w.agentSlug, backend(w.backend))
      : t.integrations.webhookSecretMissing(w.agentSlug),
  );
  const uses = signedUses(data.agents);
  const crmUsers = crmTokenUsers(data.agents);
  const inUse = crmUsers.map((a) => a.slug).join(", ");
  return (
    <>
      {warnings.length > 0 ? (
        <ul className="space-y-2 px-5 pt-4">
          {warnings.map((warning) => (
            <WarningNote key={warning} as="li" data-testid="integration-warning">
              {warning}
            </WarningNote>
          ))}
        </ul>
      ) : null}
      <Section title={t.integrations.webhookTitle} set={data.webhookSecret.set} testId="webhook-secret">
        <p className="text-sm text-slate-600">{t.integrations.webhookBody}</p>
        <p className="text-xs text-slate-500" data-testid="signature-help">
          {t.integrations.verifyBefore}{" "}
          <code className="rounded bg-slate-100 px-1 py-0.5 font-mono break-all text-slate-700">
            {t.integrations.verifyHeader}
          </code>{" "}
          {t.integrations.verifyAfter}
        </p>
        {data.webhookSecret.previousUntil ? (
          <p className="text-sm text-amber-800" data-testid="webhook-secret-previous">
            {t.integrations.previousUntil(dateTime(data.webhookSecret.previousUntil))}
          </p>
        ) : null}
        {uses.length === 0 ? (
          <p className="text-sm text-slate-400">{t.integrations.noUses}</p>
        ) : (
          <Table data-testid="webhook-uses" className="rounded-md ring-1 ring-slate-100">
            <THead>
              <tr>
                <Th>{t.integrations.agent}</Th>
                <Th>{t.integrations.use}</Th>
                <Th>{t.integrations.url}</Th>
              </tr>
            </THead>
            <TBody>
              {uses.map(({ agent, use, url }) => (
                <Tr
                  key={`${agent.slug}-${use}`}
                  data-testid="webhook-use"
                  data-agent={agent.slug}
                  data-use={use}
                >
                  <Td className="whitespace-nowrap">
                    <AgentRef agent={agent} />
                  </Td>
                  <Td className="whitespace-nowrap">{t.integrations.uses[use]}</Td>
                  <Td className="font-mono text-xs break-all">{url}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
        <div className="flex flex-wrap gap-2">
          <Button size="sm" onClick={() => onOpen("rotate")}>
            {t.integrations.rotate}
          </Button>
          <Button size="sm" variant="secondary" onClick={() => onOpen("paste")}>
            {t.integrations.useExisting}
          </Button>
        </div>
      </Section>
      <Section
        title={t.integrations.crmTitle}
        set={data.crmToken.set}
        testId="crm-token"
        className="border-t border-slate-100"
      >
        <p className="text-sm text-slate-600">{t.integrations.crmBody}</p>
        {crmUsers.length === 0 ? (
          <p className="text-sm text-slate-400">{t.integrations.crmNobody}</p>
        ) : (
          <div className="text-sm text-slate-700">
            <p className="text-xs font-semibold tracking-wide text-slate-500 uppercase">
              {t.integrations.crmUsedBy}
            </p>
            <ul className="mt-1 space-y-1">
              {crmUsers.map((agent) => (
                <li
                  key={agent.slug}
                  className="flex flex-wrap items-baseline gap-x-2"
                  data-testid="crm-user"
                  data-agent={agent.slug}
                >
                  <AgentRef agent={agent} />
                  <span>{backend(agent.crm?.backend ?? "")}</span>
                  <span className="font-mono text-xs break-all text-slate-500">
                    {agent.crm?.url ?? t.integrations.defaultUrl}
                  </span>
                </li>
              ))}
            </ul>
          </div>
        )}
        <div className="flex flex-wrap items-center gap-2">
          <Button size="sm" onClick={() => onOpen("crm")}>
            {data.crmToken.set ? t.integrations.crmReplace : t.integrations.crmSet}
          </Button>
          {data.crmToken.set ? (
            <Button
              size="sm"
              variant="ghost"
              disabled={crmUsers.length > 0}
              aria-describedby={crmUsers.length > 0 ? "crm-in-use" : undefined}
              onClick={() => onOpen("removeCrm")}
            >
              {t.common.remove}
            </Button>
          ) : null}
        </div>
        {data.crmToken.set && crmUsers.length > 0 ? (
          <p id="crm-in-use" className="text-xs text-slate-500" data-testid="crm-in-use">
            {t.integrations.crmInUse(inUse)}
          </p>
        ) : null}
      </Section>
    </>
  );
}

/** One secret's part of the card: its name and whether it is set, then what is said of it. */
function Section({
  title,
  set,
  testId,
  className,
  children,
}: {
  title: string;
  set: boolean;
  testId: string;
  className?: string;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <section className={cn("space-y-3 px-5 py-4", className)} data-testid={testId}>
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
        <Badge tone={set ? "green" : "amber"} data-testid={`${testId}-state`}>
          {set ? t.integrations.set : t.integrations.notSet}
        </Badge>
      </div>
      {children}
    </section>
  );
}

/** `recepcao v1.0.0`: the agent and the active version the URL comes from. */
function AgentRef({ agent }: { agent: IntegrationAgent }) {
  return (
    <span>
      <span className="font-mono text-sm text-slate-900">{agent.slug}</span>{" "}
      <span className="text-xs text-slate-500">v{agent.activeVersion}</span>
    </span>
  );
}
