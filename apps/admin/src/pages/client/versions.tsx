import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useState } from "react";

import { ZApproveVersionInput } from "@lx/shared/schemas";

import { Button } from "../../components/ui/button.tsx";
import { Card, CardHeader } from "../../components/ui/card.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { TextareaField } from "../../components/ui/field.tsx";
import { Page, PageHeader } from "../../components/ui/page.tsx";
import { EmptyState, ErrorState, LoadingState, WarningNote } from "../../components/ui/states.tsx";
import { ActiveBadge, ApprovalBadge } from "../../components/ui/status.tsx";
import { Table, TBody, Td, Th, THead, Tr } from "../../components/ui/table.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { VersionReview } from "../../features/diff/version-review.tsx";
import { GateBadge } from "../../features/regression/gate-badge.tsx";
import { cn } from "../../lib/cn.ts";
import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useUser } from "../../lib/session.ts";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import { useClientTenant } from "./use-client-tenant.ts";

type Agent = RouterOutputs["agents"]["list"][number];
type Version = RouterOutputs["versions"]["list"][number];
/** The decision being confirmed, and the one standing on that version (the client changes its mind). */
type Decision = { version: string; decision: "approved" | "rejected"; standing: Version["decision"] };

/** Under a version's badge: the client's standing decision (which, who, when) and its note. */
function StandingDecision({ decision }: { decision: NonNullable<Version["decision"]> }) {
  const { t, dateTime } = useI18n();
  const who = useDecidedBy(decision);
  return (
    <div className="mt-1 max-w-xs space-y-0.5 text-xs text-slate-600" data-testid="client-decision">
      <p>{t.client.decidedBy(decision.status, who, dateTime(decision.at))}</p>
      {decision.note ? (
        <p className="break-words text-slate-700" data-testid="client-decision-note">
          {t.client.decisionNote(decision.note)}
        </p>
      ) : null}
    </div>
  );
}

/** Who decided: "você (e-mail)" for the signed-in client, else the other client login's e-mail. */
function useDecidedBy(decision: NonNullable<Version["decision"]>): string {
  const { t } = useI18n();
  const user = useUser();
  return decision.byLabel === user.email ? t.client.you(user.email) : decision.byLabel;
}

/** The confirmation's reminder when a decision already stands: confirming replaces it. */
function ChangeMind({ standing }: { standing: NonNullable<Version["decision"]> }) {
  const { t, dateTime } = useI18n();
  const who = useDecidedBy(standing);
  return (
    <p className="mb-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200" data-testid="change-mind">
      {t.client.changeMind(standing.status, who, dateTime(standing.at))}
      {standing.note ? <span className="mt-1 block break-words">{t.client.decisionNote(standing.note)}</span> : null}
    </p>
  );
}

