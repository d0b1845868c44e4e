import { Badge, type BadgeTone } from "../../components/ui/badge.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";

const MODE_TONES: Record<string, BadgeTone | undefined> = {
  bot: "indigo",
  pending_human: "amber",
  human: "green",
  closed: "gray",
};

/** bot / waiting for a human / human / closed. */
export function ModeBadge({ mode, className }: { mode: string; className?: string }) {
  const { t } = useI18n();
  return (
    <Badge tone={MODE_TONES[mode] ?? "gray"} dot className={className} data-testid="mode-badge">
      {t.inbox.modes[mode] ?? mode}
    </Badge>
  );
}

const DELIVERY_TONES: Record<string, BadgeTone | undefined> = {
  queued: "gray",
  sending: "blue",
  ambiguous: "amber",
  sent: "blue",
  delivered: "green",
  read: "green",
  failed: "red",
  dead: "red",
  blocked: "red",
  cancelled: "gray",
};

const DELIVERY_MARKS: Record<string, string | undefined> = { sent: "✓", delivered: "✓✓", read: "✓✓" };

/**
 * The outbox status of an outgoing message; the error (if any) in the tooltip. `subject` names what
 * the status is of when it is not the message's own text ("Template retomada_v1: ✓✓ Lida").
 */
export function DeliveryBadge({
  status,
  attempts,
  error,
  subject,
}: {
  status: string;
  attempts: number;
  error?: string | null;
  subject?: string;
}) {
  const { t } = useI18n();
  const label = t.inbox.statuses[status] ?? status;
  const title = [t.inbox.statusTitle(label, attempts), error].filter(Boolean).join("\n");
  return (
    <Badge
      tone={DELIVERY_TONES[status] ?? "gray"}
      className="px-1.5 py-0 text-[10px]"
      data-testid="delivery-status"
    >
      <span title={title} data-status={status}>
        {subject ? `${subject}: ` : null}
        {DELIVERY_MARKS[status] ? (
          <span aria-hidden className={status === "read" ? "text-sky-600" : undefined}>
            {DELIVERY_MARKS[status]}{" "}
          </span>
        ) : null}
        {label}
      </span>
    </Badge>
  );
}
