import { useState } from "react";

import { TEST_TOOL_NAMES, ZTestCaseBody, type TTestCaseBody, type TTestExpectation } from "@lx/shared/schemas";

import { Button } from "../../components/ui/button.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { FieldErrors, Input, Select, TextareaField, TextField } from "../../components/ui/field.tsx";
import { useCheckedForm } from "../../lib/form-issues.ts";
import { useI18n } from "../../lib/i18n/context.tsx";

const KINDS = ["contains", "not_contains", "handoff", "no_handoff", "tool_called"] as const satisfies readonly TTestExpectation["kind"][];

/** An expectation being edited: every kind's field kept, so switching kinds loses nothing typed. */
type DraftExpectation = { kind: TTestExpectation["kind"]; text: string; tool: (typeof TEST_TOOL_NAMES)[number] };

function toDraft(e: TTestExpectation): DraftExpectation {
  return {
    kind: e.kind,
    text: "text" in e ? e.text : "",
    tool: "tool" in e ? e.tool : "handoff_to_human",
  };
}

function fromDraft(d: DraftExpectation): TTestExpectation {
  switch (d.kind) {
    case "contains":
    case "not_contains":
      return { kind: d.kind, text: d.text };
    case "tool_called":
      return { kind: d.kind, tool: d.tool };
    default:
      return { kind: d.kind };
  }
}


/**
 * The form of one test case: its name, the customer's messages in order and the expectations over
 * the whole conversation. Checked with the API's own schema before it is sent.
 */
export function CaseEditor({
  initial,
  busy,
  onSave,
  onCancel,
}: {
  initial: (TTestCaseBody & { id?: string }) | null;
  busy: boolean;
  onSave: (body: TTestCaseBody) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const r = t.regression;
  const [name, setName] = useState(initial?.name ?? "");
  const [turns, setTurns] = useState<string[]>(initial && initial.turns.length > 0 ? initial.turns.map((x) => x.customer) : [""]);
  const [expectations, setExpectations] = useState<DraftExpectation[]>(
    initial?.expectations.map(toDraft) ?? [{ kind: "contains", text: "", tool: "handoff_to_human" }],
  );
  const body = { name, turns: turns.map((customer) => ({ customer })), expectations: expectations.map(fromDraft) };
  const { issues, submit } = useCheckedForm(ZTestCaseBody, body, onSave);

  return (
    <Card data-testid="case-editor">
      <CardHeader title={initial?.id ? r.cases.editTitle(initial.name) : r.cases.newTitle} />
      <CardBody className="space-y-5">
        <TextField
          label={r.cases.name}
          errors={issues.get("name")}
          value={name}
          placeholder={r.cases.namePlaceholder}
          maxLength={120}
          onChange={(e) => setName(e.target.value)}
        />

        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">{r.cases.turns}</legend>
          {turns.map((turn, i) => (
            <div key={i} className="flex items-start gap-2">
              <TextareaField
                label={r.cases.turnLabel(i + 1)}
                className="flex-1"
                errors={issues.get(`turns.${i}.customer`)}
                controlClassName="min-h-12"
                rows={2}
                value={turn}
                placeholder={r.cases.turnPlaceholder}
                maxLength={1000}
                onChange={(e) => setTurns((all) => all.map((x, j) => (j === i ? e.target.value : x)))}
              />
              <Button
                variant="ghost"
                size="sm"
                className="mt-6"
                disabled={turns.length === 1}
                aria-label={`${t.common.remove} ${r.cases.turnLabel(i + 1)}`}
                onClick={() => setTurns((all) => all.filter((_, j) => j !== i))}
              >
                ✕
              </Button>
            </div>
          ))}
          <FieldErrors messages={issues.get("turns") ?? []} />
          <Button variant="secondary" size="sm" disabled={turns.length >= 12} onClick={() => setTurns((all) => [...all, ""])}>
            + {r.cases.addTurn}
          </Button>
        </fieldset>

        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-700">{r.cases.expectations}</legend>
          {expectations.map((e, i) => {
            const set = (patch: Partial<DraftExpectation>) => setExpectations((all) => all.map((x, j) => (j === i ? { ...x, ...patch } : x)));
            return (
              <div key={i} className="flex flex-wrap items-start gap-2" data-testid={`expectation-${i}`}>
                <Select
                  aria-label={`${r.cases.expectations} ${i + 1}`}
                  // As wide as its longest option (never clipped, in any language), and never squeezed by the text beside it.
                  className="w-auto max-w-full shrink-0"
                  value={e.kind}
                  onChange={(ev) => set({ kind: ev.target.value as DraftExpectation["kind"] })}
                >
                  {KINDS.map((k) => (
                    <option key={k} value={k}>
                      {r.kinds[k]}
                    </option>
                  ))}
                </Select>
                {e.kind === "contains" || e.kind === "not_contains" ? (
                  <div className="min-w-48 flex-1">
                    <Input
                      aria-label={r.cases.expectationText}
                      aria-invalid={issues.has(`expectations.${i}.text`)}
                      value={e.text}
                      maxLength={200}
                      onChange={(ev) => set({ text: ev.target.value })}
                    />
                    <FieldErrors messages={issues.get(`expectations.${i}.text`) ?? []} />
                  </div>
                ) : null}
                {e.kind === "tool_called" ? (
                  <Select
                    aria-label={r.cases.expectationTool}
                    className="w-auto max-w-full shrink-0"
                    value={e.tool}
                    onChange={(ev) => set({ tool: ev.target.value as DraftExpectation["tool"] })}
                  >
                    {TEST_TOOL_NAMES.map((tool) => (
                      <option key={tool} value={tool}>
                        {tool}
                      </option>
                    ))}
                  </Select>
                ) : null}
                <Button
                  variant="ghost"
                  size="sm"
                  disabled={expectations.length === 1}
                  aria-label={`${t.common.remove} ${r.cases.expectations} ${i + 1}`}
                  onClick={() => setExpectations((all) => all.filter((_, j) => j !== i))}
                >
                  ✕
                </Button>
              </div>
            );
          })}
          <FieldErrors messages={issues.get("expectations") ?? []} />
          <Button
            variant="secondary"
            size="sm"
            disabled={expectations.length >= 12}
            onClick={() => setExpectations((all) => [...all, { kind: "contains", text: "", tool: "handoff_to_human" }])}
          >
            + {r.cases.addExpectation}
          </Button>
        </fieldset>

        {issues.size > 0 ? <p className="text-sm font-medium text-rose-600">{r.cases.invalid}</p> : null}
        <div className="flex justify-end gap-2">
          <Button variant="secondary" onClick={onCancel} disabled={busy}>
            {t.common.cancel}
          </Button>
          <Button onClick={submit} loading={busy}>
            {r.cases.save}
          </Button>
        </div>
      </CardBody>
    </Card>
  );
}
