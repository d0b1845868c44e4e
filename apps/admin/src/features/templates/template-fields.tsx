import { TEMPLATE_CATEGORIES, TEMPLATE_PURPOSES, templateBodyParams, templateBodyProblem } from "@lx/shared/schemas";

import { SelectField, TextareaField, TextField } from "../../components/ui/field.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";

type Category = (typeof TEMPLATE_CATEGORIES)[number];
type Purpose = (typeof TEMPLATE_PURPOSES)[number];

/** A template as its form edits it; `purpose` "" is none (the tenant page allows it, the wizard does not). */
export type TemplateFieldValues = { name: string; language: string; category: Category; purpose: Purpose | ""; body: string };

/**
 * A Meta template's fields — name, language, category, use and approved text, with what fills each
 * numbered parameter — for the onboarding wizard's templates step and the tenant page's template
 * dialog. `identityFixed`: the name and language are shown, not edited (how Meta knows an existing one).
 */
export function TemplateFields({
  value,
  onChange,
  errorsAt,
  identityFixed = false,
  purposeOptional = false,
  wide = false,
  nameOf,
}: {
  value: TemplateFieldValues;
  onChange: (patch: Partial<TemplateFieldValues>) => void;
  errorsAt: (field: keyof TemplateFieldValues) => readonly string[] | undefined;
  /** Each control's `name`: its path in the form's value, so leaving it marks it touched. */
  nameOf?: (field: keyof TemplateFieldValues) => string;
  identityFixed?: boolean;
  purposeOptional?: boolean;
  /** Four columns on large screens (a page), two otherwise (a dialog). */
  wide?: boolean;
}) {
  const { t } = useI18n();
  return (
    <>
      <div className={`grid gap-4 sm:grid-cols-2 ${wide ? "lg:grid-cols-4" : ""}`}>
        <TextField
          label={t.wizard.templateName}
          errors={errorsAt("name")}
          name={nameOf?.("name")}
          value={value.name}
          placeholder="retomada_v1"
          controlClassName="font-mono"
          readOnly={identityFixed}
          onChange={(event) => onChange({ name: event.target.value })}
        />
        <TextField
          label={t.wizard.templateLanguage}
          errors={errorsAt("language")}
          name={nameOf?.("language")}
          value={value.language}
          placeholder="pt_BR"
          controlClassName="font-mono"
          readOnly={identityFixed}
          onChange={(event) => onChange({ language: event.target.value })}
        />
        <SelectField
          label={t.wizard.templateCategory}
          errors={errorsAt("category")}
          name={nameOf?.("category")}
          value={value.category}
          onChange={(event) => onChange({ category: TEMPLATE_CATEGORIES.find((c) => c === event.target.value) ?? value.category })}
        >
          {TEMPLATE_CATEGORIES.map((category) => (
            <option key={category} value={category}>
              {t.wizard.categories[category] ?? category}
            </option>
          ))}
        </SelectField>
        <SelectField
          label={t.wizard.templatePurpose}
          errors={errorsAt("purpose")}
          name={nameOf?.("purpose")}
          value={value.purpose}
          onChange={(event) => onChange({ purpose: TEMPLATE_PURPOSES.find((p) => p === event.target.value) ?? "" })}
        >
          {purposeOptional ? <option value="">{t.templates.purposeNone}</option> : null}
          {TEMPLATE_PURPOSES.map((purpose) => (
            <option key={purpose} value={purpose}>
              {t.wizard.purposes[purpose] ?? purpose}
            </option>
          ))}
        </SelectField>
      </div>
      <TextareaField
        label={t.wizard.templateBody}
        hint={t.wizard.templateBodyHint}
        errors={errorsAt("body")}
        name={nameOf?.("body")}
        value={value.body}
        rows={2}
        maxLength={1024}
        placeholder="Olá {{1}}, podemos continuar de onde paramos?"
        onChange={(event) => onChange({ body: event.target.value })}
      />
      <ParamsLine body={value.body} purpose={value.purpose} />
    </>
  );
}

/** What fills each numbered parameter of a template body, as the runtime does it. */
function ParamsLine({ body, purpose }: { body: string; purpose: Purpose | "" }) {
  const { t } = useI18n();
  const params = templateBodyParams(body).sort((a, b) => a - b);
  // A body the schema refuses (a gap, {{2}} on a re-engagement template) has no fill to describe:
  // its error under the text says what is wrong.
  if (templateBodyProblem(body, purpose) !== null) {
    return null;
  }
  return (
    <p className="text-xs text-slate-500" data-testid="template-params">
      {params.length === 0
        ? t.wizard.noParams
        : `${t.wizard.params}: ${params
            .map((n) => `{{${n}}} = ${n === 1 && purpose === "reengagement" ? t.wizard.paramFirstName : t.wizard.paramFree}`)
            .join(" · ")}`}
    </p>
  );
}
