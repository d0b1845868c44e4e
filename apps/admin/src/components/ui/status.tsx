import { useI18n } from "../../lib/i18n/context.tsx";
import { Badge, type BadgeTone } from "./badge.tsx";

const TENANT_TONES: Record<string, BadgeTone | undefined> = {
  active: "green",
  paused: "amber",
  archived: "gray",
};

export function TenantStatusBadge({ status }: { status: string }) {
  const { t } = useI18n();
  return (
    <Badge tone={TENANT_TONES[status] ?? "gray"} dot>
      {t.tenants.statusLabel[status] ?? status}
    </Badge>
  );
}

const APPROVAL_TONES: Record<string, BadgeTone | undefined> = {
  pending: "amber",
  approved: "green",
  rejected: "red",
};

export function ApprovalBadge({ status }: { status: string }) {
  const { t } = useI18n();
  return (
    <Badge tone={APPROVAL_TONES[status] ?? "gray"} data-testid="approval-badge">
      {t.approval[status] ?? status}
    </Badge>
  );
}

export function ActiveBadge({ label }: { label: string }) {
  return (
    <Badge tone="indigo" dot data-testid="active-badge">
      {label}
    </Badge>
  );
}
