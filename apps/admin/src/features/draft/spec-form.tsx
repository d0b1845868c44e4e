import { createContext, use, useMemo, type ReactNode } from "react";

import { AGENT_ROLES, PERSONA_TONES, type FieldError } from "@lx/shared/schemas";

import { Button } from "../../components/ui/button.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import {
  Checkbox,
  FieldErrors,
  Input,
  SelectField as SelectControl,
  Textarea,
  TextareaField as TextareaControl,
  TextField as InputControl,
} from "../../components/ui/field.tsx";
import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { getIn, isRecord, pathKey, setIn, type Path } from "../../lib/paths.ts";

type FormApi = {
  spec: Record<string, unknown>;
  update: (path: Path, value: unknown) => void;
  errorsAt: (path: Path) => string[];
};

const FormContext = createContext<FormApi | null>(null);

function useForm(): FormApi {
  const value = use(FormContext);
  if (!value) {
    throw new Error("spec form fields must be inside <SpecForm>");
  }
  return value;
}

function asString(value: unknown): string {
  return typeof value === "string"
    ? value
    : value === undefined || value === null
      ? ""
      : JSON.stringify(value);
}

function TextField({
  path,
  label,
  required,
  multiline,
  hint,
  placeholder,
  className,
}: {
  path: Path;
  label: string;
  required?: boolean;
  multiline?: boolean;
  hint?: string;
  placeholder?: string;
  className?: string;
}) {
  const { spec, update, errorsAt } = useForm();
  const { t } = useI18n();
  const value = asString(getIn(spec, path));
  // A cleared optional field leaves the spec instead of becoming "" (which would not validate).
  const onValue = (next: string) => update(path, next === "" && !required ? undefined : next);
  const props = {
    label,
    hint,
    errors: errorsAt(path),
    optional: required ? undefined : t.common.optional,
    className,
    value,
    placeholder,
    "data-path": pathKey(path),
  };
  return multiline ? (
    <TextareaControl {...props} onChange={(event) => onValue(event.target.value)} rows={3} />
  ) : (
    <InputControl {...props} onChange={(event) => onValue(event.target.value)} />
  );
}

function NumberField({ path, label, hint }: { path: Path; label: string; hint?: string }) {
  const { spec, update, errorsAt } = useForm();
  const { t } = useI18n();
  const raw = getIn(spec, path);
  return (
    <InputControl
      label={label}
      hint={hint}
      errors={errorsAt(path)}
      optional={t.common.optional}
      type="number"
      inputMode="numeric"
      value={typeof raw === "number" ? String(raw) : ""}
      onChange={(event) => update(path, event.target.value === "" ? undefined : Number(event.target.value))}
      data-path={pathKey(path)}
    />
  );
}

