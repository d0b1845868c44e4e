import {
  TEMPLATE_CATEGORIES,
  TEMPLATE_PURPOSES,
  templateBodyParams,
  type FieldError,
  type TOnboardTemplate,
} from "@lx/shared/schemas";

import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { Field, Select, SelectField, TextareaField, TextField } from "../../components/ui/field.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { messagesAt, templateRefOf, updateTemplate, withTemplateRef } from "./intake.ts";
import { AddButton, agentLabel, ItemCard, type StepProps } from "./steps.tsx";

const AGENT_PURPOSES = ["reengagement", "reminder"] as const;

/** What fills each numbered parameter of a template body, as the runtime does it. */
function ParamsLine({ template }: { template: TOnboardTemplate }) {
  const { t } = useI18n();
  const params = templateBodyParams(template.body).sort((a, b) => a - b);
  return (
    <p className="text-xs text-slate-500" data-testid="template-params">
      {params.length === 0
        ? t.wizard.noParams
        : `${t.wizard.params}: ${params
            .map(
              (n) =>
                `{{${n}}} = ${n === 1 && template.purpose === "reengagement" ? t.wizard.paramFirstName : t.wizard.paramFree}`,
            )
            .join(" · ")}`}
    </p>
  );
}

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
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <TextField
          label={t.wizard.templateName}
          errors={at("name")}
          value={template.name}
          placeholder="retomada_v1"
          controlClassName="font-mono"
          onChange={(event) => onChange({ name: event.target.value })}
        />
        <TextField
          label={t.wizard.templateLanguage}
          errors={at("language")}
          value={template.language}
          placeholder="pt_BR"
          controlClassName="font-mono"
          onChange={(event) => onChange({ language: event.target.value })}
        />
        <Field label={t.wizard.templateCategory} errors={at("category")}>
          {({ id }) => (
            <Select
              id={id}
              value={template.category}
              onChange={(event) => onChange({ category: event.target.value as TOnboardTemplate["category"] })}
            >
              {TEMPLATE_CATEGORIES.map((category) => (
                <option key={category} value={category}>
                  {t.wizard.categories[category] ?? category}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label={t.wizard.templatePurpose} errors={at("purpose")}>
          {({ id }) => (
            <Select
              id={id}
              value={template.purpose}
              onChange={(event) => onChange({ purpose: event.target.value as TOnboardTemplate["purpose"] })}
            >
              {TEMPLATE_PURPOSES.map((purpose) => (
                <option key={purpose} value={purpose}>
                  {t.wizard.purposes[purpose] ?? purpose}
                </option>
              ))}
            </Select>
          )}
        </Field>
      </div>
      <TextareaField
        label={t.wizard.templateBody}
        hint={t.wizard.templateBodyHint}
        errors={at("body")}
        value={template.body}
        rows={2}
        placeholder="Olá {{1}}, podemos continuar de onde paramos?"
        onChange={(event) => onChange({ body: event.target.value })}
      />
      <ParamsLine template={template} />
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
