import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import type { TTestCaseResult } from "@lx/shared/schemas";

import { Button } from "../../components/ui/button.tsx";
import { ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { Segmented } from "../../components/ui/tabs.tsx";
import { CaseResults } from "../regression/run-result.tsx";
import { GateBadge } from "../regression/gate-badge.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";
import { ConfigDiff } from "./config-diff.tsx";
import { PromptDiff } from "./prompt-diff.tsx";

/** The finished run behind the gate, with each case's conversation and why it passed or failed. */
function GateRunResults({
  tenantSlug,
  agentSlug,
  id,
}: {
  tenantSlug: string;
  agentSlug: string;
  id: string;
}) {
  const trpc = useTRPC();
  const run = useQuery(trpc.regression.run.queryOptions({ tenantSlug, agentSlug, id }));
  if (run.isPending) {
    return <LoadingState />;
  }
  if (run.isError) {
    return <ErrorState error={run.error} onRetry={() => void run.refetch()} />;
  }
  return <CaseResults results={run.data.results as TTestCaseResult[]} />;
}

/**
 * What a version changes, read-only (the client's versions page): against which version, the
 * agency's note, the tests behind its gate (openable), the prompt's line diff and the config diff.
 */
export function VersionReview({
  tenantSlug,
  agentSlug,
  version,
  gate,
  showRunAtFirst = false,
}: {
  tenantSlug: string;
  agentSlug: string;
  version: string;
  gate: string;
  showRunAtFirst?: boolean;
}) {
  const { t, dateTime } = useI18n();
  const r = t.agentPages.review;
  const trpc = useTRPC();
  const changes = useQuery(trpc.versions.changes.queryOptions({ tenantSlug, agentSlug, version }));
  const [mode, setMode] = useState<"unified" | "split">("unified");
  const [showRun, setShowRun] = useState(showRunAtFirst);

  if (changes.isPending) {
    return <LoadingState />;
  }
  if (changes.isError) {
    return <ErrorState error={changes.error} onRetry={() => void changes.refetch()} />;
  }
  const c = changes.data;
  const against = !c.against
    ? r.againstNothing
    : c.against.basis === "previous"
      ? r.againstPrevious(c.against.version)
      : r.againstLive(c.against.version);
  // The columns are named by version: "before (live) / after (draft)" is the compile page's wording.
  const labels = { before: c.against ? `v${c.against.version}` : "—", after: `v${c.version}` };
  const testsText =
    gate === "passed"
      ? r.testsPassed
      : gate === "failed"
        ? r.testsFailed
        : gate === "not_run"
          ? r.testsNotRun
          : r.testsNone;

  return (
    <section className="space-y-5" data-testid={`version-review-${version}`} aria-label={r.title(version)}>
      <p className="text-sm text-slate-600" data-testid="review-against">
        {against}
      </p>

      <div className="grid gap-4 lg:grid-cols-2">
        <div className="rounded-lg bg-white p-4 ring-1 ring-slate-200">
          <h4 className="text-sm font-semibold text-slate-900">{r.changelog}</h4>
          <p className="mt-1 text-sm whitespace-pre-wrap text-slate-700" data-testid="review-changelog">
            {c.changelog || <span className="text-slate-400">{r.noChangelog}</span>}
          </p>
        </div>
        <div className="rounded-lg bg-white p-4 ring-1 ring-slate-200" data-testid="review-tests">
          <div className="flex flex-wrap items-center gap-2">
            <h4 className="text-sm font-semibold text-slate-900">{r.tests}</h4>
            <GateBadge gate={gate} />
          </div>
          <p className="mt-1 text-sm text-slate-700">{testsText}</p>
          {c.gateRun ? (
            <div className="mt-2 flex flex-wrap items-center gap-3">
              <span className="text-xs text-slate-500">{r.runAt(dateTime(c.gateRun.finishedAt))}</span>
              <Button
                size="sm"
                variant="secondary"
                aria-expanded={showRun}
                onClick={() => setShowRun((on) => !on)}
              >
                {showRun ? r.hideRun : r.showRun}
              </Button>
            </div>
          ) : null}
        </div>
      </div>

      {c.gateRun && showRun ? (
        <GateRunResults tenantSlug={tenantSlug} agentSlug={agentSlug} id={c.gateRun.id} />
      ) : null}

      {c.diff.changed || !c.against ? (
        <>
          <div className="overflow-hidden rounded-lg bg-white ring-1 ring-slate-200">
            <div className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-100 px-4 py-2.5">
              <h4 className="text-sm font-semibold text-slate-900">
                {r.promptChanges}
                <span className="ml-3 text-xs font-normal text-emerald-700">
                  {t.compile.linesAdded(c.diff.prompt.added)}
                </span>
                <span className="ml-2 text-xs font-normal text-rose-700">
                  {t.compile.linesRemoved(c.diff.prompt.removed)}
                </span>
              </h4>
              <Segmented
                label={r.promptChanges}
                value={mode}
                onChange={setMode}
                options={[
                  { value: "unified", label: t.compile.unified },
                  { value: "split", label: t.compile.split },
                ]}
              />
            </div>
            <PromptDiff
              lines={c.diff.prompt.lines}
              mode={mode}
              labels={labels}
            />
          </div>
          <div className="overflow-hidden rounded-lg bg-white ring-1 ring-slate-200">
            <h4 className="border-b border-slate-100 px-4 py-2.5 text-sm font-semibold text-slate-900">
              {r.configChanges}
            </h4>
            <ConfigDiff changes={c.diff.config} labels={labels} />
          </div>
        </>
      ) : (
        <p className="text-sm text-slate-600">{r.nothingChanged}</p>
      )}
    </section>
  );
}
