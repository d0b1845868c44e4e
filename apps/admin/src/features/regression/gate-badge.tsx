import { Badge, type BadgeTone } from "../../components/ui/badge.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";

const GATE_TONES: Record<string, BadgeTone> = { passed: "green", failed: "red", not_run: "amber", no_cases: "gray" };

/** A version's regression gate as a badge (the tests tab, the versions list, the client's versions). */
export function GateBadge({ gate }: { gate: string }) {
  const { t } = useI18n();
  return (
    <Badge tone={GATE_TONES[gate] ?? "gray"} data-testid="gate-badge">
      {t.regression.gate.label}: {t.regression.gate[gate] ?? gate}
    </Badge>
  );
}
