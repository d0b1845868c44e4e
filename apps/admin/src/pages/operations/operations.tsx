import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { Link, useSearchParams } from "react-router";

import { formatPhone } from "@lx/shared/domain";
import { RETRYABLE_SEND_STATUSES, ZPauseNumberInput } from "@lx/shared/schemas";

import { Badge, type BadgeTone } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { Select, TextField } from "../../components/ui/field.tsx";
import { Page, PageHeader } from "../../components/ui/page.tsx";
import { EmptyState, ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { Table, TBody, Td, Th, THead, Tr } from "../../components/ui/table.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { ResumeNumberDialog } from "../../features/numbers/resume-number-dialog.tsx";
import { cn } from "../../lib/cn.ts";
import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";

type Overview = RouterOutputs["operations"]["overview"];
type NumberRow = RouterOutputs["operations"]["numbers"][number];

/** How often the screen refreshes (queue depth moves fast). */
const POLL_MS = 5000;
/** A runnable job or send waiting longer than this is highlighted. */
const SLOW_MS = 60_000;

function Stat({
  label,
  value,
  tone,
  testId,
}: {
  label: string;
  value: ReactNode;
  tone?: "red" | "amber";
  testId?: string;
}) {
  return (
    <div className="rounded-lg bg-slate-50 px-3 py-2 ring-1 ring-slate-200" data-testid={testId}>
      <p className="text-[11px] font-medium tracking-wide text-slate-500 uppercase">{label}</p>
      <p
        className={cn(
          "mt-0.5 text-lg font-semibold tabular-nums text-slate-900",
          tone === "red" && "text-rose-700",
          tone === "amber" && "text-amber-700",
        )}
      >
        {value}
      </p>
    </div>
  );
}

function Age({ ms }: { ms: number | null }) {
  const { t, duration } = useI18n();
  if (ms === null) {
    return <span className="text-slate-400">{t.operations.nothingWaiting}</span>;
  }
  return <span className={cn(ms > SLOW_MS && "text-amber-700")}>{duration(ms)}</span>;
}

/**
 * Past the recount interval, the API answered with the last counts while it recounts (a screen
 * opening on older counts waits for fresh ones instead): said so, rather than passing them for new.
 */
const RECOUNT_MS = 30_000;

function OverviewCards({ overview, fetchedAt }: { overview: Overview; fetchedAt: number }) {
  const { t, number, time } = useI18n();
  const { jobs, sends } = overview;
  const recounting = fetchedAt - Date.parse(overview.finishedCountedAt) > RECOUNT_MS;
  const countedAt = time(overview.finishedCountedAt);
  const recountNote = recounting ? (
    <span className="mt-1 block text-amber-700" data-testid="recounting">
      {t.operations.recounting}
    </span>
  ) : null;
  const failedSends = sends.byStatus.failed + sends.byStatus.dead + sends.byStatus.blocked;
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Card data-testid="queue-overview">
        <CardHeader
          title={t.operations.queueTitle}
          description={
            <>
              {t.operations.queueHint(overview.finishedWindowHours, countedAt)}
              {recountNote}
            </>
          }
        />
        <CardBody className="space-y-3">
          <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
            <Stat label={t.operations.runnable} value={number(jobs.runnable)} testId="jobs-runnable" />
            <Stat label={t.operations.scheduled} value={number(jobs.scheduled)} />
            <Stat label={t.operations.jobStatuses.running ?? ""} value={number(jobs.byStatus.running)} />
            <Stat
              label={t.operations.jobStatuses.dead ?? ""}
              value={number(jobs.byStatus.dead)}
              tone={jobs.byStatus.dead > 0 ? "red" : undefined}
              testId="jobs-dead"
            />
            <Stat label={t.operations.jobStatuses.done ?? ""} value={number(jobs.byStatus.done)} />
            <Stat label={t.operations.jobStatuses.cancelled ?? ""} value={number(jobs.byStatus.cancelled)} />
            <Stat
              label={t.operations.expiredLeases}
              value={number(jobs.expiredLeases)}
              tone={jobs.expiredLeases > 0 ? "amber" : undefined}
            />
          </div>
          <p className="text-sm text-slate-600" data-testid="oldest-job">
            {t.operations.oldestRunnable}: <Age ms={jobs.oldestRunnableAgeMs} />
          </p>
        </CardBody>
      </Card>
      <Card data-testid="sends-overview">
        <CardHeader
          title={t.operations.sendsTitle}
          description={
            <>
              {t.operations.sendsHint(overview.finishedWindowHours, countedAt)}
              {recountNote}
            </>
          }
        />
        <CardBody className="space-y-3">
          <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
            {(["queued", "sending", "ambiguous", "sent", "delivered", "read"] as const).map((status) => (
              <Stat
                key={status}
                label={t.operations.sendCounts[status] ?? status}
                value={number(sends.byStatus[status])}
              />
            ))}
            <Stat
              label={t.operations.failedSends}
              value={number(failedSends)}
              tone={failedSends > 0 ? "red" : undefined}
              testId="sends-failed"
            />
            <Stat
              label={t.operations.heldByPause}
              value={number(sends.heldByPause)}
              tone={sends.heldByPause > 0 ? "amber" : undefined}
            />
          </div>
          <p className="text-sm text-slate-600">
            {t.operations.oldestReady}: <Age ms={sends.oldestReadyAgeMs} />
          </p>
        </CardBody>
      </Card>
    </div>
  );
}

