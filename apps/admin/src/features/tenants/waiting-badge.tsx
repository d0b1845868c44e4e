import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";

/** How often the operators' waiting counts are read again (the inbox itself polls every 5 s). */
export const WAITING_POLL_MS = 20_000;

/**
 * How many customers wait for a human (conversations in `pending_human`): an amber pill with the
 * number, its meaning in words for screen readers and on hover. Nothing when none waits.
 */
export function WaitingBadge({
  count,
  className,
  "data-testid": testId,
}: {
  count: number;
  className?: string;
  "data-testid"?: string;
}) {
  const { t, number } = useI18n();
  if (count <= 0) {
    return null;
  }
  const label = t.nav.waiting(count);
  return (
    <span
      title={label}
      data-testid={testId}
      data-count={count}
      className={cn(
        "inline-flex min-w-5 items-center justify-center rounded-full bg-amber-500 px-1.5 py-0.5 text-[11px] leading-none font-semibold text-white tabular-nums",
        className,
      )}
    >
      <span aria-hidden>{number(count)}</span>
      <span className="sr-only">{label}</span>
    </span>
  );
}
