import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Fragment, useState } from "react";
import { useParams } from "react-router";

import { approvalAllowsActivation, gateAllowsActivation } from "@lx/shared/domain";

import { Button } from "../../components/ui/button.tsx";
import { Card, CardHeader } from "../../components/ui/card.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { Checkbox } from "../../components/ui/field.tsx";
import { EmptyState, ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { ActiveBadge, ApprovalBadge } from "../../components/ui/status.tsx";
import { Table, TBody, Td, Th, THead, Tr } from "../../components/ui/table.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { VersionReview } from "../../features/diff/version-review.tsx";
import { GateBadge } from "../../features/regression/gate-badge.tsx";
import { cn } from "../../lib/cn.ts";
import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";

type VersionRow = RouterOutputs["versions"]["list"][number];

function HashPrefix({ hash }: { hash: string }) {
  return (
    <code className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700" title={hash}>
      {hash.slice(0, 12)}
    </code>
  );
}

export function VersionsPage() {
  const { tenantSlug = "", agentSlug = "" } = useParams();
  const { t, dateTime, actor } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const versions = useQuery(trpc.versions.list.queryOptions({ tenantSlug, agentSlug }));
  // The version being confirmed, read from the list: a refresh (after a refusal) updates its gates.
  const [toActivateVersion, setToActivateVersion] = useState<string | null>(null);
  const [override, setOverride] = useState(false);
  const [confirmRollback, setConfirmRollback] = useState(false);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.versions.pathFilter()),
      queryClient.invalidateQueries(trpc.agents.pathFilter()),
      queryClient.invalidateQueries(trpc.drafts.pathFilter()),
      queryClient.invalidateQueries(trpc.audit.pathFilter()),
    ]);

  const activate = useMutation(
    trpc.versions.activate.mutationOptions({
      onSuccess: async (result) => {
        toast.success(result.changed ? t.versions.activated(result.to) : t.versions.alreadyActive(result.to));
        setToActivateVersion(null);
        setOverride(false);
        await refresh();
      },
      onError: async (err) => {
        toast.error(errorMessage(err, t));
        // The dialog stays open and shows the gates as they are now (the client may have decided meanwhile).
        setOverride(false);
        await refresh();
      },
    }),
  );

  const rollback = useMutation(
    trpc.versions.rollback.mutationOptions({
      onSuccess: async (result) => {
        toast.success(t.versions.rolledBack(result.from ?? "?", result.to));
        setConfirmRollback(false);
        await refresh();
      },
      onError: async (err) => {
        // A list loaded before someone else's switch still offers it: the refusal's reason says why.
        toast.error(errorMessage(err, t));
        setConfirmRollback(false);
        await refresh();
      },
    }),
  );

  if (versions.isPending) {
    return <LoadingState />;
  }
  if (versions.isError) {
    return <ErrorState error={versions.error} onRetry={() => void versions.refetch()} />;
  }

  const active = versions.data.find((version) => version.active) ?? null;
  const toActivate: VersionRow | null =
    versions.data.find((version) => version.version === toActivateVersion) ?? null;
  // The gates holding the version back: the client's approval, the regression gate. One override passes both.
  const approvalHeld = toActivate !== null && !approvalAllowsActivation(toActivate.approvalGate);
  const testsHeld = toActivate !== null && !gateAllowsActivation(toActivate.gate);
  // The version a rollback would restore (the one live before the current one), or none.
  const rollbackTarget = versions.data.find((version) => version.rollbackTarget) ?? null;
  const rollbackBlocked = !active
    ? t.agentPages.rollback.noneActive
    : !rollbackTarget
      ? t.agentPages.rollback.noneHint(active.version)
      : null;
  const toggle = (id: string) =>
    setOpen((all) => {
      const next = new Set(all);
      if (next.has(id)) {
        next.delete(id);
      } else {
        next.add(id);
      }
      return next;
    });

  return (
    <Card>
      <CardHeader
        title={t.versions.title}
        description={t.versions.subtitle}
        actions={
          <div className="flex flex-col items-end gap-1">
            <Button
              variant="secondary"
              size="sm"
              disabled={rollbackTarget === null}
              aria-describedby={rollbackBlocked ? "rollback-unavailable" : undefined}
              title={rollbackBlocked ?? undefined}
              data-testid="rollback-button"
              onClick={() => setConfirmRollback(true)}
            >
              ↶ {rollbackTarget ? t.agentPages.rollback.button(rollbackTarget.version) : t.versions.rollback}
            </Button>
            {rollbackBlocked ? (
              <p
                id="rollback-unavailable"
                className="text-xs text-slate-500"
                data-testid="rollback-unavailable"
              >
                {active ? t.agentPages.rollback.none : rollbackBlocked}
              </p>
            ) : null}
          </div>
        }
      />
      {versions.data.length === 0 ? (
        <EmptyState title={t.versions.empty} />
      ) : (
        <Table data-testid="versions-table">
          <THead>
            <tr>
              <Th className="w-8">
                <span className="sr-only">{t.common.details}</span>
              </Th>
              <Th>{t.versions.version}</Th>
              <Th>{t.versions.approvalAndTests}</Th>
              <Th>{t.versions.changelog}</Th>
              <Th>{t.versions.when}</Th>
              <Th className="text-right">{t.common.actions}</Th>
            </tr>
          </THead>
          <TBody>
            {versions.data.map((version) => {
              const expanded = open.has(version.id);
              return (
                <Fragment key={version.id}>
                  <Tr
                    data-testid={`version-row-${version.version}`}
                    className={cn(version.active && "bg-indigo-50/40 hover:bg-indigo-50/60")}
                  >
                    <Td className="pr-0">
                      <button
                        type="button"
                        onClick={() => toggle(version.id)}
                        aria-expanded={expanded}
                        aria-label={`${expanded ? t.common.collapse : t.common.expand} v${version.version}`}
                        className="flex size-6 items-center justify-center rounded text-slate-400 hover:bg-slate-100 hover:text-slate-700 focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none"
                      >
                        <span className={cn("transition-transform", expanded && "rotate-90")} aria-hidden>
                          ▸
                        </span>
                      </button>
                    </Td>
                    <Td>
                      <div className="flex items-center gap-2">
                        <span className="font-mono font-semibold text-slate-900">v{version.version}</span>
                        {version.active ? <ActiveBadge label={t.versions.active} /> : null}
                      </div>
                      <div className="mt-1">
                        <HashPrefix hash={version.bundleHash} />
                      </div>
                    </Td>
                    <Td>
                      <div className="flex flex-col items-start gap-1">
                        {/* Pending on a tenant with no client login: nobody is awaited, so the badge does not say so. */}
                        <ApprovalBadge
                          status={
                            version.approvalGate === "not_required" && version.approvalStatus === "pending" ? "not_required" : version.approvalStatus
                          }
                        />
                        {version.rejectionNote ? (
                          <p
                            className="max-w-[14rem] truncate text-xs text-rose-700"
                            title={version.rejectionNote}
                            data-testid="rejection-note"
                          >
                            {t.versions.approvalGate.clientNote(version.rejectionNote)}
                          </p>
                        ) : null}
                        {version.approvalGate === "not_required" && version.approvalStatus !== "approved" ? (
                          <p className="text-xs text-slate-500" data-testid="approval-not-required">
                            {t.versions.approvalGate.notRequired}
                          </p>
                        ) : null}
                        {version.gate === "no_cases" ? null : <GateBadge gate={version.gate} />}
                      </div>
                    </Td>
                    <Td className="max-w-[16rem] truncate text-slate-600" title={version.changelog}>
                      {version.changelog || <span className="text-slate-400">{t.common.none}</span>}
                    </Td>
                    <Td className="max-w-[13rem]">
                      <p className="whitespace-nowrap text-slate-500">{dateTime(version.createdAt)}</p>
                      <p className="truncate text-xs text-slate-500" title={actor(version.createdByLabel)}>
                        {t.versions.publishedBy(actor(version.createdByLabel))}
                      </p>
                    </Td>
                    <Td className="text-right">
                      {version.active ? null : (
                        <Button
                          size="sm"
                          variant="secondary"
                          onClick={() => setToActivateVersion(version.version)}
                        >
                          {t.versions.activate}
                        </Button>
                      )}
                    </Td>
                  </Tr>
                  {expanded ? (
                    <tr className="bg-slate-50/70">
                      <td />
                      <td colSpan={5} className="px-4 py-3">
                        <dl className="grid gap-x-6 gap-y-2 text-xs sm:grid-cols-[max-content_1fr]">
                          <dt className="font-medium text-slate-500">{t.versions.specHash}</dt>
                          <dd className="font-mono break-all text-slate-700">{version.specHash}</dd>
                          <dt className="font-medium text-slate-500">{t.versions.bundleHash}</dt>
                          <dd className="font-mono break-all text-slate-700">{version.bundleHash}</dd>
                          <dt className="font-medium text-slate-500">{t.versions.approvedAt}</dt>
                          <dd className="text-slate-700">
                            {version.approvedAt ? dateTime(version.approvedAt) : t.common.none}
                          </dd>
                        </dl>
                        {/* What this version changes, as its client reviews it (against the version live before it). */}
                        <div className="mt-4 border-t border-slate-200 pt-4" data-testid="operator-version-review">
                          <VersionReview tenantSlug={tenantSlug} agentSlug={agentSlug} version={version.version} gate={version.gate} />
                        </div>
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
        open={toActivate !== null}
        onClose={() => {
          setToActivateVersion(null);
          setOverride(false);
        }}
        onConfirm={() =>
          toActivate
            ? activate.mutateAsync({ tenantSlug, agentSlug, version: toActivate.version, force: override })
            : undefined
        }
        confirmDisabled={(approvalHeld || testsHeld) && !override}
        title={toActivate ? t.versions.activateTitle(toActivate.version) : ""}
        description={t.versions.activateBody}
        confirmLabel={t.versions.activate}
        busy={activate.isPending}
      >
        <div className="space-y-3">
          {toActivate?.approvalGate === "not_required" && toActivate.approvalStatus !== "approved" ? (
            // No client login: nobody's approval is awaited (the list says "Aprovação não exigida").
            <p className="rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-700 ring-1 ring-slate-200">
              {t.versions.approvalGate.notRequired}
            </p>
          ) : null}
          {toActivate && approvalHeld ? (
            <div
              className="space-y-1 rounded-md bg-rose-50 px-3 py-2 ring-1 ring-rose-200"
              data-testid="approval-warning"
            >
              <p className="text-sm font-semibold text-rose-800">{t.versions.approvalGate.blockedTitle}</p>
              <p className="text-sm text-rose-800">
                {toActivate.approvalGate === "rejected"
                  ? toActivate.rejectionNote
                    ? t.versions.approvalGate.rejectedNote(toActivate.version, toActivate.rejectionNote)
                    : t.versions.approvalGate.rejected(toActivate.version)
                  : t.versions.approvalGate.pending(toActivate.version)}
              </p>
            </div>
          ) : null}
          {toActivate && (toActivate.gate === "failed" || toActivate.gate === "not_run") ? (
            <div
              className="space-y-1 rounded-md bg-rose-50 px-3 py-2 ring-1 ring-rose-200"
              data-testid="gate-warning"
            >
              <p className="text-sm font-semibold text-rose-800">{t.regression.activation.blockedTitle}</p>
              <p className="text-sm text-rose-800">
                {t.regression.activation[toActivate.gate](toActivate.version)}
              </p>
            </div>
          ) : null}
          {approvalHeld || testsHeld ? (
            // One override, naming every gate it passes (each is audited on its own).
            <Checkbox
              label={
                approvalHeld && testsHeld
                  ? t.versions.approvalGate.overrideBoth
                  : approvalHeld
                    ? t.versions.approvalGate.overrideApproval
                    : t.regression.activation.override
              }
              checked={override}
              onChange={(e) => setOverride(e.target.checked)}
            />
          ) : null}
        </div>
      </ConfirmDialog>

      <ConfirmDialog
        open={confirmRollback}
        onClose={() => setConfirmRollback(false)}
        onConfirm={() =>
          rollback.mutateAsync({
            tenantSlug,
            agentSlug,
            // What the confirmation names: refused if someone switched versions since this list loaded.
            ...(active && rollbackTarget ? { expect: { from: active.version, to: rollbackTarget.version } } : {}),
          })
        }
        title={t.versions.rollbackTitle}
        description={
          active && rollbackTarget
            ? t.agentPages.rollback.body(rollbackTarget.version, active.version)
            : undefined
        }
        confirmLabel={t.versions.rollback}
        confirmVariant="danger"
        busy={rollback.isPending}
      />
    </Card>
  );
}
