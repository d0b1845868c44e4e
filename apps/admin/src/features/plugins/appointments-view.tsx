import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";

import { formatCustomerKey } from "@lx/shared/domain";

import { Badge, type BadgeTone } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Card } from "../../components/ui/card.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { Checkbox } from "../../components/ui/field.tsx";
import { LoadMore } from "../../components/ui/load-more.tsx";
import { EmptyState, ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { Table, TBody, Td, Th, THead, Tr } from "../../components/ui/table.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { cn } from "../../lib/cn.ts";
import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";

type Appointment = RouterOutputs["appointments"]["list"]["items"][number];
type When = "upcoming" | "past";

const STATUS_TONES: Record<string, BadgeTone> = {
  booked: "blue",
  confirmed: "green",
  cancelled: "gray",
  done: "indigo",
  no_show: "amber",
};

/** "qui., 03/12/2026 09:00" in the tenant's zone and the console's language. */
function formatIn(iso: string, timeZone: string, locale: string): string {
  try {
    return new Intl.DateTimeFormat(locale, {
      timeZone,
      weekday: "short",
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
      hour: "2-digit",
      minute: "2-digit",
    }).format(new Date(iso));
  } catch {
    return iso;
  }
}

/**
 * The calendar plugin's appointments of one tenant, upcoming (soonest first) or past (latest
 * first), in the tenant's time zone, paged with "load more". Operators may cancel a booked one and
 * open its conversation; the tenant's client reads only (`canManage` false).
 */
export function AppointmentsView({ tenantSlug, canManage }: { tenantSlug: string; canManage: boolean }) {
  const { t, locale } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [when, setWhen] = useState<When>("upcoming");
  const [cancelling, setCancelling] = useState<Appointment | null>(null);
  const [notifyCustomer, setNotifyCustomer] = useState(true);

  const list = useInfiniteQuery({
    ...trpc.appointments.list.infiniteQueryOptions({ tenantSlug, when, limit: 50 }, { getNextPageParam: (page) => page.nextCursor ?? undefined }),
    placeholderData: keepPreviousData,
    refetchInterval: 30_000,
  });
  const cancel = useMutation(
    trpc.appointments.cancel.mutationOptions({
      onSuccess: async (result) => {
        toast.success(result.notified ? t.appointments.cancelledNotified : t.appointments.cancelled);
        setCancelling(null);
        await queryClient.invalidateQueries(trpc.appointments.pathFilter());
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );

  const pages = list.data?.pages ?? [];
  const items = pages.flatMap((page) => page.items);
  const timeZone = pages[0]?.timeZone ?? "UTC";
  const at = (iso: string) => formatIn(iso, timeZone, locale);
  const who = (a: Appointment) => a.customerName ?? formatCustomerKey(a.customerKey);

  return (
    <Card data-testid="appointments">
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 px-4 py-3">
        <div role="tablist" aria-label={t.appointments.title} className="flex gap-1">
          {(["upcoming", "past"] as const).map((w) => (
            <button
              key={w}
              type="button"
              role="tab"
              aria-selected={when === w}
              onClick={() => setWhen(w)}
              className={cn(
                "rounded-md px-3 py-1.5 text-sm font-medium",
                when === w ? "bg-indigo-50 text-indigo-700" : "text-slate-500 hover:bg-slate-100 hover:text-slate-800",
              )}
            >
              {w === "upcoming" ? t.appointments.upcoming : t.appointments.past}
            </button>
          ))}
        </div>
        <span className="text-xs text-slate-500" data-testid="appointments-zone">
          {t.appointments.timeZone(timeZone)}
        </span>
      </div>
      {list.isPending ? (
        <LoadingState />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState
          title={when === "upcoming" ? t.appointments.empty : t.appointments.emptyPast}
          description={canManage ? t.appointments.emptyHint : t.appointments.emptyHintClient}
        />
      ) : (
        <Table>
          <THead>
            <tr>
              <Th>{t.appointments.when}</Th>
              <Th>{t.appointments.customer}</Th>
              <Th>{t.appointments.service}</Th>
              <Th>{t.appointments.status}</Th>
              <Th>{t.appointments.booked}</Th>
              {canManage ? <Th className="text-right">{t.common.actions}</Th> : null}
            </tr>
          </THead>
          <TBody>
            {items.map((a) => (
              <Tr key={a.id} data-testid="appointment">
                <Td className="whitespace-nowrap font-medium text-slate-900">{at(a.startsAt)}</Td>
                <Td>
                  <div className="text-slate-900">{who(a)}</div>
                  {a.customerName ? <div className="text-xs text-slate-500 tabular-nums">{formatCustomerKey(a.customerKey)}</div> : null}
                </Td>
                <Td className="text-slate-600">{a.service ?? t.appointments.noService}</Td>
                <Td>
                  <Badge tone={STATUS_TONES[a.status] ?? "gray"}>{t.appointments.statuses[a.status] ?? a.status}</Badge>
                </Td>
                <Td className="whitespace-nowrap text-slate-500">{at(a.createdAt)}</Td>
                {canManage ? (
                  <Td>
                    <div className="flex justify-end gap-2">
                      {a.conversationId ? (
                        <Link
                          className="rounded-md px-2 py-1 text-sm text-indigo-700 hover:bg-indigo-50"
                          to={`/tenants/${tenantSlug}/conversations?c=${a.conversationId}`}
                        >
                          {t.appointments.openConversation}
                        </Link>
                      ) : null}
                      {when === "upcoming" && (a.status === "booked" || a.status === "confirmed") ? (
                        <Button size="sm" variant="secondary" onClick={() => setCancelling(a)}>
                          {t.appointments.cancel}
                        </Button>
                      ) : null}
                    </div>
                  </Td>
                ) : null}
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
      <LoadMore list={list} label={t.appointments.loadMore} />
      <ConfirmDialog
        open={cancelling !== null}
        onClose={() => setCancelling(null)}
        onConfirm={() =>
          cancelling ? cancel.mutateAsync({ tenantSlug, appointmentId: cancelling.id, notifyCustomer }) : undefined
        }
        title={t.appointments.cancelTitle}
        description={cancelling ? t.appointments.cancelDescription(at(cancelling.startsAt), who(cancelling)) : undefined}
        confirmLabel={t.appointments.confirmCancel}
        confirmVariant="danger"
        busy={cancel.isPending}
      >
        {cancelling?.conversationId ? (
          <Checkbox
            label={t.appointments.notifyCustomer}
            checked={notifyCustomer}
            onChange={(event) => setNotifyCustomer(event.target.checked)}
          />
        ) : null}
      </ConfirmDialog>
    </Card>
  );
}
