import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { formatCustomerKey } from "@lx/shared/domain";

import { Badge } from "../../components/ui/badge.tsx";
import { Card } from "../../components/ui/card.tsx";
import { LoadMore } from "../../components/ui/load-more.tsx";
import { EmptyState, ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { Table, TBody, Td, Th, THead, Tr } from "../../components/ui/table.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";

/**
 * The CRM plugin's deals of one tenant, newest first, with the qualifying answers and the CRM's id;
 * operators also get a link to each conversation. Read-only for everyone (the CRM is the place to
 * work a lead).
 */
export function DealsView({ tenantSlug, canOpenConversations }: { tenantSlug: string; canOpenConversations: boolean }) {
  const { t, dateTime } = useI18n();
  const trpc = useTRPC();
  const list = useInfiniteQuery({
    ...trpc.deals.list.infiniteQueryOptions({ tenantSlug, limit: 50 }, { getNextPageParam: (page) => page.nextCursor ?? undefined }),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
  const items = (list.data?.pages ?? []).flatMap((page) => page.items);
  return (
    <Card data-testid="deals">
      {list.isPending ? (
        <LoadingState />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState
          title={t.deals.empty}
          description={canOpenConversations ? t.deals.emptyHint : t.deals.emptyHintClient}
        />
      ) : (
        <Table>
          <THead>
            <tr>
              <Th>{t.deals.when}</Th>
              <Th>{t.deals.deal}</Th>
              <Th>{t.deals.customer}</Th>
              <Th>{t.deals.answers}</Th>
              <Th>{t.deals.crm}</Th>
            </tr>
          </THead>
          <TBody>
            {items.map((d) => (
              <Tr key={d.id} data-testid="deal">
                <Td className="whitespace-nowrap text-slate-500">{dateTime(d.createdAt)}</Td>
                <Td className="font-medium text-slate-900">{d.title}</Td>
                <Td>
                  {canOpenConversations && d.conversationId ? (
                    <Link className="text-indigo-700 hover:underline" to={`/tenants/${tenantSlug}/conversations?c=${d.conversationId}`}>
                      {d.customerName ?? (d.customerKey ? formatCustomerKey(d.customerKey) : "—")}
                    </Link>
                  ) : (
                    <span className="text-slate-900">{d.customerName ?? (d.customerKey ? formatCustomerKey(d.customerKey) : "—")}</span>
                  )}
                </Td>
                <Td>
                  <dl className="grid grid-cols-[auto_1fr] gap-x-2 text-xs">
                    {Object.entries(d.fields).map(([key, value]) => (
                      <div key={key} className="contents">
                        <dt className="text-slate-500">{key}</dt>
                        <dd className="text-slate-800">{typeof value === "string" ? value : JSON.stringify(value)}</dd>
                      </div>
                    ))}
                  </dl>
                </Td>
                <Td>
                  <div className="flex flex-col items-start gap-1">
                    <Badge tone="indigo">{t.deals.backends[d.backend] ?? d.backend}</Badge>
                    {d.externalId ? <span className="font-mono text-xs text-slate-500">#{d.externalId}</span> : null}
                  </div>
                </Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
      <LoadMore list={list} label={t.deals.loadMore} />
    </Card>
  );
}
