import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useParams, useSearchParams } from "react-router";

import { CONVERSATION_MODES, INBOX_COUNT_CAP, type TConversationMode } from "@lx/shared/schemas";

import { Button, ButtonLink } from "../../components/ui/button.tsx";
import { Card } from "../../components/ui/card.tsx";
import { Input, Select } from "../../components/ui/field.tsx";
import { Page, PageHeader } from "../../components/ui/page.tsx";
import { EmptyState, ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { ModeBadge } from "../../features/conversations/badges.tsx";
import { LastMessagePreview } from "../../features/conversations/last-message-preview.tsx";
import {
  ConversationPanel,
  customerLabel,
  customerNumber,
  isTestCustomer,
  OfflineNotice,
} from "../../features/conversations/conversation-panel.tsx";
import { BotStoppedBanner } from "../../features/tenants/tenant-status.tsx";
import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import { isTenantNotFound, TenantNotFound } from "../tenants/tenant-not-found.tsx";

type Row = RouterOutputs["conversations"]["list"]["items"][number];

/** How often the list asks for new conversations and activity. */
const LIST_POLL_MS = 5000;

/**
 * How often it does while a search is open. The plain list reads one page off an index; a search
 * goes through trigram indexes, but a term in thousands of messages still reads the last message of
 * the conversations it considers, for the page and again for the counts (60,000 conversations:
 * ~0.5 s; docs/console.md), and polling that every 5 s for as long as the search stays on screen kept
 * a core busy for nothing: what a search finds changes little within a minute.
 */
const SEARCH_POLL_MS = 60_000;

function isMode(value: string | null): value is TConversationMode {
  return value !== null && (CONVERSATION_MODES as readonly string[]).includes(value);
}

function ConversationItem({
  row,
  selected,
  onSelect,
}: {
  row: Row;
  selected: boolean;
  onSelect: () => void;
}) {
  const { t, relative } = useI18n();
  const activity = row.lastMessageAt ?? row.createdAt;
  return (
    <li>
      <button
        type="button"
        onClick={onSelect}
        aria-current={selected ? "true" : undefined}
        data-testid="conversation-row"
        data-conversation-id={row.id}
        data-mode={row.mode}
        data-erased={row.erasedAt !== null ? "true" : undefined}
        className={cn(
          "block w-full border-l-2 px-4 py-3 text-left transition-colors outline-none focus-visible:bg-indigo-50",
          selected ? "border-l-indigo-600 bg-indigo-50/70" : "border-l-transparent hover:bg-slate-50",
        )}
      >
        <div className="flex items-center justify-between gap-2">
          <span className="truncate text-sm font-medium text-slate-900" title={customerLabel(row, t.inbox)}>
            {customerLabel(row, t.inbox)}
          </span>
          <time className="shrink-0 text-[11px] text-slate-400" dateTime={activity} title={activity}>
            {relative(activity)}
          </time>
        </div>
        {/* The number tells apart customers who share a profile name ("Sandbox"). */}
        {row.customerName !== null && customerNumber(row) !== null ? (
          <p className="truncate text-[11px] text-slate-500 tabular-nums" data-testid="conversation-number">
            {customerNumber(row)}
            {isTestCustomer(row) ? <span className="ml-1 text-slate-400">({t.inbox.testCustomer})</span> : null}
          </p>
        ) : null}
        <p className="mt-0.5 truncate text-xs text-slate-500">
          {row.lastMessage ? (
            <LastMessagePreview message={row.lastMessage} />
          ) : (
            t.inbox.noMessages
          )}
        </p>
        <div className="mt-1.5 flex items-center gap-1.5">
          <ModeBadge mode={row.mode} className="px-1.5 py-0 text-[10px]" />
          <span className="truncate text-[11px] text-slate-400">{row.agent?.slug ?? t.inbox.noAgent}</span>
        </div>
      </button>
    </li>
  );
}

/**
 * Why the list is empty, and the way out: nothing yet (no search, no filter), a search without hits,
 * or filters without hits.
 */
function InboxEmpty({
  search,
  filtered,
  onClearSearch,
  onClearFilters,
}: {
  search: string;
  filtered: boolean;
  onClearSearch: () => void;
  onClearFilters: () => void;
}) {
  const { t } = useI18n();
  if (search === "" && !filtered) {
    return <EmptyState title={t.inbox.empty} description={t.inbox.emptyHint} />;
  }
  return (
    <EmptyState
      title={search !== "" ? t.inbox.emptySearch(search) : t.inbox.emptyFiltered}
      description={search !== "" ? t.inbox.emptySearchHint : t.inbox.emptyFilteredHint}
      action={
        <div className="flex flex-wrap justify-center gap-2">
          {search !== "" ? (
            <Button size="sm" variant="secondary" onClick={onClearSearch}>
              {t.inbox.clearSearch}
            </Button>
          ) : null}
          {filtered ? (
            <Button size="sm" variant="secondary" onClick={onClearFilters}>
              {t.inbox.clearFilters}
            </Button>
          ) : null}
        </div>
      }
    />
  );
}

export function ConversationsInboxPage() {
  const { tenantSlug = "" } = useParams();
  const { t, number } = useI18n();
  const trpc = useTRPC();
  const [params, setParams] = useSearchParams();
  const agentSlug = params.get("agent") ?? "";
  const modeParam = params.get("mode");
  const mode = isMode(modeParam) ? modeParam : undefined;
  const search = params.get("q") ?? "";
  const selected = params.get("c");
  const [searchText, setSearchText] = useState(search);

  const tenant = useQuery(trpc.tenants.bySlug.queryOptions({ tenantSlug }));
  const agents = useQuery(trpc.agents.list.queryOptions({ tenantSlug }));
  const list = useInfiniteQuery({
    ...trpc.conversations.list.infiniteQueryOptions(
      {
        tenantSlug,
        agentSlug: agentSlug || undefined,
        mode,
        search: search.trim() || undefined,
        limit: 25,
      },
      { getNextPageParam: (last) => last.nextCursor ?? undefined },
    ),
    refetchInterval: search.trim() ? SEARCH_POLL_MS : LIST_POLL_MS,
    placeholderData: keepPreviousData,
  });

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value === null || value === "") {
        next.delete(key);
      } else {
        next.set(key, value);
      }
    }
    setParams(next);
  };

  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    update({ q: searchText.trim() });
  };

  const counts = list.data?.pages[0]?.counts;
  // "1,000+" for a mode counted past the cap (the server stops counting there), and a total above it.
  const countLabel = (n: number, capped: boolean) => `${number(n)}${capped ? "+" : ""}`;
  const total = counts ? Object.values(counts).reduce((a, b) => a + Math.min(b, INBOX_COUNT_CAP), 0) : null;
  // A mode counted past the cap makes the total a lower bound too.
  const totalCapped = counts ? Object.values(counts).some((n) => n > INBOX_COUNT_CAP) : false;
  const rows = list.data?.pages.flatMap((page) => page.items) ?? [];

  if (isTenantNotFound(tenant)) {
    return <TenantNotFound tenantSlug={tenantSlug} />;
  }
  return (
    <Page className="max-w-[96rem]">
      <PageHeader
        crumbs={[
          { label: t.tenants.title, to: "/tenants" },
          { label: tenant.data?.name ?? tenantSlug, to: `/tenants/${tenantSlug}` },
        ]}
        title={t.inbox.title}
        description={t.inbox.subtitle}
      />
      {tenant.data ? (
        <BotStoppedBanner
          status={tenant.data.status}
          inbox
          className="mb-4"
          action={
            <ButtonLink to={`/tenants/${tenantSlug}`} size="sm" variant="secondary">
              {t.tenantStatus.openTenant}
            </ButtonLink>
          }
        />
      ) : null}
      <Card className="flex h-[calc(100vh-12rem)] min-h-[32rem] overflow-hidden max-md:h-auto max-md:flex-col">
        {/* On a phone, an open thread takes the screen; "back" returns to the list. */}
        <aside
          className={cn(
            "flex w-96 shrink-0 flex-col border-r border-slate-200 max-md:max-h-[28rem] max-md:w-full max-md:border-r-0 max-md:border-b",
            selected && "max-md:hidden",
          )}
        >
          <form
            onSubmit={onSearch}
            aria-label={t.inbox.filters}
            className="space-y-2 border-b border-slate-200 p-3"
          >
            <div className="flex gap-2">
              <label htmlFor="inbox-search" className="sr-only">
                {t.inbox.search}
              </label>
              <Input
                id="inbox-search"
                type="search"
                value={searchText}
                placeholder={t.inbox.searchPlaceholder}
                onChange={(event) => setSearchText(event.target.value)}
              />
              <Button type="submit" variant="secondary">
                {t.inbox.search}
              </Button>
            </div>
            <label htmlFor="inbox-agent" className="sr-only">
              {t.inbox.agent}
            </label>
            <Select
              id="inbox-agent"
              value={agentSlug}
              onChange={(event) => update({ agent: event.target.value })}
            >
              <option value="">{t.inbox.allAgents}</option>
              {(agents.data ?? []).map((agent) => (
                <option key={agent.id} value={agent.slug}>
                  {agent.name} ({agent.slug})
                </option>
              ))}
            </Select>
            <div role="group" aria-label={t.inbox.mode} className="flex flex-wrap gap-1">
              {[undefined, ...CONVERSATION_MODES].map((value) => {
                const active = value === mode;
                const count = value === undefined ? total : counts ? Math.min(counts[value], INBOX_COUNT_CAP) : undefined;
                const capped = value === undefined ? totalCapped : (counts?.[value] ?? 0) > INBOX_COUNT_CAP;
                return (
                  <button
                    key={value ?? "all"}
                    type="button"
                    aria-pressed={active}
                    onClick={() => update({ mode: value ?? null })}
                    className={cn(
                      "rounded-full px-2.5 py-1 text-xs font-medium ring-1 ring-inset transition-colors outline-none focus-visible:ring-2 focus-visible:ring-indigo-500",
                      active
                        ? "bg-indigo-600 text-white ring-indigo-600"
                        : "bg-white text-slate-600 ring-slate-200 hover:bg-slate-50",
                    )}
                  >
                    {value === undefined ? t.inbox.allModes : (t.inbox.modes[value] ?? value)}
                    {count !== undefined && count !== null ? (
                      <span
                        className={cn("ml-1 tabular-nums", active ? "text-indigo-100" : "text-slate-400")}
                      >
                        {countLabel(count, capped)}
                      </span>
                    ) : null}
                  </button>
                );
              })}
            </div>
          </form>
          {/* An error after the list was loaded keeps it on screen, with a notice; the poll keeps trying. */}
          {list.isError && list.data ? <OfflineNotice onRetry={() => void list.refetch()} /> : null}
          <div className="min-h-0 flex-1 overflow-y-auto" data-testid="conversation-list">
            {list.isPending ? (
              <LoadingState />
            ) : !list.data ? (
              <ErrorState error={list.error} onRetry={() => void list.refetch()} />
            ) : rows.length === 0 ? (
              <InboxEmpty
                search={search.trim()}
                filtered={agentSlug !== "" || mode !== undefined}
                onClearSearch={() => {
                  setSearchText("");
                  update({ q: null });
                }}
                onClearFilters={() => update({ agent: null, mode: null })}
              />
            ) : (
              <>
                <ul className={cn("divide-y divide-slate-100", list.isPlaceholderData && "opacity-60")}>
                  {rows.map((row) => (
                    <ConversationItem
                      key={row.id}
                      row={row}
                      selected={row.id === selected}
                      onSelect={() => update({ c: row.id })}
                    />
                  ))}
                </ul>
                {list.hasNextPage ? (
                  <div className="p-3">
                    <Button
                      variant="secondary"
                      size="sm"
                      className="w-full"
                      loading={list.isFetchingNextPage}
                      onClick={() => void list.fetchNextPage()}
                    >
                      {t.inbox.loadMore}
                    </Button>
                  </div>
                ) : null}
              </>
            )}
          </div>
        </aside>
        <section
          className={cn("flex min-w-0 flex-1 flex-col", selected ? "max-md:h-[85vh]" : "max-md:min-h-48")}
          aria-label={t.inbox.thread}
        >
          {selected ? (
            <button
              type="button"
              onClick={() => update({ c: null })}
              className="border-b border-slate-200 px-4 py-2.5 text-left text-sm font-medium text-indigo-700 outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 md:hidden"
            >
              ← {t.inbox.backToList}
            </button>
          ) : null}
          {selected ? (
            <ConversationPanel
              key={selected}
              tenantSlug={tenantSlug}
              conversationId={selected}
              agents={agents.data ?? []}
            />
          ) : (
            <EmptyState className="flex-1" title={t.inbox.selectPrompt} />
          )}
        </section>
      </Card>
    </Page>
  );
}
