import { useState } from "react";

import { Button } from "../../components/ui/button.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useDraft } from "./draft-context.tsx";
import { formatSpecJson } from "./format.ts";

/**
 * A save refused because someone saved a newer draft since this editor loaded it (two tabs, two
 * operators, `lx apply`): says who and when, and offers to load the newer draft or to save this one
 * over it on purpose. The refused text stays below, read-only, to be copied — also after loading.
 */
export function ConflictBanner() {
  const { t, time } = useI18n();
  const draft = useDraft();
  const [busy, setBusy] = useState(false);
  const conflict = draft.conflict;
  if (!conflict) {
    return null;
  }
  const w = t.agentPages.conflict;
  const newer = conflict.newer;
  let who: string | null = null;
  if (newer && !conflict.resolved) {
    if (newer.source !== "draft") {
      who = w.discarded;
    } else {
      const when = newer.updatedAt ? time(newer.updatedAt) : "?";
      const label = newer.updatedByLabel ?? "?";
      who =
        newer.updatedBy === "apply"
          ? w.savedByApply(when)
          : newer.updatedBy === "wizard"
            ? w.savedByWizard(label, when)
            : w.savedBy(label, when);
    }
  }

  const overwrite = async () => {
    setBusy(true);
    try {
      await draft.overwrite();
    } finally {
      setBusy(false);
    }
  };

  return (
    <div
      role="alert"
      data-testid="draft-conflict"
      data-state={conflict.resolved ? "loaded" : "conflict"}
      className={
        conflict.resolved
          ? "space-y-2 rounded-lg border border-slate-200 bg-white p-4 text-sm text-slate-700"
          : "space-y-2 rounded-lg border border-rose-200 bg-rose-50 p-4 text-sm text-rose-900"
      }
    >
      <p className="font-semibold">{conflict.resolved ? w.loadedTitle : w.title}</p>
      {conflict.resolved ? (
        <p>{w.loadedBody}</p>
      ) : (
        <>
          {who ? <p data-testid="draft-conflict-who">{who}</p> : null}
          <p>{w.body}</p>
          <div className="flex flex-wrap gap-2">
            <Button size="sm" onClick={draft.loadNewer} data-testid="draft-conflict-load">
              {w.loadNewer}
            </Button>
            <Button size="sm" variant="secondary" loading={busy} onClick={() => void overwrite()}>
              {w.overwrite}
            </Button>
          </div>
        </>
      )}
      <details open={conflict.resolved}>
        <summary className="cursor-pointer text-xs font-medium">{w.mine}</summary>
        <textarea
          aria-label={w.mine}
          readOnly
          data-testid="draft-conflict-mine"
          value={formatSpecJson(conflict.mine)}
          onFocus={(e) => e.currentTarget.select()}
          className="mt-2 h-48 w-full rounded-md border border-slate-300 bg-white p-2 font-mono text-xs text-slate-800"
        />
      </details>
      {conflict.resolved ? (
        <Button size="sm" variant="ghost" onClick={draft.dismissConflict}>
          {w.dismiss}
        </Button>
      ) : null}
    </div>
  );
}