function useInvalidateOperations() {
  const queryClient = useQueryClient();
  const trpc = useTRPC();
  return () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.operations.pathFilter()),
      queryClient.invalidateQueries(trpc.conversations.pathFilter()),
    ]);
}

function ConversationLink({
  tenantSlug,
  conversationId,
}: {
  tenantSlug: string | null;
  conversationId: string | null;
}) {
  if (!tenantSlug || !conversationId) {
    return <span className="text-slate-400">—</span>;
  }
  return (
    <Link
      to={`/tenants/${tenantSlug}/conversations?c=${conversationId}`}
      className="font-mono text-xs text-indigo-700 hover:underline"
    >
      {conversationId.slice(0, 8)}
    </Link>
  );
}

function DeadJobs({ tenantSlug }: { tenantSlug: string | undefined }) {
  const { t, dateTime } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateOperations();
  const [retrying, setRetrying] = useState<number | null>(null);
  const jobs = useInfiniteQuery({
    ...trpc.operations.deadJobs.infiniteQueryOptions(
      { tenantSlug, limit: 25 },
      { getNextPageParam: (last) => last.nextCursor ?? undefined },
    ),
    refetchInterval: POLL_MS,
  });
  const retry = useMutation(
    trpc.operations.retryJob.mutationOptions({
      onSuccess: async (result) => {
        toast.success(t.operations.jobRetried(result.id));
        setRetrying(null);
        await invalidate();
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );
  const rows = jobs.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Card>
      <CardHeader title={t.operations.deadJobs} description={t.operations.deadJobsHint} />
      {jobs.isPending ? (
        <LoadingState />
      ) : jobs.isError ? (
        <ErrorState error={jobs.error} onRetry={() => void jobs.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState title={t.operations.noDeadJobs} />
      ) : (
        <Table data-testid="dead-jobs">
          <THead>
            <tr>
              <Th>{t.operations.job}</Th>
              <Th>{t.operations.task}</Th>
              <Th>{t.operations.lastError}</Th>
              <Th>{t.operations.conversation}</Th>
              <Th>{t.operations.finished}</Th>
              <Th className="text-right">{t.common.actions}</Th>
            </tr>
          </THead>
          <TBody>
            {rows.map((job) => (
              <Tr key={job.id} data-testid="dead-job-row" data-job-id={job.id}>
                <Td className="text-xs">
                  <p className="font-mono">#{job.id}</p>
                  <p className="break-words text-slate-500" title={job.tenantSlug ?? undefined}>
                    {job.tenantName ?? "—"}
                  </p>
                </Td>
                <Td>
                  <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs">{job.task}</code>
                  <p className="mt-1 text-xs text-slate-500 tabular-nums">
                    {t.operations.attemptsOf(job.attempts, job.maxAttempts)}
                  </p>
                </Td>
                <Td className="min-w-[12rem] text-xs text-rose-700">
                  <p className="line-clamp-3 max-w-[20rem] break-words" title={job.lastError ?? undefined}>
                    {job.lastError ?? "—"}
                  </p>
                </Td>
                <Td>
                  <ConversationLink tenantSlug={job.tenantSlug} conversationId={job.conversationId} />
                </Td>
                <Td className="whitespace-nowrap text-xs text-slate-500">
                  {job.finishedAt ? dateTime(job.finishedAt) : "—"}
                </Td>
                <Td className="text-right">
                  <Button size="sm" variant="secondary" onClick={() => setRetrying(job.id)}>
                    {t.operations.retry}
                  </Button>
                </Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
      {jobs.hasNextPage ? (
        <div className="border-t border-slate-100 p-3 text-center">
          <Button
            variant="secondary"
            size="sm"
            loading={jobs.isFetchingNextPage}
            onClick={() => void jobs.fetchNextPage()}
          >
            {t.operations.loadMore}
          </Button>
        </div>
      ) : null}
      <ConfirmDialog
        open={retrying !== null}
        onClose={() => setRetrying(null)}
        onConfirm={() => (retrying !== null ? retry.mutateAsync({ jobId: retrying }) : undefined)}
        title={retrying !== null ? t.operations.retryJobTitle(retrying) : ""}
        description={t.operations.retryJobBody}
        confirmLabel={t.operations.retry}
        busy={retry.isPending}
      />
    </Card>
  );
}

const SEND_TONES: Record<string, BadgeTone | undefined> = { dead: "red", failed: "red", blocked: "amber" };

function FailedSends({ tenantSlug }: { tenantSlug: string | undefined }) {
  const { t, dateTime } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateOperations();
  const [status, setStatus] = useState<(typeof RETRYABLE_SEND_STATUSES)[number] | "">("");
  const [retrying, setRetrying] = useState<number | null>(null);
  const sends = useInfiniteQuery({
    ...trpc.operations.failedSends.infiniteQueryOptions(
      { tenantSlug, status: status || undefined, limit: 25 },
      { getNextPageParam: (last) => last.nextCursor ?? undefined },
    ),
    refetchInterval: POLL_MS,
  });
  const retry = useMutation(
    trpc.operations.retrySend.mutationOptions({
      onSuccess: async (result) => {
        toast.success(t.operations.sendRetried(result.id));
        setRetrying(null);
        await invalidate();
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );
  const rows = sends.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <Card>
      <CardHeader
        title={t.operations.failedSends}
        description={t.operations.failedSendsHint}
        actions={
          <>
            <label htmlFor="failed-status" className="sr-only">
              {t.tenants.status}
            </label>
            <Select
              id="failed-status"
              value={status}
              className="w-40"
              onChange={(event) => setStatus(event.target.value as typeof status)}
            >
              <option value="">{t.operations.allStatuses}</option>
              {RETRYABLE_SEND_STATUSES.map((value) => (
                <option key={value} value={value}>
                  {t.operations.sendStatuses[value] ?? value}
                </option>
              ))}
            </Select>
          </>
        }
      />
      {sends.isPending ? (
        <LoadingState />
      ) : sends.isError ? (
        <ErrorState error={sends.error} onRetry={() => void sends.refetch()} />
      ) : rows.length === 0 ? (
        <EmptyState title={t.operations.noFailedSends} />
      ) : (
        <Table data-testid="failed-sends">
          <THead>
            <tr>
              <Th>{t.operations.send}</Th>
              <Th>{t.tenants.status}</Th>
              <Th>{t.operations.messageAndError}</Th>
              <Th>{t.operations.conversation}</Th>
              <Th>{t.operations.updated}</Th>
              <Th className="text-right">{t.common.actions}</Th>
            </tr>
          </THead>
          <TBody>
            {rows.map((send) => (
              <Tr key={send.id} data-testid="failed-send-row" data-send-id={send.id}>
                <Td className="text-xs">
                  <p className="font-mono">
                    #{send.id}
                    <span className="ml-1 font-sans text-slate-400">
                      {t.operations.sendKinds[send.kind] ?? send.kind}
                    </span>
                  </p>
                  <p className="break-words text-slate-500" title={send.tenantSlug}>
                    {send.tenantName}
                  </p>
                </Td>
                <Td className="whitespace-nowrap">
                  <Badge tone={SEND_TONES[send.status] ?? "gray"}>
                    {t.operations.sendStatuses[send.status] ?? send.status}
                  </Badge>
                  <span className="ml-1 text-xs text-slate-400 tabular-nums">×{send.attempts}</span>
                </Td>
                <Td className="min-w-[12rem] text-xs">
                  <p className="line-clamp-2 max-w-[20rem] break-words" title={send.body ?? undefined}>
                    {send.body ?? "—"}
                  </p>
                  <p
                    className="mt-1 line-clamp-2 max-w-[20rem] break-words text-rose-700"
                    title={send.lastError ?? undefined}
                  >
                    {send.lastErrorCode ? `${send.lastErrorCode} ` : ""}
                    {send.lastError ?? "—"}
                  </p>
                </Td>
                <Td>
                  <ConversationLink tenantSlug={send.tenantSlug} conversationId={send.conversationId} />
                </Td>
                <Td className="whitespace-nowrap text-xs text-slate-500">{dateTime(send.updatedAt)}</Td>
                <Td className="text-right">
                  <Button size="sm" variant="secondary" onClick={() => setRetrying(send.id)}>
                    {t.operations.retry}
                  </Button>
                </Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
      {sends.hasNextPage ? (
        <div className="border-t border-slate-100 p-3 text-center">
          <Button
            variant="secondary"
            size="sm"
            loading={sends.isFetchingNextPage}
            onClick={() => void sends.fetchNextPage()}
          >
            {t.operations.loadMore}
          </Button>
        </div>
      ) : null}
      <ConfirmDialog
        open={retrying !== null}
        onClose={() => setRetrying(null)}
        onConfirm={() => (retrying !== null ? retry.mutateAsync({ outboxId: retrying }) : undefined)}
        title={retrying !== null ? t.operations.retrySendTitle(retrying) : ""}
        description={t.operations.retrySendBody}
        confirmLabel={t.operations.retry}
        busy={retry.isPending}
      />
    </Card>
  );
}

function Numbers({ tenantSlug }: { tenantSlug: string | undefined }) {
  const { t, relative, number } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateOperations();
  const [pausing, setPausing] = useState<NumberRow | null>(null);
  const [resuming, setResuming] = useState<NumberRow | null>(null);
  const [reason, setReason] = useState("");
  const [reasonErrors, setReasonErrors] = useState<string[]>([]);
  const numbers = useQuery({
    ...trpc.operations.numbers.queryOptions({ tenantSlug }),
    refetchInterval: POLL_MS,
  });
  const pause = useMutation(
    trpc.operations.pauseNumber.mutationOptions({
      onSuccess: async (result) => {
        toast.success(
          result.changed
            ? t.operations.numberPaused(formatPhone(pausing?.displayPhoneNumber ?? ""))
            : t.operations.unchanged,
        );
        setPausing(null);
        setReason("");
        await invalidate();
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );
  const confirmPause = () => {
    const parsed = ZPauseNumberInput.safeParse({ numberId: pausing?.id, reason });
    if (!parsed.success) {
      setReasonErrors(parsed.error.issues.map((issue) => issue.message));
      return;
    }
    setReasonErrors([]);
    return pause.mutateAsync(parsed.data);
  };
  return (
    <Card>
      <CardHeader title={t.operations.numbers} description={t.operations.numbersHint} />
      {numbers.isPending ? (
        <LoadingState />
      ) : numbers.isError ? (
        <ErrorState error={numbers.error} onRetry={() => void numbers.refetch()} />
      ) : numbers.data.length === 0 ? (
        <EmptyState title={t.operations.noNumbers} />
      ) : (
        <Table data-testid="numbers">
          <THead>
            <tr>
              <Th>{t.operations.phone}</Th>
              <Th>{t.operations.tenant}</Th>
              <Th>{t.operations.agent}</Th>
              <Th>{t.operations.sending}</Th>
              <Th className="text-right">{t.operations.waiting}</Th>
              <Th className="text-right">{t.common.actions}</Th>
            </tr>
          </THead>
          <TBody>
            {numbers.data.map((row) => (
              <Tr key={row.id} data-testid="number-row" data-phone-number-id={row.phoneNumberId}>
                <Td>
                  <span className="font-medium text-slate-900 tabular-nums">{formatPhone(row.displayPhoneNumber)}</span>
                  <Badge tone="gray" className="ml-1.5 px-1.5 py-0 text-[10px]">
                    {row.kind}
                  </Badge>
                  <p className="font-mono text-[11px] text-slate-400">{row.phoneNumberId}</p>
                </Td>
                <Td className="text-sm">{row.tenantName}</Td>
                <Td className="font-mono text-xs">{row.agentSlug ?? "—"}</Td>
                <Td>
                  {row.sendPausedAt ? (
                    <div>
                      <Badge tone="amber" dot data-testid="pause-state">
                        {t.operations.paused}
                      </Badge>
                      <p className="mt-0.5 text-xs text-slate-500">
                        {row.pauseReason} · {t.operations.pausedSince(relative(row.sendPausedAt))}
                      </p>
                    </div>
                  ) : (
                    <Badge tone="green" dot data-testid="pause-state">
                      {t.operations.active}
                    </Badge>
                  )}
                </Td>
                <Td className="text-right tabular-nums">{number(row.waiting)}</Td>
                <Td className="text-right">
                  {row.sendPausedAt ? (
                    <Button size="sm" onClick={() => setResuming(row)}>
                      {t.operations.resume}
                    </Button>
                  ) : (
                    <Button size="sm" variant="secondary" onClick={() => setPausing(row)}>
                      {t.operations.pause}
                    </Button>
                  )}
                </Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
      <ConfirmDialog
        open={pausing !== null}
        onClose={() => {
          setPausing(null);
          setReasonErrors([]);
        }}
        onConfirm={confirmPause}
        title={pausing ? t.operations.pauseTitle(formatPhone(pausing.displayPhoneNumber)) : ""}
        description={t.operations.pauseBody}
        confirmLabel={t.operations.pause}
        confirmVariant="danger"
        busy={pause.isPending}
      >
        <TextField
          label={t.operations.reason}
          errors={reasonErrors}
          value={reason}
          maxLength={500}
          placeholder={t.operations.reasonPlaceholder}
          onChange={(event) => setReason(event.target.value)}
        />
      </ConfirmDialog>
      <ResumeNumberDialog number={resuming} onClose={() => setResuming(null)} />
    </Card>
  );
}

export function OperationsPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const [params, setParams] = useSearchParams();
  const tenantSlug = params.get("tenant") || undefined;
  const tenants = useQuery(trpc.tenants.list.queryOptions());
  const overview = useQuery({
    ...trpc.operations.overview.queryOptions({ tenantSlug }),
    refetchInterval: POLL_MS,
  });
  return (
    <Page className="max-w-7xl">
      <PageHeader
        title={t.operations.title}
        description={t.operations.subtitle}
        actions={
          <>
            <label htmlFor="ops-tenant" className="sr-only">
              {t.operations.tenant}
            </label>
            <Select
              id="ops-tenant"
              value={tenantSlug ?? ""}
              className="w-56"
              onChange={(event) => setParams(event.target.value ? { tenant: event.target.value } : {})}
            >
              <option value="">{t.operations.allTenants}</option>
              {(tenants.data ?? []).map((tenant) => (
                <option key={tenant.id} value={tenant.slug}>
                  {tenant.name}
                </option>
              ))}
            </Select>
          </>
        }
      />
      <div className="space-y-6">
        {overview.isPending ? (
          <LoadingState />
        ) : overview.isError ? (
          <ErrorState error={overview.error} onRetry={() => void overview.refetch()} />
        ) : (
          <OverviewCards overview={overview.data} fetchedAt={overview.dataUpdatedAt} />
        )}
        <Numbers tenantSlug={tenantSlug} />
        <FailedSends key={`sends-${tenantSlug ?? ""}`} tenantSlug={tenantSlug} />
        <DeadJobs key={`jobs-${tenantSlug ?? ""}`} tenantSlug={tenantSlug} />
      </div>
    </Page>
  );
}