function AgentVersions({ tenantSlug, agent }: { tenantSlug: string; agent: Agent }) {
  const { t, dateTime, validation } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const versions = useQuery(trpc.versions.list.queryOptions({ tenantSlug, agentSlug: agent.slug }));
  const [deciding, setDeciding] = useState<Decision | null>(null);
  const [note, setNote] = useState("");
  const [noteError, setNoteError] = useState<string | null>(null);
  /** The versions opened for review; a version opened from its test badge shows the run at once. */
  const [open, setOpen] = useState<ReadonlyMap<string, { showRun: boolean }>>(new Map());
  const toggle = (version: string, showRun = false) =>
    setOpen((all) => {
      const next = new Map(all);
      if (next.has(version) && !showRun) {
        next.delete(version);
      } else {
        next.set(version, { showRun });
      }
      return next;
    });

  const approve = useMutation(
    trpc.versions.approve.mutationOptions({
      onSuccess: async (result) => {
        toast.success(
          result.approvalStatus === "approved"
            ? t.client.approved(result.version)
            : t.client.rejected(result.version),
        );
        setDeciding(null);
        setNote("");
        await Promise.all([
          queryClient.invalidateQueries(trpc.versions.pathFilter()),
          queryClient.invalidateQueries(trpc.agents.pathFilter()),
        ]);
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );

  const confirm = () => {
    if (!deciding) {
      return;
    }
    const parsed = ZApproveVersionInput.safeParse({
      tenantSlug,
      agentSlug: agent.slug,
      version: deciding.version,
      decision: deciding.decision,
      note: note.trim() === "" ? undefined : note,
    });
    if (!parsed.success) {
      setNoteError(parsed.error.issues.map((issue) => validation(issue.message)).join("; "));
      return;
    }
    setNoteError(null);
    return approve.mutateAsync(parsed.data);
  };

  return (
    <Card data-testid={`client-agent-${agent.slug}`}>
      <CardHeader
        title={agent.name}
        description={
          agent.activeVersion ? (
            <ActiveBadge label={t.agent.active(agent.activeVersion.version)} />
          ) : (
            t.tenant.noActive
          )
        }
      />
      {versions.isPending ? (
        <LoadingState />
      ) : versions.isError ? (
        <ErrorState error={versions.error} onRetry={() => void versions.refetch()} />
      ) : versions.data.length === 0 ? (
        <EmptyState title={t.versions.empty} />
      ) : (
        <Table>
          <THead>
            <tr>
              <Th>{t.versions.version}</Th>
              <Th>{t.versions.approval}</Th>
              <Th>{t.versions.changelog}</Th>
              <Th>{t.versions.when}</Th>
              <Th className="text-right">{t.common.actions}</Th>
            </tr>
          </THead>
          <TBody>
            {versions.data.map((version) => {
              const opened = open.get(version.version);
              return (
                <Fragment key={version.id}>
                  <Tr
                    data-testid={`client-version-${version.version}`}
                    className={cn(opened && "bg-slate-50/70")}
                  >
                    <Td>
                      <div className="flex items-center gap-2">
                        <span className="font-mono font-semibold text-slate-900">v{version.version}</span>
                        {version.active ? <ActiveBadge label={t.versions.active} /> : null}
                      </div>
                      <button
                        type="button"
                        onClick={() => toggle(version.version)}
                        aria-expanded={opened !== undefined}
                        aria-controls={`review-${version.id}`}
                        aria-label={t.agentPages.review.open(version.version)}
                        data-testid="open-review"
                        className="mt-1 flex items-center gap-1 rounded text-xs font-medium text-indigo-700 hover:underline focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none"
                      >
                        <span className={cn("inline-block transition-transform", opened && "rotate-90")} aria-hidden>
                          ▸
                        </span>
                        {t.agentPages.review.openShort}
                      </button>
                    </Td>
                    <Td>
                      <div className="flex flex-wrap items-center gap-2">
                        <ApprovalBadge status={version.approvalStatus} />
                        {version.gate === "no_cases" ? null : (
                          // The badge opens the review with the run behind it (or says why there is none).
                          <button
                            type="button"
                            onClick={() => toggle(version.version, true)}
                            aria-label={`${t.regression.gate.label}: ${t.regression.gate[version.gate] ?? version.gate} — ${t.agentPages.review.showRun}`}
                            data-testid="open-gate-run"
                            className="rounded-full focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none"
                          >
                            <GateBadge gate={version.gate} />
                          </button>
                        )}
                      </div>
                      {version.decision ? <StandingDecision decision={version.decision} /> : null}
                      {version.active && version.approvalStatus === "rejected" ? (
                        // Rejecting does not take it off the air: the agency rolls back or activates another.
                        <p className="mt-1 max-w-xs text-xs font-medium text-amber-800" data-testid="rejected-still-live">
                          {t.client.rejectedLive}
                        </p>
                      ) : null}
                    </Td>
                    <Td className="max-w-md break-words text-slate-600">
                      {version.changelog || <span className="text-slate-400">{t.versions.noChangelog}</span>}
                    </Td>
                    <Td className="whitespace-nowrap text-slate-500">{dateTime(version.createdAt)}</Td>
                    <Td>
                      <div className="flex justify-end gap-2">
                        <Button
                          size="sm"
                          variant="secondary"
                          disabled={version.approvalStatus === "rejected"}
                          onClick={() =>
                            setDeciding({ version: version.version, decision: "rejected", standing: version.decision })
                          }
                        >
                          {t.client.reject}
                        </Button>
                        <Button
                          size="sm"
                          disabled={version.approvalStatus === "approved"}
                          onClick={() =>
                            setDeciding({ version: version.version, decision: "approved", standing: version.decision })
                          }
                        >
                          {t.client.approve}
                        </Button>
                      </div>
                    </Td>
                  </Tr>
                  {opened ? (
                    <tr id={`review-${version.id}`} className="bg-slate-50/70">
                      <td colSpan={5} className="px-4 py-4">
                        <VersionReview
                          key={opened.showRun ? "run" : "plain"}
                          tenantSlug={tenantSlug}
                          agentSlug={agent.slug}
                          version={version.version}
                          gate={version.gate}
                          showRunAtFirst={opened.showRun}
                        />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </TBody>
        </Table>
      )}
      <ConfirmDialog
        open={deciding !== null}
        onClose={() => {
          setDeciding(null);
          setNoteError(null);
        }}
        onConfirm={confirm}
        title={
          deciding
            ? deciding.decision === "approved"
              ? t.client.approveTitle(deciding.version)
              : t.client.rejectTitle(deciding.version)
            : ""
        }
        confirmLabel={deciding?.decision === "rejected" ? t.client.reject : t.client.approve}
        confirmVariant={deciding?.decision === "rejected" ? "danger" : "primary"}
        busy={approve.isPending}
      >
        {deciding?.decision === "rejected" &&
        versions.data?.some((version) => version.version === deciding.version && version.active) ? (
          <div className="mb-3">
            <WarningNote role="status" data-testid="reject-live">
              {t.client.rejectLive(deciding.version)}
            </WarningNote>
          </div>
        ) : null}
        {deciding?.standing ? <ChangeMind standing={deciding.standing} /> : null}
        <TextareaField
          label={t.client.note}
          optional={t.common.optional}
          errors={noteError ? [noteError] : undefined}
          value={note}
          maxLength={2000}
          placeholder={t.client.notePlaceholder}
          onChange={(event) => setNote(event.target.value)}
        />
      </ConfirmDialog>
    </Card>
  );
}

export function ClientVersionsPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const tenant = useClientTenant();
  const tenantSlug = tenant.data?.slug ?? "";
  const agents = useQuery({ ...trpc.agents.list.queryOptions({ tenantSlug }), enabled: tenantSlug !== "" });

  if (tenant.isPending || (tenantSlug !== "" && agents.isPending)) {
    return <LoadingState className="min-h-[60vh]" />;
  }
  if (tenant.isError || agents.isError) {
    return (
      <Page>
        <ErrorState
          error={tenant.error ?? agents.error}
          onRetry={() => void Promise.all([tenant.refetch(), agents.refetch()])}
        />
      </Page>
    );
  }

  return (
    <Page>
      <PageHeader
        title={t.client.versionsTitle}
        description={t.client.versionsSubtitle}
        meta={<span className="text-sm font-medium text-slate-700">{tenant.data.name}</span>}
      />
      <div className="space-y-6">
        {(agents.data ?? []).length === 0 ? (
          <Card>
            <EmptyState title={t.tenant.noAgents} />
          </Card>
        ) : (
          (agents.data ?? []).map((agent) => (
            <AgentVersions key={agent.id} tenantSlug={tenantSlug} agent={agent} />
          ))
        )}
      </div>
    </Page>
  );
}