function SelectField({
  path,
  label,
  options,
  emptyLabel,
}: {
  path: Path;
  label: string;
  options: { value: string; label: string }[];
  /** When set, the field is optional and this option removes it. */
  emptyLabel?: string;
}) {
  const { spec, update, errorsAt } = useForm();
  const { t } = useI18n();
  const value = asString(getIn(spec, path));
  return (
    <SelectControl
      label={label}
      errors={errorsAt(path)}
      optional={emptyLabel ? t.common.optional : undefined}
      value={value}
      onChange={(event) => update(path, event.target.value === "" ? undefined : event.target.value)}
      data-path={pathKey(path)}
    >
      {emptyLabel !== undefined || !options.some((option) => option.value === value) ? (
        <option value="">{emptyLabel ?? ""}</option>
      ) : null}
      {options.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </SelectControl>
  );
}

function CheckField({ path, label }: { path: Path; label: string }) {
  const { spec, update, errorsAt } = useForm();
  const errors = errorsAt(path);
  return (
    <div className="space-y-1">
      <Checkbox
        label={label}
        checked={getIn(spec, path) === true}
        onChange={(event) => update(path, event.target.checked)}
        data-path={pathKey(path)}
      />
      {errors.length > 0 ? <FieldErrors messages={errors} /> : null}
    </div>
  );
}

/** An editable list of strings (goals, keywords, instructions…). */
function StringListField({
  path,
  label,
  itemLabel,
  hint,
  multiline,
}: {
  path: Path;
  label: string;
  itemLabel: (index: number) => string;
  hint?: string;
  multiline?: boolean;
}) {
  const { spec, update, errorsAt } = useForm();
  const { t } = useI18n();
  const raw = getIn(spec, path);
  const items = Array.isArray(raw) ? (raw as unknown[]) : [];
  const listErrors = errorsAt(path);
  return (
    <fieldset className="space-y-2" data-path={pathKey(path)}>
      <legend className="text-sm font-medium text-slate-700">{label}</legend>
      {hint ? <p className="text-xs text-slate-500">{hint}</p> : null}
      <ol className="space-y-2">
        {items.map((item, index) => {
          const itemPath = [...path, index];
          const errors = errorsAt(itemPath);
          const inputLabel = itemLabel(index + 1);
          const onChange = (value: string) => update(itemPath, value);
          return (
            <li key={index} className="flex items-start gap-2">
              <span className="mt-2.5 w-5 shrink-0 text-right text-xs text-slate-400 tabular-nums">
                {index + 1}.
              </span>
              <div className="min-w-0 flex-1 space-y-1">
                {multiline ? (
                  <Textarea
                    value={asString(item)}
                    onChange={(event) => onChange(event.target.value)}
                    aria-label={inputLabel}
                    aria-invalid={errors.length > 0}
                    data-path={pathKey(itemPath)}
                    rows={2}
                    className="min-h-0"
                  />
                ) : (
                  <Input
                    value={asString(item)}
                    onChange={(event) => onChange(event.target.value)}
                    aria-label={inputLabel}
                    aria-invalid={errors.length > 0}
                    data-path={pathKey(itemPath)}
                  />
                )}
                {errors.length > 0 ? <FieldErrors messages={errors} /> : null}
              </div>
              <Button
                variant="ghost"
                size="sm"
                className="mt-0.5 text-slate-400 hover:text-rose-600"
                aria-label={t.spec.fields.removeItem(inputLabel)}
                onClick={() =>
                  update(
                    path,
                    items.filter((_, i) => i !== index),
                  )
                }
              >
                ✕
              </Button>
            </li>
          );
        })}
      </ol>
      {listErrors.length > 0 ? <FieldErrors messages={listErrors} /> : null}
      <Button variant="secondary" size="sm" onClick={() => update(path, [...items, ""])}>
        + {t.spec.fields.addItem}
      </Button>
    </fieldset>
  );
}

/** An editable list of objects (services, FAQ); `renderItem` draws one item's fields from its path. */
function ObjectListField({
  path,
  addLabel,
  itemLabel,
  newItem,
  renderItem,
}: {
  path: Path;
  addLabel: string;
  itemLabel: (index: number) => string;
  newItem: () => Record<string, unknown>;
  renderItem: (itemPath: Path) => ReactNode;
}) {
  const { spec, update, errorsAt } = useForm();
  const { t } = useI18n();
  const raw = getIn(spec, path);
  const items = Array.isArray(raw) ? (raw as unknown[]) : [];
  const listErrors = errorsAt(path);
  return (
    <div className="space-y-3" data-path={pathKey(path)}>
      <ol className="space-y-3">
        {items.map((_, index) => {
          const itemPath = [...path, index];
          const title = itemLabel(index + 1);
          const itemErrors = errorsAt(itemPath);
          return (
            <li key={index} className="rounded-lg border border-slate-200 bg-slate-50/50 p-4">
              <div className="mb-3 flex items-center justify-between">
                <p className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</p>
                <Button
                  variant="ghost"
                  size="sm"
                  className="text-slate-500 hover:text-rose-600"
                  aria-label={t.spec.fields.removeItem(title)}
                  onClick={() =>
                    update(
                      path,
                      items.filter((__, i) => i !== index),
                    )
                  }
                >
                  {t.common.remove}
                </Button>
              </div>
              {itemErrors.length > 0 ? <FieldErrors messages={itemErrors} /> : null}
              {renderItem(itemPath)}
            </li>
          );
        })}
      </ol>
      {listErrors.length > 0 ? <FieldErrors messages={listErrors} /> : null}
      <Button variant="secondary" size="sm" onClick={() => update(path, [...items, newItem()])}>
        + {addLabel}
      </Button>
    </div>
  );
}

function Section({
  id,
  title,
  hint,
  children,
  className,
}: {
  id: string;
  title: string;
  hint?: string;
  children: ReactNode;
  className?: string;
}) {
  return (
    <Card aria-labelledby={`section-${id}`} id={`spec-${id}`} className="scroll-mt-24">
      <CardHeader titleId={`section-${id}`} title={title} description={hint} />
      <CardBody className={cn("space-y-4", className)}>{children}</CardBody>
    </Card>
  );
}

/** The form view of the draft: the main AgentSpec fields, each with its path-named errors. */
export function SpecForm({
  spec,
  errors,
  onChange,
}: {
  spec: Record<string, unknown>;
  errors: FieldError[];
  onChange: (spec: Record<string, unknown>) => void;
}) {
  const { t } = useI18n();
  const f = t.spec.fields;
  const s = t.spec.sections;

  const api = useMemo<FormApi>(() => {
    const byPath = new Map<string, string[]>();
    for (const error of errors) {
      const list = byPath.get(error.path) ?? [];
      list.push(error.message);
      byPath.set(error.path, list);
    }
    return {
      spec,
      update: (path, value) => {
        const next = setIn(spec, path, value);
        onChange(isRecord(next) ? next : {});
      },
      errorsAt: (path) => byPath.get(pathKey(path)) ?? [],
    };
  }, [spec, errors, onChange]);

  const hours = getIn(spec, ["business", "hours"]);
  const roleOptions = AGENT_ROLES.map((role) => ({ value: role, label: t.spec.roles[role] ?? role }));
  const toneOptions = PERSONA_TONES.map((tone) => ({ value: tone, label: t.spec.tones[tone] ?? tone }));

  return (
    <FormContext value={api}>
      <div className="space-y-6" data-testid="spec-form">
        <Section
          id="agent"
          title={s.agent}
          hint={s.agentHint}
          className="grid gap-4 space-y-0 sm:grid-cols-2"
        >
          <TextField path={["agent", "name"]} label={f.name} required />
          <SelectField path={["agent", "role"]} label={f.role} options={roleOptions} />
          <TextField path={["agent", "language"]} label={f.language} required placeholder="pt-BR" />
          <TextField
            path={["agent", "timezone"]}
            label={f.timezone}
            required
            placeholder="America/Sao_Paulo"
          />
        </Section>

        <Section id="business" title={s.business} hint={s.businessHint}>
          <TextField path={["business", "name"]} label={f.businessName} required />
          <TextField path={["business", "description"]} label={f.description} required multiline />
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField path={["business", "website"]} label={f.website} placeholder="https://" />
            <TextField path={["business", "address"]} label={f.address} />
          </div>
          {Array.isArray(hours) ? (
            <p className="text-xs text-slate-500">{f.hoursInJson(hours.length)}</p>
          ) : null}
        </Section>

        <Section id="persona" title={s.persona} hint={s.personaHint}>
          <div className="grid gap-4 sm:grid-cols-2">
            <SelectField
              path={["persona", "tone"]}
              label={f.tone}
              options={toneOptions}
              emptyLabel={f.toneNone}
            />
            <div className="flex items-end pb-2">
              <CheckField path={["persona", "useEmojis"]} label={f.useEmojis} />
            </div>
          </div>
          <StringListField
            path={["persona", "instructions"]}
            label={f.instructions}
            itemLabel={(i) => `${f.instructions} ${i}`}
          />
        </Section>

        <Section id="goals" title={s.goals} hint={s.goalsHint}>
          <StringListField path={["goals"]} label={s.goals} itemLabel={f.goal} />
        </Section>

        <Section id="services" title={s.services} hint={s.servicesHint}>
          <ObjectListField
            path={["services"]}
            addLabel={f.addService}
            itemLabel={f.service}
            newItem={() => ({ name: "" })}
            renderItem={(itemPath) => (
              <div className="grid gap-3 sm:grid-cols-[2fr_1fr_1fr]">
                <TextField path={[...itemPath, "name"]} label={f.name} required />
                <TextField path={[...itemPath, "price"]} label={f.price} />
                <NumberField path={[...itemPath, "durationMinutes"]} label={f.duration} />
                <TextField
                  path={[...itemPath, "description"]}
                  label={f.description}
                  multiline
                  className="sm:col-span-3"
                />
              </div>
            )}
          />
        </Section>

        <Section id="faq" title={s.faq}>
          <ObjectListField
            path={["faq"]}
            addLabel={f.addFaq}
            itemLabel={f.faqEntry}
            newItem={() => ({ question: "", answer: "" })}
            renderItem={(itemPath) => (
              <div className="space-y-3">
                <TextField path={[...itemPath, "question"]} label={f.question} required />
                <TextField path={[...itemPath, "answer"]} label={f.answer} required multiline />
              </div>
            )}
          />
        </Section>

        <Section id="rules" title={s.rules} className="grid gap-6 space-y-0 lg:grid-cols-2">
          <StringListField
            path={["rules", "always"]}
            label={f.always}
            itemLabel={(i) => `${f.always} ${i}`}
          />
          <StringListField path={["rules", "never"]} label={f.never} itemLabel={(i) => `${f.never} ${i}`} />
        </Section>

        <Section id="handoff" title={s.handoff} hint={s.handoffHint}>
          <StringListField
            path={["handoff", "keywords"]}
            label={f.keywords}
            itemLabel={(i) => `${f.keywords} ${i}`}
          />
          <CheckField path={["handoff", "allowModelRequest"]} label={f.allowModelRequest} />
          <TextField path={["handoff", "message"]} label={f.handoffMessage} required multiline />
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField
              path={["handoff", "notifyWebhookUrl"]}
              label={f.notifyWebhookUrl}
              placeholder="https://"
            />
            <NumberField path={["handoff", "resumeAfterMinutes"]} label={f.resumeAfterMinutes} />
          </div>
        </Section>

        <Section id="policies" title={s.policies} hint={s.policiesHint}>
          <div className="grid gap-6 lg:grid-cols-2">
            <StringListField
              path={["policies", "blockedTopics"]}
              label={f.blockedTopics}
              itemLabel={(i) => `${f.blockedTopics} ${i}`}
            />
            <StringListField
              path={["policies", "blockedPhrases"]}
              label={f.blockedPhrases}
              itemLabel={(i) => `${f.blockedPhrases} ${i}`}
            />
            <StringListField
              path={["policies", "allowedLinkDomains"]}
              label={f.allowedLinkDomains}
              itemLabel={(i) => `${f.allowedLinkDomains} ${i}`}
            />
            <NumberField path={["policies", "maxReplyChars"]} label={f.maxReplyChars} />
          </div>
          <TextField path={["policies", "fallbackMessage"]} label={f.fallbackMessage} multiline />
        </Section>
      </div>
    </FormContext>
  );
}
