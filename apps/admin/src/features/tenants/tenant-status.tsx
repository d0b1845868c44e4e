import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, type ReactNode } from "react";

import type { TTenantStatus } from "@lx/shared/schemas";

import { PauseCircleIcon } from "../../components/icons.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { TenantStatusBadge } from "../../components/ui/status.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { cn } from "../../lib/cn.ts";
import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import { RequestError } from "../customers/customer-errors.tsx";

type Tenant = RouterOutputs["tenants"]["bySlug"];

/**
 * Paused or archived: the bot answers nobody on the tenant's Meta numbers (no reply, no read receipt,
 * no reminder); messages still arrive in the inbox for a human to answer.
 */
export function isBotStopped(status: string): boolean {
  return status !== "active";
}

/**
 * The warning a paused or archived tenant's pages show at their top (nothing for an active one):
 * `inbox` words it for the people answering conversations. `action`: a resume button or a link.
 */
export function BotStoppedBanner({
  status,
  inbox = false,
  action,
  className,
}: {
  status: string;
  inbox?: boolean;
  action?: ReactNode;
  className?: string;
}) {
  const { t } = useI18n();
  if (!isBotStopped(status)) {
    return null;
  }
  const words = inbox ? t.tenantStatus.inboxBanner : t.tenantStatus.banner;
  return (
    <div
      role="status"
      className={cn(
        "flex flex-wrap items-center justify-between gap-3 rounded-lg bg-amber-50 px-4 py-3 ring-1 ring-amber-200",
        className,
      )}
      data-testid="bot-stopped-banner"
      data-status={status}
    >
      <p className="flex min-w-0 flex-1 items-start gap-2.5 text-sm font-medium text-amber-900">
        <PauseCircleIcon className="size-5 shrink-0 text-amber-600" />
        <span>{words[status] ?? words.paused}</span>
      </p>
      {action ? <div className="flex shrink-0 items-center gap-2">{action}</div> : null}
    </div>
  );
}

/**
 * The tenant page's control (operators only): what the bot does now, and the buttons to pause,
 * archive or resume it. Each opens `TenantStatusDialog` through `onChange`.
 */
export function TenantStatusCard({
  tenant,
  onChange,
  className,
}: {
  tenant: Tenant;
  onChange: (status: TTenantStatus) => void;
  className?: string;
}) {
  const { t } = useI18n();
  const titleId = useId();
  const stopped = isBotStopped(tenant.status);
  return (
    <Card
      className={className}
      aria-labelledby={titleId}
      data-testid="tenant-status-card"
      data-status={tenant.status}
    >
      <CardHeader
        titleId={titleId}
        title={t.tenantStatus.cardTitle}
        actions={<TenantStatusBadge status={tenant.status} />}
      />
      <CardBody className="space-y-3">
        <p className="text-sm text-slate-600">{t.tenantStatus.state[tenant.status] ?? tenant.status}</p>
        <div className="flex flex-wrap gap-2">
          {stopped ? (
            <Button size="sm" onClick={() => onChange("active")}>
              {t.tenantStatus.resume}
            </Button>
          ) : (
            <Button size="sm" variant="secondary" onClick={() => onChange("paused")}>
              {t.tenantStatus.pause}
            </Button>
          )}
          {tenant.status === "archived" ? null : (
            <Button
              size="sm"
              variant="ghost"
              className="text-rose-700 hover:bg-rose-50"
              onClick={() => onChange("archived")}
            >
              {t.tenantStatus.archive}
            </Button>
          )}
        </div>
      </CardBody>
    </Card>
  );
}

/** What a change does, in plain words, before the operator confirms it. */
function StatusChangeBody({ target }: { target: TTenantStatus }) {
  const { t } = useI18n();
  if (target === "active") {
    return (
      <div className="space-y-2" data-testid="tenant-status-effects">
        <p>{t.tenantStatus.resumeBody}</p>
        <p className="text-slate-500">{t.tenantStatus.audited}</p>
      </div>
    );
  }
  return (
    <div className="space-y-2" data-testid="tenant-status-effects">
      <p>{target === "paused" ? t.tenantStatus.pauseWhen : t.tenantStatus.archiveWhen}</p>
      <ul className="list-disc space-y-0.5 pl-5">
        {t.tenantStatus.effects.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
      <p>{target === "paused" ? t.tenantStatus.resumeLater : t.tenantStatus.archiveData}</p>
      <p className="text-slate-500">{t.tenantStatus.audited}</p>
    </div>
  );
}

/**
 * Pauses, archives or resumes the tenant's bot (`tenants.setStatus`) once the operator confirms
 * what it means; the tenant queries are refreshed after. `target` null: closed.
 */
export function TenantStatusDialog({
  tenant,
  target,
  onClose,
}: {
  tenant: Tenant;
  target: TTenantStatus | null;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const setStatus = useMutation(
    trpc.tenants.setStatus.mutationOptions({
      onSuccess: async (result) => {
        toast.success(
          !result.changed
            ? t.tenantStatus.unchanged
            : result.status === "active"
              ? t.tenantStatus.resumed(tenant.name)
              : result.status === "paused"
                ? t.tenantStatus.paused(tenant.name)
                : t.tenantStatus.archived(tenant.name),
        );
        onClose();
        await queryClient.invalidateQueries(trpc.tenants.pathFilter());
      },
    }),
  );
  const close = () => {
    setStatus.reset();
    onClose();
  };
  const words = {
    active: { title: t.tenantStatus.resumeTitle(tenant.name), confirm: t.tenantStatus.resume },
    paused: { title: t.tenantStatus.pauseTitle(tenant.name), confirm: t.tenantStatus.pause },
    archived: { title: t.tenantStatus.archiveTitle(tenant.name), confirm: t.tenantStatus.archive },
  } satisfies Record<TTenantStatus, { title: string; confirm: string }>;
  return (
    <ConfirmDialog
      open={target !== null}
      onClose={close}
      onConfirm={() => (target ? setStatus.mutateAsync({ tenantSlug: tenant.slug, status: target }) : undefined)}
      title={target ? words[target].title : ""}
      description={target ? <StatusChangeBody target={target} /> : undefined}
      confirmLabel={target ? words[target].confirm : ""}
      confirmVariant={target === "active" ? "primary" : "danger"}
      busy={setStatus.isPending}
    >
      {setStatus.error ? <RequestError>{errorMessage(setStatus.error, t)}</RequestError> : null}
    </ConfirmDialog>
  );
}
