import { useEffect, useRef } from "react";
import { useBlocker } from "react-router";

import { Button } from "../../components/ui/button.tsx";
import { Dialog } from "../../components/ui/dialog.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useDraft } from "./draft-context.tsx";

/**
 * Leaving the spec editor (its tabs, the sidebar, the breadcrumbs, the browser's back) while it holds
 * work that is not saved. A valid edit still pending is saved first and the navigation goes on; an
 * unparsable JSON text, or an edit the server did not take, asks before it is dropped. Closing or
 * reloading the tab is asked by the browser (`beforeunload`, in DraftProvider).
 */
export function LeaveGuard() {
  const { t } = useI18n();
  const draft = useDraft();
  const { jsonError, saveState, flush, setJsonText, setJsonError } = draft;
  const unsaved =
    jsonError !== null ||
    saveState === "pending" ||
    saveState === "saving" ||
    saveState === "error" ||
    saveState === "conflict";
  // Switching the editor's view only changes `?view=`: never a departure.
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) => unsaved && currentLocation.pathname !== nextLocation.pathname,
  );
  const savesOnItsOwn = jsonError === null && (saveState === "pending" || saveState === "saving");
  const flushing = useRef(false);

  useEffect(() => {
    if (blocker.state !== "blocked" || !savesOnItsOwn || flushing.current) {
      return;
    }
    flushing.current = true;
    void flush().then((saved) => {
      flushing.current = false;
      // Saved: go on. Not saved: the state is now "error" and the dialog below asks.
      if (saved) {
        blocker.proceed();
      }
    });
  }, [blocker, savesOnItsOwn, flush]);

  const open = blocker.state === "blocked" && !savesOnItsOwn;
  const leave = () => {
    if (jsonError !== null) {
      // The unparsable text is dropped; the editor shows the last valid draft next time.
      setJsonText(null);
      setJsonError(null);
    }
    blocker.proceed?.();
  };

  return (
    <Dialog
      open={open}
      onClose={() => blocker.reset?.()}
      title={t.agentPages.leave.title}
      description={jsonError !== null ? t.agentPages.leave.invalidJson : t.agentPages.leave.saveFailed}
      footer={
        <>
          <Button variant="secondary" onClick={() => blocker.reset?.()} data-testid="leave-stay">
            {t.agentPages.leave.stay}
          </Button>
          <Button variant="danger" onClick={leave} data-testid="leave-confirm">
            {t.agentPages.leave.leave}
          </Button>
        </>
      }
    />
  );
}
