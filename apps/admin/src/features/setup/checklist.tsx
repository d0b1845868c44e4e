import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";

import { formatPhone } from "@lx/shared/domain";

import { Badge } from "../../components/ui/badge.tsx";
import { Card, CardHeader } from "../../components/ui/card.tsx";
import { ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";
import { clientAccessPath } from "../users/accounts-card.tsx";

const MARKS = {
  done: { mark: "✓", className: "bg-emerald-100 text-emerald-700" },
  sandbox: { mark: "✓", className: "bg-amber-100 text-amber-700" },
  pending: { mark: "", className: "bg-white ring-1 ring-slate-300 ring-inset" },
} as const;

/** An item's evidence as the console writes it: the answering number formatted like the numbers card's. */
function evidenceText(item: { key: string; evidence: string | null }): string {
  const evidence = item.evidence ?? "";
  return item.key === "number_answered" ? formatPhone(evidence) : evidence;
}

/** The tenant's "setup delivered" checklist, as the API computes it (refreshed every 10 s). */
export function SetupChecklistCard({ tenantSlug, className }: { tenantSlug: string; className?: string }) {
  const { t, dateTime } = useI18n();
  const trpc = useTRPC();
  const checklist = useQuery({
    ...trpc.setup.checklist.queryOptions({ tenantSlug }),
    refetchInterval: 10_000,
  });
  const done = checklist.data?.items.filter((item) => item.status !== "pending").length ?? 0;
  const total = checklist.data?.items.length ?? 0;
  return (
    <Card className={className} data-testid="setup-checklist">
      <CardHeader
        title={t.setup.title}
        description={t.setup.subtitle}
        actions={
          checklist.data ? (
            checklist.data.complete ? (
              <Badge tone={checklist.data.sandboxOnly ? "amber" : "green"} dot data-testid="setup-complete">
                {checklist.data.sandboxOnly ? t.setup.completeSandbox : t.setup.complete}
              </Badge>
            ) : (
              <Badge tone="gray" data-testid="setup-progress">
                {t.setup.progress(done, total)}
              </Badge>
            )
          ) : null
        }
      />
      {checklist.isPending ? (
        <LoadingState className="py-8" />
      ) : checklist.isError ? (
        <ErrorState error={checklist.error} onRetry={() => void checklist.refetch()} className="py-8" />
      ) : (
        <ol className="divide-y divide-slate-100">
          {checklist.data.items.map((item) => {
            const words = t.setup.items[item.key];
            const mark = MARKS[item.status];
            return (
              <li
                key={item.key}
                className="flex gap-3 px-5 py-3"
                data-testid="setup-item"
                data-key={item.key}
                data-status={item.status}
              >
                <span
                  className={cn(
                    "mt-0.5 flex size-5 shrink-0 items-center justify-center rounded-full text-xs font-bold",
                    mark.className,
                  )}
                  aria-hidden
                >
                  {mark.mark}
                </span>
                <div className="min-w-0 flex-1">
                  <div className="flex flex-wrap items-center gap-2">
                    <p className="text-sm font-medium text-slate-900">{words?.title ?? item.key}</p>
                    <Badge
                      tone={item.status === "done" ? "green" : item.status === "sandbox" ? "amber" : "gray"}
                      className="px-1.5 py-0 text-[10px]"
                    >
                      {t.setup.statuses[item.status] ?? item.status}
                    </Badge>
                  </div>
                  <p className="mt-0.5 text-xs text-slate-500">{words?.help}</p>
                  {item.key === "client_login" ? (
                    <Link
                      to={clientAccessPath(tenantSlug)}
                      className="mt-1 inline-block rounded text-xs font-medium text-indigo-700 hover:text-indigo-900 hover:underline focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none"
                    >
                      {t.setup.clientAccessLink}
                    </Link>
                  ) : null}
                  {item.evidence ? (
                    <p className="mt-1 text-xs text-slate-700" data-testid="setup-evidence">
                      {item.at ? t.setup.evidence(evidenceText(item), dateTime(item.at)) : evidenceText(item)}
                    </p>
                  ) : null}
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </Card>
  );
}
