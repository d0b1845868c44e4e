import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link } from "react-router";

import { ButtonLink } from "../../components/ui/button.tsx";
import { Card } from "../../components/ui/card.tsx";
import { Input } from "../../components/ui/field.tsx";
import { Page, PageHeader } from "../../components/ui/page.tsx";
import { EmptyState, ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { TenantStatusBadge } from "../../components/ui/status.tsx";
import { Table, TBody, Td, Th, THead, Tr } from "../../components/ui/table.tsx";
import { WAITING_POLL_MS, WaitingBadge } from "../../features/tenants/waiting-badge.tsx";
import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";

/** Lower case without accents: "clinica" finds "Clínica", "sao joao" finds "São João". */
function folded(text: string): string {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

export function TenantsListPage() {
  const { t, dateTime, number } = useI18n();
  const trpc = useTRPC();
  // Polled so the customers waiting for a human (`waitingCount`) stay current on an open list.
  const tenants = useQuery({ ...trpc.tenants.list.queryOptions(), refetchInterval: WAITING_POLL_MS });
  const [search, setSearch] = useState("");
  /** Tenants whose customers wait for a human first (most waiting first), instead of by name. */
  const [byWaiting, setByWaiting] = useState(false);

  const rows = useMemo(() => {
    const needle = folded(search.trim());
    // Archived tenants (clients who left) after the others, each group in the API's order (by name).
    const all = [...(tenants.data ?? [])].sort(
      (a, b) =>
        (byWaiting ? b.waitingCount - a.waitingCount : 0) ||
        Number(a.status === "archived") - Number(b.status === "archived"),
    );
    return needle === ""
      ? all
      : all.filter((tenant) => folded(tenant.name).includes(needle) || tenant.slug.includes(needle));
  }, [tenants.data, search, byWaiting]);

  return (
    <Page>
      <PageHeader
        title={t.tenants.title}
        description={t.tenants.subtitle}
        actions={
          <ButtonLink to="/tenants/new" variant="secondary">
            {t.tenants.newTenant}
          </ButtonLink>
        }
      />
      <Card>
        <div className="flex items-center justify-between gap-3 border-b border-slate-100 px-5 py-3">
          <Input
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            placeholder={t.tenants.search}
            aria-label={t.tenants.search}
            className="max-w-xs"
          />
          {tenants.data ? (
            <span className="text-xs whitespace-nowrap text-slate-500">
              {number(rows.length)} / {number(tenants.data.length)}
            </span>
          ) : null}
        </div>
        {tenants.isPending ? (
          <LoadingState />
        ) : tenants.isError ? (
          <ErrorState error={tenants.error} onRetry={() => void tenants.refetch()} />
        ) : tenants.data.length === 0 ? (
          <EmptyState title={t.tenants.empty} description={t.tenants.emptyHint} />
        ) : rows.length === 0 ? (
          <EmptyState title={t.tenants.noMatch} />
        ) : (
          <Table data-testid="tenants-table">
            <THead>
              <tr>
                <Th>{t.tenants.name}</Th>
                <Th>{t.tenants.status}</Th>
                <Th className="text-right">{t.tenants.numbers}</Th>
                <Th className="text-right">{t.tenants.agents}</Th>
                <Th className="text-right" aria-sort={byWaiting ? "descending" : "none"}>
                  <button
                    type="button"
                    onClick={() => setByWaiting((on) => !on)}
                    aria-pressed={byWaiting}
                    title={t.tenants.sortByWaiting}
                    data-testid="sort-by-waiting"
                    className={cn(
                      "inline-flex items-center gap-1 rounded uppercase hover:text-slate-900 focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none",
                      byWaiting && "text-amber-700",
                    )}
                  >
                    {t.tenants.waiting}
                    <span aria-hidden>{byWaiting ? "↓" : "↕"}</span>
                  </button>
                </Th>
                <Th>{t.tenants.created}</Th>
              </tr>
            </THead>
            <TBody>
              {rows.map((tenant) => (
                <Tr
                  key={tenant.id}
                  data-testid="tenant-row"
                  data-slug={tenant.slug}
                  data-status={tenant.status}
                  data-waiting={tenant.waitingCount}
                  className={cn(
                    tenant.status === "archived" && "bg-slate-50/60 text-slate-500",
                    tenant.waitingCount > 0 && "bg-amber-50/60",
                  )}
                >
                  <Td>
                    <Link
                      to={`/tenants/${tenant.slug}`}
                      className={cn(
                        "rounded font-medium hover:text-indigo-700 focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none",
                        tenant.status === "archived" ? "text-slate-500" : "text-slate-900",
                      )}
                    >
                      {tenant.name}
                    </Link>
                    <p className="font-mono text-xs text-slate-500">{tenant.slug}</p>
                  </Td>
                  <Td>
                    <TenantStatusBadge status={tenant.status} />
                  </Td>
                  <Td className="text-right tabular-nums">{number(tenant.numberCount)}</Td>
                  <Td className="text-right tabular-nums">{number(tenant.agentCount)}</Td>
                  <Td className="text-right">
                    {tenant.waitingCount > 0 ? (
                      <Link
                        to={`/tenants/${tenant.slug}/conversations?mode=pending_human`}
                        className="rounded focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none"
                      >
                        <WaitingBadge count={tenant.waitingCount} data-testid="tenant-waiting" />
                      </Link>
                    ) : (
                      <span className="text-slate-400">
                        <span aria-hidden>—</span>
                        <span className="sr-only">{t.nav.waiting(0)}</span>
                      </span>
                    )}
                  </Td>
                  <Td className="whitespace-nowrap text-slate-500">{dateTime(tenant.createdAt)}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </Card>
    </Page>
  );
}
