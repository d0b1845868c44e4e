import { useState } from "react";
import { useSearchParams } from "react-router";

import { Badge } from "../../components/ui/badge.tsx";
import { Button, ButtonLink } from "../../components/ui/button.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { Segmented } from "../../components/ui/tabs.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { useDraft } from "../../features/draft/draft-context.tsx";
import { ConflictBanner } from "../../features/draft/conflict-banner.tsx";
import { formatSpecJson } from "../../features/draft/format.ts";
import { JsonView } from "../../features/draft/json-view.tsx";
import { LeaveGuard } from "../../features/draft/leave-guard.tsx";
import { SaveStatus } from "../../features/draft/save-status.tsx";
import { SpecForm } from "../../features/draft/spec-form.tsx";
import { SpecErrors } from "../../features/draft/spec-errors.tsx";
import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";

type View = "form" | "json";

export function SpecEditorPage() {
  const { t } = useI18n();
  const toast = useToast();
  const draft = useDraft();
  const [params, setParams] = useSearchParams();
  const view: View = params.get("view") === "json" ? "json" : "form";
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const [discarding, setDiscarding] = useState(false);

  if (draft.loading) {
    return <LoadingState />;
  }
  if (draft.loadError || !draft.spec) {
    return <ErrorState error={draft.loadError} onRetry={draft.reload} />;
  }
  const spec = draft.spec;

  const changeView = (next: View) => {
    if (next === view) {
      return;
    }
    if (next === "form") {
      if (draft.jsonError) {
        toast.error(t.spec.switchBlocked);
        return;
      }
      draft.setJsonText(null);
    } else {
      draft.setJsonText(formatSpecJson(spec));
    }
    setParams(next === "json" ? { view: "json" } : {}, { replace: true });
  };

  const onDiscard = async () => {
    setDiscarding(true);
    try {
      await draft.discard();
      toast.success(t.spec.discarded);
      setConfirmDiscard(false);
    } catch (err) {
      toast.error(errorMessage(err, t));
    } finally {
      setDiscarding(false);
    }
  };

  const canDiscard = draft.info?.source === "draft" || draft.saveState !== "idle";

  return (
    <div className="space-y-5">
      <div className="sticky top-0 z-10 -mx-4 flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 bg-slate-50/95 px-4 py-3 backdrop-blur sm:-mx-6 sm:px-6">
        <div className="flex flex-wrap items-center gap-3">
          <Segmented
            label={t.spec.views}
            value={view}
            onChange={changeView}
            options={[
              { value: "form", label: t.spec.formView },
              { value: "json", label: t.spec.jsonView },
            ]}
          />
          {draft.jsonError ? null : draft.errors.length === 0 ? (
            <Badge tone="green" dot data-testid="spec-validity">
              {t.spec.valid}
            </Badge>
          ) : (
            <Badge tone="red" dot data-testid="spec-validity">
              {t.spec.invalid(draft.errors.length)}
            </Badge>
          )}
          <SaveStatus />
        </div>
        <div className="flex items-center gap-2">
          {draft.baseVersion ? (
            <span className="text-xs text-slate-500">{t.spec.baseVersion(draft.baseVersion)}</span>
          ) : null}
          <Button variant="ghost" size="sm" disabled={!canDiscard} onClick={() => setConfirmDiscard(true)}>
            {t.spec.discard}
          </Button>
          <ButtonLink to="../compile" relative="path" size="sm" onClick={() => void draft.flush()}>
            {t.spec.goCompile}
          </ButtonLink>
        </div>
      </div>

      <ConflictBanner />

      {!draft.jsonError && draft.errors.length > 0 ? <SpecErrors errors={draft.errors} /> : null}

      {view === "form" ? (
        <SpecForm spec={spec} errors={draft.errors} onChange={draft.setSpec} tenantSlug={draft.tenantSlug} />
      ) : (
        <JsonView />
      )}

      <LeaveGuard />

      <ConfirmDialog
        open={confirmDiscard}
        onClose={() => setConfirmDiscard(false)}
        onConfirm={onDiscard}
        title={t.spec.discardTitle}
        description={t.spec.discardBody}
        confirmLabel={t.spec.discard}
        confirmVariant="danger"
        busy={discarding}
      />
    </div>
  );
}
