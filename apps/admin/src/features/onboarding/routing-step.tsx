import { menuTitleMax, ROUTING_MODES } from "@lx/shared/schemas";

import { Button } from "../../components/ui/button.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { Field, FieldErrors, TextareaField, TextField } from "../../components/ui/field.tsx";
import { Segmented } from "../../components/ui/tabs.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { DEFAULT_MENU_PROMPT, messagesAt, type RoutingIntake } from "./intake.ts";
import { AgentSelect, type AgentChoice } from "../agents/agent-select.tsx";
import { AddButton, agentChoices, type StepProps } from "./steps.tsx";

/**
 * Routing (`tenants.routing`): by number, or an initial menu whose options pick the agent. The menu
 * the operator wrote is kept when they switch back to "by number" (only the chosen mode is applied).
 */
export function RoutingStep({ intake, set, errors }: StepProps) {
  const { t } = useI18n();
  return (
    <Card>
      <CardHeader title={t.wizard.steps.routing} description={t.wizard.routingHint} />
      <CardBody>
        <RoutingEditor
          routing={intake.routing}
          agents={agentChoices(intake)}
          errorsAt={(path) => messagesAt(errors, `routing.${path}`)}
          onChange={(patch) => set({ routing: { ...intake.routing, ...patch } })}
        />
      </CardBody>
    </Card>
  );
}

/**
 * The routing's mode and, for a menu, its prompt, options (title → agent) and a preview of what the
 * customer sees: the onboarding wizard's step and the tenant page's routing dialog. A first switch to
 * the menu offers one option per agent, titled with its name. `errorsAt` takes a path inside the
 * routing (`prompt`, `options.0.title`).
 */
export function RoutingEditor({
  routing,
  agents,
  errorsAt,
  onChange,
  numberHint,
}: {
  routing: RoutingIntake;
  agents: readonly AgentChoice[];
  errorsAt: (path: string) => string[];
  /** What "by number" means where the editor is (the wizard's Numbers step, the tenant page's card). */
  numberHint?: string;
  onChange: (patch: Partial<RoutingIntake>) => void;
}) {
  const { t } = useI18n();
  const options = routing.options;
  return (
    <div className="space-y-4">
      <Segmented
        label={t.wizard.steps.routing ?? "routing"}
        value={routing.mode}
        options={ROUTING_MODES.map((mode) => ({ value: mode, label: t.wizard.routingModes[mode] ?? mode }))}
        onChange={(mode) =>
          onChange(
            mode === "menu" && options.length === 0
              ? {
                  mode,
                  prompt: routing.prompt || DEFAULT_MENU_PROMPT,
                  options: agents.map((agent, i) => ({
                    // What WhatsApp shows whole there: a button or list row, after its "1 " (menuTitleMax).
                    title: agent.label.slice(0, menuTitleMax(agents.length, i)),
                    agent: agent.slug,
                  })),
                }
              : { mode },
          )
        }
      />
      {routing.mode === "number" ? (
        <p className="text-sm text-slate-600" data-testid="routing-number-hint">
          {numberHint ?? t.wizard.routingNumberHint}
        </p>
      ) : (
        <div className="space-y-4" data-testid="wizard-menu">
          <p className="text-sm text-slate-600">{t.wizard.routingMenuHint}</p>
          <TextareaField
            label={t.wizard.menuPrompt}
            errors={errorsAt("prompt")}
            name="routing.prompt"
            value={routing.prompt}
            rows={2}
            onChange={(event) => onChange({ prompt: event.target.value })}
          />
          <ol className="space-y-3">
            {options.map((option, index) => (
              <li
                key={index}
                className="grid items-start gap-3 rounded-lg border border-slate-200 bg-slate-50/50 p-4 sm:grid-cols-[2fr_2fr_auto]"
                data-testid="wizard-menu-option"
              >
                <TextField
                  label={`${t.wizard.menuOption(index + 1)} · ${t.wizard.optionTitle}`}
                  errors={errorsAt(`options.${index}.title`)}
                  name={`routing.options.${index}.title`}
                  value={option.title}
                  maxLength={menuTitleMax(options.length, index)}
                  onChange={(event) =>
                    onChange({ options: options.map((o, i) => (i === index ? { ...o, title: event.target.value } : o)) })
                  }
                />
                <Field label={t.wizard.optionAgent} errors={errorsAt(`options.${index}.agent`)}>
                  {({ id, describedBy, invalid }) => (
                    <AgentSelect
                      id={id}
                      agents={agents}
                      value={option.agent}
                      describedBy={describedBy}
                      invalid={invalid}
                      onChange={(agent) => onChange({ options: options.map((o, i) => (i === index ? { ...o, agent } : o)) })}
                    />
                  )}
                </Field>
                <Button
                  variant="ghost"
                  size="sm"
                  className="sm:mt-6"
                  onClick={() => onChange({ options: options.filter((_, i) => i !== index) })}
                >
                  {t.common.remove}
                </Button>
              </li>
            ))}
          </ol>
          {errorsAt("options").length > 0 ? <FieldErrors messages={errorsAt("options")} /> : null}
          <AddButton
            label={t.wizard.addOption}
            onClick={() => onChange({ options: [...options, { title: "", agent: agents[0]?.slug ?? "" }] })}
          />
          <div>
            <p className="mb-1 text-xs font-medium text-slate-500">{t.wizard.menuPreview}</p>
            <pre
              className="rounded-lg bg-emerald-50 px-3 py-2 font-sans text-sm whitespace-pre-wrap text-slate-800 ring-1 ring-emerald-100"
              data-testid="wizard-menu-preview"
            >
              {[routing.prompt, ...options.map((o, i) => `${i + 1} ${o.title}`)].join("\n")}
            </pre>
          </div>
        </div>
      )}
    </div>
  );
}
