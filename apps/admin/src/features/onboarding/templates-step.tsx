import type { FieldError, TOnboardTemplate } from "@lx/shared/schemas";

import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { SelectField } from "../../components/ui/field.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { TemplateFields } from "../templates/template-fields.tsx";
import { messagesAt, templateRefOf, updateTemplate, withTemplateRef } from "./intake.ts";
import { AddButton, agentLabel, ItemCard, type StepProps } from "./steps.tsx";

const AGENT_PURPOSES = ["reengagement", "reminder"] as const;

function TemplateItem({
  template,
  index,
  errors,
  onChange,
  onRemove,
}: {
  template: TOnboardTemplate;
  index: number;
  errors: FieldError[];
  onChange: (patch: Partial<TOnboardTemplate>) => void;
  onRemove: () => void;
}) {
  const { t } = useI18n();
  const at = (field: string) => messagesAt(errors, `templates.${index}.${field}`);
  return (
    <ItemCard title={t.wizard.template(index + 1)} testId="wizard-template" onRemove={onRemove}>
      <TemplateFields
        value={template}
        wide
        errorsAt={(field) => at(field)}
        nameOf={(field) => `templates.${index}.${field}`}
        // The wizard's templates always have a use: no "none" option, so `purpose` is never "".
        onChange={({ purpose, ...patch }) => onChange({ ...patch, ...(purpose ? { purpose } : {}) })}
      />
    </ItemCard>
  );
}

/**
 * The tenant's WhatsApp templates (apply file `templates`) and, per agent, which of them its spec
 * names for re-engagement (outside the 24-hour window) and reminders (`spec.templates`).
 */
export function TemplatesStep({ intake, set, errors, warnings }: StepProps & { warnings: FieldError[] }) {
  const { t, validation } = useI18n();
  const templates = intake.templates;
  const options = (purpose: string) =>
    templates
      .filter((template) => template.purpose === purpose && template.name !== "")
      .map((template) => ({
        value: `${template.name}|${template.language}`,
        label: `${template.name} (${template.language})`,
      }));
  return (
    <div className="space-y-6">
      <Card>
        <CardHeader title={t.wizard.steps.templates} description={t.wizard.templatesHint} />
        <CardBody className="space-y-3">
          {templates.length === 0 ? <p className="text-sm text-amber-700">{t.wizard.noTemplates}</p> : null}
          <ol className="space-y-3">
            {templates.map((template, index) => (
              <TemplateItem
                key={index}
                template={template}
                index={index}
                errors={errors}
                onChange={(patch) => set(updateTemplate(intake, index, patch))}
                onRemove={() => set({ templates: templates.filter((_, i) => i !== index) })}
              />
            ))}
          </ol>
          <AddButton
            label={t.wizard.addTemplate}
            onClick={() =>
              set({
                templates: [
                  ...templates,
                  {
                    name: "",
                    language: "pt_BR",
                    category: "utility",
                    purpose: templates.some((x) => x.purpose === "reengagement") ? "other" : "reengagement",
                    body: "",
                  },
                ],
              })
            }
          />
        </CardBody>
      </Card>

      <Card>
        <CardHeader title={t.wizard.agentTemplatesTitle} description={t.wizard.agentTemplatesHint} />
        <CardBody className="space-y-4">
          {intake.agents.map((agent, index) => {
            const warning = warnings.find((w) => w.path === `agents.${index}.spec.templates.reengagement`);
            return (
              <div
                key={index}
                className="grid gap-4 border-b border-slate-100 pb-4 last:border-0 last:pb-0 sm:grid-cols-[1fr_2fr_2fr]"
                data-testid="wizard-agent-templates"
              >
                <p className="pt-7 text-sm font-medium text-slate-800">
                  {agentLabel(intake, index)}{" "}
                  <span className="font-mono text-xs text-slate-500">({agent.slug})</span>
                </p>
                {AGENT_PURPOSES.map((purpose) => {
                  const value = templateRefOf(agent.spec, purpose);
                  const choices = options(purpose);
                  const stale = value !== "" && !choices.some((choice) => choice.value === value);
                  return (
                    <SelectField
                      key={purpose}
                      label={purpose === "reengagement" ? t.wizard.reengagementOf : t.wizard.reminderOf}
                      errors={messagesAt(errors, `agents.${index}.spec.templates.${purpose}.name`)}
                      hint={purpose === "reengagement" && warning ? validation(warning.message) : undefined}
                      value={value}
                      onChange={(event) =>
                        set({
                          agents: intake.agents.map((a, i) =>
                            i === index
                              ? { ...a, spec: withTemplateRef(a.spec, purpose, event.target.value) }
                              : a,
                          ),
                        })
                      }
                    >
                      <option value="">{t.wizard.noTemplate}</option>
                      {stale ? <option value={value}>{value.replace("|", " (")})</option> : null}
                      {choices.map((choice) => (
                        <option key={choice.value} value={choice.value}>
                          {choice.label}
                        </option>
                      ))}
                    </SelectField>
                  );
                })}
              </div>
            );
          })}
        </CardBody>
      </Card>
    </div>
  );
}
