import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import { Badge, type BadgeTone } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Card, CardHeader } from "../../components/ui/card.tsx";
import { EmptyState, ErrorState, LoadingState, WarningNote } from "../../components/ui/states.tsx";
import { Table, TBody, Td, Th, THead, Tr } from "../../components/ui/table.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";
import { RemoveTemplateDialog, TemplateDialog, templateRef as ref, type Template } from "./template-dialogs.tsx";

const STATUS_TONES: Record<string, BadgeTone | undefined> = {
  approved: "green",
  pending: "blue",
  paused: "amber",
  rejected: "red",
  disabled: "red",
};

/**
 * The tenant's Meta templates with their status at Meta (kept current by Meta's template webhooks),
 * and what it means for the active agents: a paused template an agent relies on blocks its replies
 * outside the 24-hour window, as does one it names that the tenant lacks.
 */
export function TemplatesCard({ tenantSlug, className }: { tenantSlug: string; className?: string }) {
  const { t, dateTime } = useI18n();
  const trpc = useTRPC();
  const list = useQuery({ ...trpc.templates.list.queryOptions({ tenantSlug }), refetchInterval: 30_000 });
  // The form's template: null for a new one; undefined while closed.
  const [editing, setEditing] = useState<Template | null | undefined>(undefined);
  const [removing, setRemoving] = useState<Template | null>(null);
  const agentsOf = (tpl: Template) => [...new Set(tpl.usedBy.map((u) => u.agentSlug))].join(", ");
  const statusWord = (status: string) => t.templates.statuses[status] ?? status;
  const warnings = list.data
    ? [
        ...list.data.templates
          .filter((tpl) => tpl.status !== "approved" && tpl.usedBy.length > 0)
          .map((tpl) =>
            t.templates.blocked(ref(tpl), statusWord(tpl.status), agentsOf(tpl)),
          ),
        ...list.data.missing.map((m) =>
          t.templates.missing(m.agentSlug, t.templates.purposes[m.purpose] ?? m.purpose, ref(m)),
        ),
      ]
    : [];
  return (
    <Card className={className} data-testid="templates-card">
      <CardHeader
        title={t.templates.title}
        description={t.templates.subtitle}
        actions={
          <Button size="sm" onClick={() => setEditing(null)}>
            + {t.templates.add}
          </Button>
        }
      />
      {list.isPending ? (
        <LoadingState className="py-8" />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} className="py-8" />
      ) : (
        <>
          {warnings.length > 0 || (!list.data.wabaKnown && list.data.templates.length > 0) ? (
            <ul className="space-y-2 px-5 py-4">
              {warnings.map((warning) => (
                <WarningNote key={warning} as="li" data-testid="template-warning">
                  {warning}
                </WarningNote>
              ))}
              {!list.data.wabaKnown && list.data.templates.length > 0 ? (
                <li className="rounded-md bg-slate-50 px-3 py-2 text-xs text-slate-600 ring-1 ring-slate-200" data-testid="template-waba-unknown">
                  {t.templates.wabaUnknown}
                </li>
              ) : null}
            </ul>
          ) : null}
          {list.data.templates.length === 0 ? (
            <EmptyState title={t.templates.empty} description={t.templates.emptyHint} className="py-8" />
          ) : (
            <Table data-testid="templates-table">
              <THead>
                <tr>
                  <Th>{t.templates.template}</Th>
                  <Th>{t.templates.status}</Th>
                  <Th>{t.templates.usedBy}</Th>
                  <Th className="text-right">{t.common.actions}</Th>
                </tr>
              </THead>
              <TBody>
                {list.data.templates.map((tpl) => (
                  <Tr key={tpl.id} data-testid="template-row" data-name={tpl.name} data-status={tpl.status}>
                    <Td className="min-w-48 whitespace-normal">
                      <p className="font-mono text-sm break-all text-slate-900">
                        {tpl.name} <span className="text-slate-500">{tpl.language}</span>
                      </p>
                      <p className="line-clamp-2 text-xs text-slate-500" title={tpl.body}>
                        {tpl.purpose ? `${t.templates.purposes[tpl.purpose] ?? tpl.purpose} · ` : ""}
                        {tpl.body}
                      </p>
                    </Td>
                    <Td className="whitespace-normal">
                      <Badge tone={STATUS_TONES[tpl.status] ?? "gray"} data-testid="template-status">
                        {statusWord(tpl.status)}
                      </Badge>
                      {tpl.lastChange ? (
                        <p className="mt-1 text-xs text-slate-500" data-testid="template-meta-change">
                          {t.templates.metaChange(tpl.lastChange.event ?? "?", tpl.lastChange.reason, dateTime(tpl.lastChange.at))}
                        </p>
                      ) : null}
                    </Td>
                    <Td className="text-sm whitespace-normal text-slate-700">
                      {tpl.usedBy.length === 0 ? (
                        <span className="text-slate-400">{t.templates.nobody}</span>
                      ) : (
                        tpl.usedBy
                          .map((u) => `${u.agentSlug} (${t.templates.purposes[u.purpose] ?? u.purpose})`)
                          .join(", ")
                      )}
                    </Td>
                    <Td>
                      <div className="flex justify-end gap-1">
                        <Button size="sm" variant="ghost" onClick={() => setEditing(tpl)} aria-label={`${t.templates.edit} ${ref(tpl)}`}>
                          {t.templates.edit}
                        </Button>
                        <Button
                          size="sm"
                          variant="ghost"
                          disabled={tpl.usedBy.length > 0}
                          aria-describedby={tpl.usedBy.length > 0 ? `template-why-${tpl.id}` : undefined}
                          onClick={() => setRemoving(tpl)}
                          aria-label={`${t.common.remove} ${ref(tpl)}`}
                        >
                          {t.common.remove}
                        </Button>
                      </div>
                      {/* Why Remover is off, said on screen (a disabled button takes no focus, so no tooltip). */}
                      {tpl.usedBy.length > 0 ? (
                        <p id={`template-why-${tpl.id}`} className="mt-1 ml-auto max-w-64 text-right text-xs text-slate-500" data-testid="template-not-removable">
                          {t.templates.inUse(agentsOf(tpl))}
                        </p>
                      ) : null}
                    </Td>
                  </Tr>
                ))}
              </TBody>
            </Table>
          )}
        </>
      )}
      <TemplateDialog tenantSlug={tenantSlug} open={editing !== undefined} editing={editing ?? null} onClose={() => setEditing(undefined)} />
      <RemoveTemplateDialog tenantSlug={tenantSlug} template={removing} onClose={() => setRemoving(null)} />
    </Card>
  );
}
