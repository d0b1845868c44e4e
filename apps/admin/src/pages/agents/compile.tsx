import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useNavigate } from "react-router";

import { BUMPS, ZPublishVersionInput } from "@lx/shared/schemas";

import { Badge } from "../../components/ui/badge.tsx";
import { Button, ButtonLink } from "../../components/ui/button.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { TextareaField } from "../../components/ui/field.tsx";
import { ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { Segmented } from "../../components/ui/tabs.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { useDraft } from "../../features/draft/draft-context.tsx";
import { SpecErrors } from "../../features/draft/spec-errors.tsx";
import { ConfigDiff } from "../../features/diff/config-diff.tsx";
import { PromptDiff } from "../../features/diff/prompt-diff.tsx";
import { cn } from "../../lib/cn.ts";
import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { nextVersion, type Bump } from "../../lib/semver.ts";
import { useSingleFlight } from "../../lib/single-flight.ts";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";

type CompileOk = Extract<RouterOutputs["versions"]["compile"], { ok: true }>;

function Stat({
  label,
  value,
  delta,
  testId,
}: {
  label: string;
  value: string;
  delta?: string;
  testId?: string;
}) {
  return (
    <div className="rounded-xl bg-white px-4 py-3 shadow-sm ring-1 ring-slate-200" data-testid={testId}>
      <p className="text-xs font-medium text-slate-500">{label}</p>
      <p className="mt-1 flex items-baseline gap-2">
        <span className="text-xl font-semibold text-slate-900 tabular-nums">{value}</span>
        {delta ? <span className="text-xs font-medium text-slate-500 tabular-nums">{delta}</span> : null}
      </p>
    </div>
  );
}

function CompileResult({ result }: { result: CompileOk }) {
  const { t, number, validation } = useI18n();
  const [mode, setMode] = useState<"unified" | "split">("split");
  const tokensBefore = result.diff.tokens.before;
  const tokenDelta = tokensBefore === null ? undefined : result.stats.estimatedTokens - tokensBefore;

  return (
    <div className="space-y-6" data-testid="compile-result">
      <div className="flex flex-wrap items-center gap-2 text-sm text-slate-600">
        {result.activeVersion ? (
          <span>{t.compile.against(result.activeVersion)}</span>
        ) : (
          <span>{t.compile.againstNothing}</span>
        )}
        {result.sameAsActive ? <Badge tone="blue">{t.compile.sameAsActive}</Badge> : null}
      </div>

      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        <Stat label={t.compile.stats.chars} value={number(result.stats.promptChars)} testId="stat-chars" />
        <Stat
          label={t.compile.stats.tokens}
          value={number(result.stats.estimatedTokens)}
          delta={
            tokenDelta === undefined
              ? undefined
              : `${t.compile.stats.delta(tokenDelta)} ${t.compile.stats.vsActive}`
          }
          testId="stat-tokens"
        />
        <Stat label={t.compile.stats.tools} value={number(result.stats.toolCount)} />
        <Stat label={t.compile.stats.knowledge} value={number(result.stats.knowledgeChars)} />
      </div>

      <Card>
        <CardHeader title={t.compile.warnings} />
        <CardBody>
          {result.warnings.length === 0 ? (
            <p className="text-sm text-slate-500">{t.compile.noWarnings}</p>
          ) : (
            <ul className="space-y-1.5" data-testid="compile-warnings">
              {result.warnings.map((warning) => (
                <li key={warning} className="flex gap-2 text-sm text-amber-800">
                  <span aria-hidden>⚠</span>
                  {validation(warning)}
                </li>
              ))}
            </ul>
          )}
        </CardBody>
      </Card>

      <Card>
        <CardHeader
          title={t.compile.promptDiff}
          description={
            <span className="flex gap-3">
              <span className="text-emerald-700">{t.compile.linesAdded(result.diff.prompt.added)}</span>
              <span className="text-rose-700">{t.compile.linesRemoved(result.diff.prompt.removed)}</span>
            </span>
          }
          actions={
            <Segmented
              label={t.compile.promptDiff}
              value={mode}
              onChange={setMode}
              options={[
                { value: "split", label: t.compile.split },
                { value: "unified", label: t.compile.unified },
              ]}
            />
          }
        />
        <PromptDiff lines={result.diff.prompt.lines} mode={mode} />
      </Card>

      <Card>
        <CardHeader title={t.compile.configDiff} />
        <ConfigDiff changes={result.diff.config} />
      </Card>
    </div>
  );
}

function PublishCard({ canPublish }: { canPublish: boolean }) {
  const { t, validation } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const draft = useDraft();
  const { tenantSlug, agentSlug } = draft;
  const versions = useQuery(trpc.versions.list.queryOptions({ tenantSlug, agentSlug }));
  const [bump, setBump] = useState<Bump>("patch");
  const [changelog, setChangelog] = useState("");
  const [changelogError, setChangelogError] = useState<string | null>(null);

  const publish = useMutation(
    trpc.versions.publish.mutationOptions({
      onSuccess: async (version) => {
        toast.success(t.compile.publish.published(version.version));
        await Promise.all([
          queryClient.invalidateQueries(trpc.versions.pathFilter()),
          queryClient.invalidateQueries(trpc.agents.pathFilter()),
          queryClient.invalidateQueries(trpc.audit.pathFilter()),
        ]);
        void navigate("../versions", { relative: "path" });
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );

  const latest = versions.data?.[0]?.version ?? null;
  const next = nextVersion(latest, bump);

  const once = useSingleFlight();
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    // A double click published once and then said "Nada mudou desde a última versão".
    await once(() => submit());
  };
  const submit = async () => {
    const parsed = ZPublishVersionInput.safeParse({
      tenantSlug,
      agentSlug,
      spec: draft.spec,
      bump,
      changelog,
    });
    if (!parsed.success) {
      // The changelog's own error is said under it without its path (the client reads the changelog).
      setChangelogError(
        parsed.error.issues
          .map((issue) =>
            issue.path[0] === "changelog" ? validation(issue.message) : `${issue.path.join(".")}: ${validation(issue.message)}`,
          )
          .join("; "),
      );
      return;
    }
    setChangelogError(null);
    await draft.flush();
    await publish.mutateAsync(parsed.data); // a failure: its onError says why, useSingleFlight swallows it
  };

  const bumpLabels: Record<Bump, string> = {
    patch: t.compile.publish.patch,
    minor: t.compile.publish.minor,
    major: t.compile.publish.major,
  };

  return (
    <Card>
      <CardHeader title={t.compile.publish.title} description={t.compile.publish.subtitle} />
      <CardBody>
        <form
          onSubmit={(event) => void onSubmit(event)}
          className="space-y-4"
          aria-label={t.compile.publish.title}
        >
          <div className="flex flex-wrap items-center gap-4">
            <Segmented
              label={t.compile.publish.bump}
              value={bump}
              onChange={setBump}
              options={BUMPS.map((value) => ({ value, label: bumpLabels[value] }))}
            />
            <span className="text-sm font-medium text-slate-700" data-testid="next-version">
              {t.compile.publish.next(next)}
            </span>
          </div>
          <TextareaField
            label={t.compile.publish.changelog}
            hint={t.agentPages.publish.changelogHint}
            aria-required
            errors={changelogError ? [changelogError] : undefined}
            value={changelog}
            maxLength={2000}
            placeholder={t.compile.publish.changelogPlaceholder}
            onChange={(event) => setChangelog(event.target.value)}
          />
          <div className="flex items-center justify-between gap-3">
            <p className="text-xs text-slate-500">{canPublish ? "" : t.compile.publish.needsCompile}</p>
            <Button type="submit" disabled={!canPublish} loading={publish.isPending}>
              {publish.isPending ? t.compile.publish.submitting : t.compile.publish.submit}
            </Button>
          </div>
        </form>
      </CardBody>
    </Card>
  );
}

export function CompilePage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const draft = useDraft();
  const { tenantSlug, agentSlug, spec, errors } = draft;
  const compile = useMutation(trpc.versions.compile.mutationOptions());
  const { mutate: runCompile } = compile;
  const autoRan = useRef(false);

  // Opening the tab compiles the current draft once; "compile again" reruns it.
  useEffect(() => {
    if (autoRan.current || !spec || errors.length > 0) {
      return;
    }
    autoRan.current = true;
    runCompile({ tenantSlug, agentSlug, spec });
  }, [spec, errors.length, runCompile, tenantSlug, agentSlug]);

  if (draft.loading) {
    return <LoadingState />;
  }
  if (draft.loadError || !spec) {
    return <ErrorState error={draft.loadError} onRetry={draft.reload} />;
  }

  const localInvalid = errors.length > 0;
  const result = compile.data;
  const canPublish = !localInvalid && result?.ok === true && !compile.isPending;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-slate-500">{t.compile.subtitle}</p>
        <Button
          variant="secondary"
          onClick={() => runCompile({ tenantSlug, agentSlug, spec })}
          loading={compile.isPending}
          disabled={localInvalid}
        >
          {compile.isPending ? t.compile.running : result ? t.compile.rerun : t.compile.run}
        </Button>
      </div>

      {localInvalid ? (
        <div className="space-y-3">
          <SpecErrors errors={errors} title={t.compile.invalid} />
          <ButtonLink to="../spec" relative="path" variant="secondary" size="sm">
            {t.compile.fixInEditor}
          </ButtonLink>
        </div>
      ) : compile.isPending ? (
        <LoadingState label={t.compile.running} />
      ) : compile.isError ? (
        <ErrorState error={compile.error} onRetry={() => runCompile({ tenantSlug, agentSlug, spec })} />
      ) : result && !result.ok ? (
        <SpecErrors errors={result.errors} title={t.compile.invalid} />
      ) : result?.ok ? (
        <CompileResult result={result} />
      ) : null}

      <div className={cn(!canPublish && "opacity-90")}>
        <PublishCard canPublish={canPublish} />
      </div>
    </div>
  );
}
