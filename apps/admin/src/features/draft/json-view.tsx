import { Label, Textarea } from "../../components/ui/field.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { isRecord } from "../../lib/paths.ts";
import { useDraft } from "./draft-context.tsx";
import { formatSpecJson } from "./format.ts";
import { jsonSyntaxError } from "./json-error.ts";

/**
 * The JSON view of the same draft. Each keystroke that still parses as a JSON object updates the
 * draft (validated and autosaved like the form); a syntax error is shown and nothing is saved.
 */
export function JsonView() {
  const { t } = useI18n();
  const draft = useDraft();
  const text = draft.jsonText ?? formatSpecJson(draft.spec);
  // The browser's message is English and engine-specific: the sentence is ours, with line and column.
  const syntax = draft.jsonError ? jsonSyntaxError(text) : null;

  const onChange = (next: string) => {
    draft.setJsonText(next);
    const error = jsonSyntaxError(next);
    if (error) {
      draft.setJsonError(
        error.place
          ? t.agentPages.json.at(error.place.line, error.place.column)
          : t.agentPages.json.unknownPlace,
      );
      return;
    }
    const parsed: unknown = JSON.parse(next);
    if (!isRecord(parsed)) {
      draft.setJsonError(t.spec.jsonNotObject);
      return;
    }
    draft.setJsonError(null);
    draft.setSpec(parsed);
  };

  return (
    <div className="space-y-2">
      <Label htmlFor="spec-json">{t.spec.jsonLabel}</Label>
      <p id="spec-json-hint" className="text-xs text-slate-500">
        {t.spec.jsonHint}
      </p>
      {draft.jsonError ? (
        <div
          role="alert"
          data-testid="json-syntax-error"
          className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800 ring-1 ring-amber-200"
        >
          <p className="font-medium">{draft.jsonError}</p>
          {syntax ? (
            <p className="mt-1 text-xs text-amber-700" data-testid="json-syntax-detail">
              {t.agentPages.json.engine}: <span className="font-mono">{syntax.detail}</span>
            </p>
          ) : null}
        </div>
      ) : null}
      <Textarea
        id="spec-json"
        data-testid="spec-json"
        aria-describedby="spec-json-hint"
        aria-invalid={draft.jsonError !== null || draft.errors.length > 0}
        value={text}
        onChange={(event) => onChange(event.target.value)}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        className="min-h-[65vh] font-mono text-xs leading-5 [tab-size:2]"
      />
    </div>
  );
}
