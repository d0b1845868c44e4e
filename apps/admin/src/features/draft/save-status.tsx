import { Spinner } from "../../components/ui/spinner.tsx";
import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useDraft } from "./draft-context.tsx";

/** The draft's save state, always visible in the editor toolbar (`data-state` for tests). */
export function SaveStatus() {
  const { t, time, dateTime } = useI18n();
  const draft = useDraft();

  let state: string;
  let text: string;
  let tone: string;
  if (draft.jsonError) {
    state = "invalid-json";
    text = t.spec.jsonBroken;
    tone = "text-amber-700";
  } else if (draft.saveState === "saving") {
    state = "saving";
    text = t.spec.saving;
    tone = "text-slate-500";
  } else if (draft.saveState === "pending") {
    state = "pending";
    text = t.spec.unsaved;
    tone = "text-slate-500";
  } else if (draft.saveState === "conflict") {
    state = "conflict";
    text = t.agentPages.conflict.status;
    tone = "text-rose-700";
  } else if (draft.saveState === "error") {
    state = "error";
    text = t.spec.saveFailed;
    tone = "text-rose-700";
  } else if (draft.saveState === "saved" && draft.savedAt) {
    state = "saved";
    text = t.spec.savedAt(time(draft.savedAt));
    tone = "text-emerald-700";
  } else if (draft.info?.source === "draft") {
    state = "loaded";
    // Provisioning (`lx apply`) writes drafts with no user behind them, the onboarding wizard with
    // the operator who ran it: each named for what it is, never "?".
    const { updatedBy, updatedByLabel } = draft.info;
    const who =
      updatedBy === "apply"
        ? t.agentPages.draftBy.apply
        : updatedBy === "wizard"
          ? updatedByLabel
            ? t.agentPages.draftBy.wizardBy(updatedByLabel)
            : t.agentPages.draftBy.wizard
          : updatedByLabel
            ? t.spec.sourceDraft(updatedByLabel)
            : t.agentPages.draftBy.system;
    text = `${who}${draft.info.updatedAt ? ` · ${dateTime(draft.info.updatedAt)}` : ""}`;
    tone = "text-slate-500";
  } else if (draft.info?.source === "active" && draft.info.activeVersion) {
    state = "loaded";
    text = t.spec.sourceActive(draft.info.activeVersion);
    tone = "text-slate-500";
  } else {
    state = "loaded";
    text = t.spec.sourceNone;
    tone = "text-slate-500";
  }

  return (
    <div
      role="status"
      aria-live="polite"
      data-testid="save-status"
      data-state={state}
      className={cn("flex items-center gap-1.5 text-xs font-medium", tone)}
    >
      {state === "saving" ? <Spinner className="size-3.5" /> : null}
      {state === "saved" ? <span aria-hidden>✓</span> : null}
      {state === "pending" ? <span aria-hidden className="size-1.5 rounded-full bg-amber-500" /> : null}
      <span>{text}</span>
      {state === "error" ? (
        <button
          type="button"
          className="ml-1 rounded underline focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none"
          onClick={() => void draft.flush()}
        >
          {t.common.retry}
        </button>
      ) : null}
    </div>
  );
}
