import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { useLocation, useNavigate, useParams } from "react-router";

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
import { CaseEditor } from "../../features/regression/case-editor.tsx";
import type { TestsPageState } from "../../features/regression/draft-case.ts";
import { GateBadge } from "../../features/regression/gate-badge.tsx";
import { CaseResults, ReplayResults } from "../../features/regression/run-result.tsx";
import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";

type CaseRow = RouterOutputs["regression"]["cases"][number];
type RunRow = RouterOutputs["regression"]["runs"]["items"][number];

/** Runs are polled this often while one is queued or running. */
const RUN_POLL_MS = 1_500;

/**
 * The agent's regression gate: its test cases, runs of them (or replays of real conversations)
 * against any version, and each run's result. Operators only (the agent pages are).
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
  const drafted = (location.state as TestsPageState | null)?.draftCase ?? null;
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
          onSave={(testCase) => save.mutate({ ...scope, id: editing === "new" ? undefined : editing.id, testCase })}
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
                  <Td className="font-medium text-slate-900">{c.name}</Td>
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
        onConfirm={() => toDelete && remove.mutate({ ...scope, id: toDelete.id })}
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
  const [picked, setPicked] = useState<string | null>(null);
  const [count, setCount] = useState(10);
  const version = versions.find((v) => v.version === picked) ?? versions[0];
  const start = useMutation(
    trpc.regression.start.mutationOptions({
      onSuccess: async () => {
        toast.success(r.run.requested);
        await onQueued();
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );
  if (!version) {
    return null;
  }
  return (
    <Card>
      <CardHeader title={r.run.title} description={r.run.subtitle} />
      <CardBody className="flex flex-wrap items-end gap-4">
        <div className="space-y-1.5">
          <Label htmlFor="run-version">{r.run.version}</Label>
          <Select id="run-version" className="w-44" value={version.version} onChange={(e) => setPicked(e.target.value)}>
            {versions.map((v) => (
              <option key={v.id} value={v.version}>
                v{v.version}
                {v.active ? ` (${t.versions.active})` : ""}
              </option>
            ))}
          </Select>
        </div>
        <div className="pb-1.5">
          <GateBadge gate={version.gate} />
        </div>
        <Button
          loading={start.isPending && start.variables.kind === "cases"}
          disabled={!hasCases || start.isPending}
          title={hasCases ? undefined : r.run.noCases}
          onClick={() => start.mutate({ tenantSlug, agentSlug, version: version.version, kind: "cases" })}
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
            disabled={start.isPending}
            onClick={() => start.mutate({ tenantSlug, agentSlug, version: version.version, kind: "replay", conversations: count })}
          >
            ↺ {r.run.replay}
          </Button>
        </div>
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
  // A run that finished changes its version's gate: the versions (badges, activation) are read again.
  const active = runs.data?.pages.reduce((n, page) => n + page.items.filter((run) => run.status === "queued" || run.status === "running").length, 0) ?? 0;
  const wasActive = useRef(active);
  useEffect(() => {
    if (active < wasActive.current) {
      void queryClient.invalidateQueries(trpc.versions.pathFilter());
    }
    wasActive.current = active;
  }, [active, queryClient, trpc]);
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
                      <Td className="font-mono font-semibold whitespace-nowrap text-slate-900">v{run.version}</Td>
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

function RunRows({ run, expanded, onToggle, cells }: { run: RunRow; expanded: boolean; onToggle: () => void; cells: ReactNode }) {
  const { t } = useI18n();
  const r = t.regression;
  return (
    <>
      <Tr data-testid={`run-row-${run.version}-${run.kind}`}>
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
