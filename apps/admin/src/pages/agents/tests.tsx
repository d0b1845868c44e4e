import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";

import { REPLAY_MAX_CONVERSATIONS, type TReplayConversation, type TTestCaseResult } from "@lx/shared/schemas";

import { Badge, type BadgeTone } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { Input, Label, Select } from "../../components/ui/field.tsx";
import { LoadMore } from "../../components/ui/load-more.tsx";
import { EmptyState, ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { Table, TBody, Td, Th, THead, Tr } from "../../components/ui/table.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { useDraft } from "../../features/draft/draft-context.tsx";
import { CaseEditor } from "../../features/regression/case-editor.tsx";
import type { TestsPageState } from "../../features/regression/draft-case.ts";
import { GateBadge } from "../../features/regression/gate-badge.tsx";
import { CaseResults, ReplayResults } from "../../features/regression/run-result.tsx";
import { errorCode, errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";

type CaseRow = RouterOutputs["regression"]["cases"][number];
type RunRow = RouterOutputs["regression"]["runs"]["items"][number];

/** Runs are polled this often while one is queued or running. */
const RUN_POLL_MS = 1_500;

/** The run target selector's value for the agent's draft (versions are semver: never this). */
const DRAFT_TARGET = "draft";

/**
 * The agent's regression gate: its test cases, runs of them (or replays of real conversations)
 * against any version or the saved draft, and each run's result. Operators only (the agent pages are).
 */
export function TestsPage() {
  const { tenantSlug = "", agentSlug = "" } = useParams();
  const { t } = useI18n();
  const r = t.regression;
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const scope = { tenantSlug, agentSlug };
  const cases = useQuery(trpc.regression.cases.queryOptions(scope));
  const versions = useQuery(trpc.versions.list.queryOptions(scope));
  // Opened from a conversation ("make a test case"): the editor starts with its customer messages.
  const location = useLocation();
  const navigate = useNavigate();
  const opened = location.state as TestsPageState | null;
  const drafted = opened?.draftCase ?? null;
  // The conversation it was copied from: the saved case keeps it (the customer's erasure deletes the case).
  const draftSource = drafted ? opened?.sourceConversationId : undefined;
  const [editing, setEditing] = useState<CaseRow | "new" | null>(drafted ? "new" : null);
  const closeEditor = () => {
    setEditing(null);
    if (drafted) {
      void navigate(".", { replace: true, state: null });
    }
  };
  const [toDelete, setToDelete] = useState<CaseRow | null>(null);

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.regression.pathFilter()),
      queryClient.invalidateQueries(trpc.versions.pathFilter()),
    ]);

  const save = useMutation(
    trpc.regression.saveCase.mutationOptions({
      onSuccess: async () => {
        toast.success(r.cases.saved);
        closeEditor();
        await refresh();
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );
  const remove = useMutation(
    trpc.regression.deleteCase.mutationOptions({
      onSuccess: async () => {
        toast.success(r.cases.deleted);
        setToDelete(null);
        await refresh();
      },
      onError: (err) => {
        toast.error(errorMessage(err, t));
        setToDelete(null);
      },
    }),
  );

  if (cases.isPending || versions.isPending) {
    return <LoadingState />;
  }
  if (cases.isError || versions.isError) {
    const failed = cases.isError ? cases : versions;
    return <ErrorState error={failed.error} onRetry={() => void Promise.all([cases.refetch(), versions.refetch()])} />;
  }

  return (
    <div className="space-y-6">
      {editing ? (
        <CaseEditor
          key={editing === "new" ? "new" : editing.id}
          initial={editing === "new" ? drafted : editing}
          busy={save.isPending}
          onCancel={closeEditor}
          onSave={(testCase) =>
            save.mutate(
              editing === "new"
                ? { ...scope, testCase, sourceConversationId: draftSource }
                : { ...scope, id: editing.id, testCase },
            )
          }
        />
      ) : null}

      <Card>
        <CardHeader
          title={r.cases.title}
          description={r.cases.subtitle}
          actions={
            <Button size="sm" onClick={() => setEditing("new")} disabled={editing !== null}>
              + {r.cases.add}
            </Button>
          }
        />
        {cases.data.length === 0 ? (
          <EmptyState title={r.cases.empty} />
        ) : (
          <Table data-testid="cases-table">
            <THead>
              <tr>
                <Th>{r.cases.name}</Th>
                <Th>{r.cases.turns}</Th>
                <Th>{r.cases.expectations}</Th>
                <Th className="text-right">{t.common.actions}</Th>
              </tr>
            </THead>
            <TBody>
              {cases.data.map((c) => (
                <Tr key={c.id} data-testid={`case-row-${c.name}`}>
                  <Td className="font-medium text-slate-900">
                    {c.name}
                    {c.sourceConversationId ? (
                      <span title={r.cases.copiedHint} className="ml-1.5">
                        <Badge tone="gray" className="px-1.5 py-0 text-[10px]" data-testid="case-copied">
                          {r.cases.copied}
                        </Badge>
                      </span>
                    ) : null}
                  </Td>
                  <Td className="max-w-xs truncate text-slate-600" title={c.turns.map((x) => x.customer).join("\n")}>
                    {r.cases.turnsCount(c.turns.length)} · {c.turns[0]?.customer}
                  </Td>
                  <Td className="text-slate-600">
                    {c.expectations.map((e) => `${r.kinds[e.kind]}${"text" in e ? ` “${e.text}”` : ""}${"tool" in e ? ` ${e.tool}` : ""}`).join("; ")}
                  </Td>
                  <Td className="text-right whitespace-nowrap">
                    <Button size="sm" variant="ghost" onClick={() => setEditing(c)} disabled={editing !== null}>
                      {r.cases.edit}
                    </Button>
                    <Button size="sm" variant="ghost" onClick={() => setToDelete(c)}>
                      {r.cases.delete}
                    </Button>
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </Card>

      <RunPanel versions={versions.data} hasCases={cases.data.length > 0} onQueued={refresh} />
      <RunsList />

      <ConfirmDialog
        open={toDelete !== null}
        onClose={() => setToDelete(null)}
        onConfirm={() => (toDelete ? remove.mutateAsync({ ...scope, id: toDelete.id }) : undefined)}
        title={toDelete ? r.cases.deleteTitle(toDelete.name) : ""}
        description={r.cases.deleteBody}
        confirmLabel={r.cases.delete}
        confirmVariant="danger"
        busy={remove.isPending}
      />
    </div>
  );
}

function RunPanel({
  versions,
  hasCases,
  onQueued,
}: {
  versions: RouterOutputs["versions"]["list"];
  hasCases: boolean;
  onQueued: () => Promise<unknown>;
}) {
  const { tenantSlug = "", agentSlug = "" } = useParams();
  const { t } = useI18n();
  const r = t.regression;
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const draft = useDraft();
  // A saved draft (or an edit of it not saved yet) can be run before it is published.
  const hasDraft = draft.info?.source === "draft" || draft.saveState !== "idle";
  const [picked, setPicked] = useState<string | null>(null);
  const [count, setCount] = useState(10);
  const [flushing, setFlushing] = useState(false);
  const version = versions.find((v) => v.version === picked) ?? versions[0];
  const onDraft = hasDraft && (picked === DRAFT_TARGET || !version);

  /** A draft run refused: in the console's words when it is about the draft, else the server's. */
  const startFailed = async (err: unknown, input: { draft?: true }) => {
    const code = errorCode(err);
    if (input.draft && code === "INVALID_INPUT") {
      toast.error(r.run.draftInvalid);
      return;
    }
    if (input.draft && code === "INVALID_STATE") {
      // Discarded meanwhile (another tab, another operator)? Read it again: without one, the option goes.
      const info = await queryClient
        .fetchQuery({ ...trpc.drafts.get.queryOptions({ tenantSlug, agentSlug }), staleTime: 0 })
        .catch(() => null);
      if (info && info.source !== "draft") {
        toast.error(r.run.noDraft);
        return;
      }
    }
    toast.error(errorMessage(err, t));
  };
  const start = useMutation(
    trpc.regression.start.mutationOptions({
      onSuccess: async () => {
        toast.success(r.run.requested);
        await onQueued();
      },
      onError: (err, input) => startFailed(err, input),
    }),
  );
  if (!version && !hasDraft) {
    return null;
  }
  const target = onDraft || !version ? { draft: true as const } : { version: version.version };
  const queue = async (kind: "cases" | "replay") => {
    if (onDraft) {
      // An edit still waiting for the autosave is part of the draft the operator means to run.
      setFlushing(true);
      await draft.flush();
      setFlushing(false);
    }
    start.mutate(
      kind === "cases"
        ? { tenantSlug, agentSlug, ...target, kind }
        : { tenantSlug, agentSlug, ...target, kind, conversations: count },
    );
  };
  return (
    <Card>
      <CardHeader title={r.run.title} description={r.run.subtitle} />
      <CardBody className="space-y-3">
        <div className="flex flex-wrap items-end gap-4">
          <div className="space-y-1.5">
            <Label htmlFor="run-version">{r.run.version}</Label>
            <Select
              id="run-version"
              className="w-44"
              value={onDraft || !version ? DRAFT_TARGET : version.version}
              aria-describedby={onDraft ? "run-draft-hint" : undefined}
              onChange={(e) => setPicked(e.target.value)}
            >
              {hasDraft ? <option value={DRAFT_TARGET}>{r.run.draft}</option> : null}
              {versions.map((v) => (
                <option key={v.id} value={v.version}>
                  v{v.version}
                  {v.active ? ` (${t.versions.active})` : ""}
                </option>
              ))}
            </Select>
          </div>
          {onDraft || !version ? null : (
            <div className="pb-1.5">
              <GateBadge gate={version.gate} />
            </div>
          )}
          <Button
            loading={start.isPending && start.variables.kind === "cases"}
            disabled={!hasCases || start.isPending || flushing}
            title={hasCases ? undefined : r.run.noCases}
            onClick={() => void queue("cases")}
          >
            ▶ {r.run.runCases}
          </Button>
          <div className="ml-auto flex items-end gap-2">
            <div className="space-y-1.5">
              <Label htmlFor="replay-count">{r.run.replayCount}</Label>
              <Input
                id="replay-count"
                type="number"
                className="w-24"
                min={1}
                max={REPLAY_MAX_CONVERSATIONS}
                value={count}
                onChange={(e) => setCount(Math.min(REPLAY_MAX_CONVERSATIONS, Math.max(1, Number(e.target.value) || 1)))}
              />
            </div>
            <Button
              variant="secondary"
              title={r.run.replayHint}
              loading={start.isPending && start.variables.kind === "replay"}
              disabled={start.isPending || flushing}
              onClick={() => void queue("replay")}
            >
              ↺ {r.run.replay}
            </Button>
          </div>
        </div>
        {onDraft ? (
          <div id="run-draft-hint" className="max-w-3xl space-y-1 text-xs text-slate-500" data-testid="run-draft-hint">
            <p>{r.run.draftHint}</p>
            {draft.errors.length > 0 ? (
              <p className="text-amber-800">
                {r.run.draftHasErrors}{" "}
                <Link to="../spec" relative="path" className="font-medium underline">
                  {r.run.openEditor}
                </Link>
              </p>
            ) : null}
          </div>
        ) : null}
      </CardBody>
    </Card>
  );
}

function runStatus(run: RunRow): { label: string; tone: BadgeTone } {
  if (run.status === "done" && run.kind === "cases") {
    return run.passed ? { label: "passed", tone: "green" } : { label: "failed", tone: "red" };
  }
  const tones: Record<string, BadgeTone> = { queued: "gray", running: "blue", done: "green", error: "red" };
  return { label: run.status, tone: tones[run.status] ?? "gray" };
}

function RunsList() {
  const { tenantSlug = "", agentSlug = "" } = useParams();
  const { t, dateTime } = useI18n();
  const r = t.regression;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<string | null>(null);
  const runs = useInfiniteQuery({
    ...trpc.regression.runs.infiniteQueryOptions(
      { tenantSlug, agentSlug, limit: 20 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.items.some((run) => run.status === "queued" || run.status === "running")) ? RUN_POLL_MS : false,
  });
  // A run that finished changes its version's gate: the versions (badges, activation) are read again
  // whenever a run shows up finished that was not before — also one that finished before this list
  // ever saw it queued (a fast run: the versions read when it was requested are already stale).
  const finished =
    runs.data?.pages
      .flatMap((page) => page.items)
      .filter((run) => run.status !== "queued" && run.status !== "running")
      .map((run) => run.id)
      .join(",") ?? null;
  const seenFinished = useRef(finished);
  useEffect(() => {
    if (seenFinished.current !== null && finished !== null && finished !== seenFinished.current) {
      void queryClient.invalidateQueries(trpc.versions.pathFilter());
    }
    seenFinished.current = finished;
  }, [finished, queryClient, trpc]);
  if (runs.isPending) {
    return <LoadingState />;
  }
  if (runs.isError) {
    return <ErrorState error={runs.error} onRetry={() => void runs.refetch()} />;
  }
  const items = runs.data.pages.flatMap((page) => page.items);
  return (
    <Card>
      <CardHeader title={r.runs.title} />
      {items.length === 0 ? (
        <EmptyState title={r.runs.empty} />
      ) : (
        <Table data-testid="runs-table">
          <THead>
            <tr>
              <Th>{r.run.version}</Th>
              <Th>{t.common.details}</Th>
              <Th>{r.runs.by}</Th>
              <Th>{r.runs.when}</Th>
              <Th className="text-right">{t.common.actions}</Th>
            </tr>
          </THead>
          <TBody>
            {items.map((run) => {
              const status = runStatus(run);
              const done = run.status === "done";
              return (
                <RunRows
                  key={run.id}
                  run={run}
                  expanded={open === run.id}
                  onToggle={() => setOpen(open === run.id ? null : run.id)}
                  cells={
                    <>
                      <Td className="whitespace-nowrap">
                        <RunTarget version={run.version} />
                      </Td>
                      <Td>
                        <div className="flex flex-wrap items-center gap-2">
                          <Badge tone="indigo">{r.runs.kind[run.kind]}</Badge>
                          <Badge tone={status.tone} dot data-testid="run-status">
                            {r.runs.status[status.label] ?? status.label}
                          </Badge>
                          {run.stale ? <Badge tone="amber">{r.runs.stale}</Badge> : null}
                          {done && run.summary ? (
                            <span className="text-sm text-slate-600">
                              {run.kind === "cases"
                                ? r.runs.casesSummary(run.summary.passed, run.summary.total)
                                : r.runs.replaySummary(run.summary.changed, run.summary.total)}
                            </span>
                          ) : null}
                          {run.error ? <span className="text-sm text-rose-700">{run.error}</span> : null}
                        </div>
                      </Td>
                      <Td className="whitespace-nowrap">{run.requestedBy}</Td>
                      <Td className="whitespace-nowrap text-slate-500">{dateTime(run.createdAt)}</Td>
                    </>
                  }
                />
              );
            })}
          </TBody>
        </Table>
      )}
      <LoadMore list={runs} label={r.runs.loadMore} />
    </Card>
  );
}

/** A run's version, or (null) the draft it ran on. */
function RunTarget({ version }: { version: string | null }) {
  const { t } = useI18n();
  return version === null ? (
    <Badge tone="gray" data-testid="run-draft">
      {t.regression.runs.draft}
    </Badge>
  ) : (
    <span className="font-mono font-semibold text-slate-900">v{version}</span>
  );
}

function RunRows({ run, expanded, onToggle, cells }: { run: RunRow; expanded: boolean; onToggle: () => void; cells: ReactNode }) {
  const { t } = useI18n();
  const r = t.regression;
  return (
    <>
      <Tr data-testid={`run-row-${run.version ?? "draft"}-${run.kind}`}>
        {cells}
        <Td className="text-right">
          {run.status === "done" ? (
            <Button size="sm" variant="ghost" aria-expanded={expanded} onClick={onToggle}>
              {expanded ? r.runs.hide : r.runs.show}
            </Button>
          ) : null}
        </Td>
      </Tr>
      {expanded ? (
        <tr className="bg-slate-50/70">
          <td colSpan={5} className="px-4 py-4">
            <RunDetail run={run} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

function RunDetail({ run }: { run: RunRow }) {
  const { tenantSlug = "", agentSlug = "" } = useParams();
  const trpc = useTRPC();
  const detail = useQuery(trpc.regression.run.queryOptions({ tenantSlug, agentSlug, id: run.id }));
  if (detail.isPending) {
    return <LoadingState />;
  }
  if (detail.isError) {
    return <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />;
  }
  return detail.data.kind === "cases" ? (
    <CaseResults results={detail.data.results as TTestCaseResult[]} />
  ) : (
    <ReplayResults results={detail.data.results as TReplayConversation[]} version={detail.data.version} />
  );
}
