/**
 * The spec form's field components. Each is named by its path in the spec (`["plugins", "crm",
 * "backend"]`), reads its value and its validation errors (the zod paths, `plugins.crm.webhookUrl`)
 * from the form's context, and writes through it (`setSpecValue`: a cleared optional value leaves the
 * spec, with the empty objects it leaves behind).
 */
import { createContext, use, type ReactNode } from "react";

import { Button } from "../../components/ui/button.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import {
  Checkbox,
  FieldErrors,
  Input,
  Select,
  SelectField as SelectControl,
  Textarea,
  TextareaField as TextareaControl,
  TextField as InputControl,
} from "../../components/ui/field.tsx";
import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import type { ValidationText } from "../../lib/i18n/validation.ts";
import { getIn, isRecord, pathKey, type Path } from "../../lib/paths.ts";
import { renameKey } from "./edit.ts";

export type FormApi = {
  spec: Record<string, unknown>;
  update: (path: Path, value: unknown) => void;
  /** The field's errors: messages, or `FieldError`s whose own `params` word them (`validation`). */
  errorsAt: (path: Path) => ValidationText[];
  /** Errors at `path` or below it (a section's, to open a collapsed part that has one). */
  hasErrorsUnder: (path: Path) => boolean;
};

export const FormContext = createContext<FormApi | null>(null);

export function useForm(): FormApi {
  const value = use(FormContext);
  if (!value) {
    throw new Error("spec form fields must be inside <SpecForm>");
  }
  return value;
}

export function asString(value: unknown): string {
  return typeof value === "string"
    ? value
    : value === undefined || value === null
      ? ""
      : JSON.stringify(value);
}

export function TextField({
  path,
  label,
  required,
  multiline,
  rows = 3,
  hint,
  placeholder,
  className,
}: {
  path: Path;
  label: string;
  required?: boolean;
  multiline?: boolean;
  rows?: number;
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
    <TextareaControl {...props} onChange={(event) => onValue(event.target.value)} rows={rows} />
  ) : (
    <InputControl {...props} onChange={(event) => onValue(event.target.value)} />
  );
}

/** A number (empty: the key leaves the spec); `decimal` allows a fraction (temperature). */
export function NumberField({
  path,
  label,
  hint,
  decimal,
}: {
  path: Path;
  label: string;
  hint?: string;
  decimal?: boolean;
}) {
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
      inputMode={decimal ? "decimal" : "numeric"}
      step={decimal ? "any" : undefined}
      value={typeof raw === "number" ? String(raw) : ""}
      onChange={(event) => update(path, event.target.value === "" ? undefined : Number(event.target.value))}
      data-path={pathKey(path)}
    />
  );
}

export function SelectField({
  path,
  label,
  options,
  emptyLabel,
  hint,
}: {
  path: Path;
  label: string;
  options: { value: string; label: string }[];
  /** When set, the field is optional and this option removes it. */
  emptyLabel?: string;
  hint?: string;
}) {
  const { spec, update, errorsAt } = useForm();
  const { t } = useI18n();
  const value = asString(getIn(spec, path));
  return (
    <SelectControl
      label={label}
      hint={hint}
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

export function CheckField({ path, label }: { path: Path; label: string }) {
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

/**
 * An editable list of strings (goals, keywords, instructions…), or of numbers with `numeric`
 * (reminder offsets: an emptied item is `null` until filled, which the schema reports on it).
 */
export function StringListField({
  path,
  label,
  itemLabel,
  hint,
  multiline,
  numeric,
}: {
  path: Path;
  label: string;
  itemLabel: (index: number) => string;
  hint?: string;
  multiline?: boolean;
  numeric?: boolean;
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
          const onChange = (value: string) =>
            update(itemPath, numeric ? (value === "" ? null : Number(value)) : value);
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
                    {...(numeric ? { type: "number", inputMode: "numeric" as const } : {})}
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
      <Button variant="secondary" size="sm" onClick={() => update(path, [...items, numeric ? null : ""])}>
        + {t.spec.fields.addItem}
      </Button>
    </fieldset>
  );
}

/**
 * An editable list of objects (services, FAQ, documents); `renderItem` draws one item's fields from
 * its path. With `removeWhenEmpty`, removing the last item removes the list's key.
 */
export function ObjectListField({
  path,
  addLabel,
  itemLabel,
  newItem,
  renderItem,
  removeWhenEmpty,
}: {
  path: Path;
  addLabel: string;
  itemLabel: (index: number) => string;
  newItem: () => Record<string, unknown>;
  renderItem: (itemPath: Path) => ReactNode;
  removeWhenEmpty?: boolean;
}) {
  const { spec, update, errorsAt } = useForm();
  const { t } = useI18n();
  const raw = getIn(spec, path);
  const items = Array.isArray(raw) ? (raw as unknown[]) : [];
  const listErrors = errorsAt(path);
  const remove = (index: number) => {
    const rest = items.filter((__, i) => i !== index);
    update(path, rest.length === 0 && removeWhenEmpty ? undefined : rest);
  };
  return (
    <div className="space-y-3" data-path={pathKey(path)}>
      <ol className="space-y-3">
        {items.map((_, index) => {
          const itemPath = [...path, index];
          const title = itemLabel(index + 1);
          const itemErrors = errorsAt(itemPath);
          return (
            <li
              key={index}
              className="rounded-lg border border-slate-200 bg-slate-50/50 p-4"
              data-path={pathKey(itemPath)}
            >
              <div className="mb-3 flex items-center justify-between">
                <p className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</p>
                <Button
                  variant="ghost"
                  size="sm"
                  className="text-slate-500 hover:text-rose-600"
                  aria-label={t.spec.fields.removeItem(title)}
                  onClick={() => remove(index)}
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

/**
 * An optional object of the spec (a plugin, the model): absent, a button adds it (`create()`, its
 * minimal value); present, its fields and a button that removes its key from the spec.
 */
export function OptionalGroup({
  path,
  title,
  addLabel,
  removeLabel,
  create,
  children,
}: {
  path: Path;
  title: string;
  addLabel: string;
  removeLabel: string;
  create: () => Record<string, unknown>;
  children: ReactNode;
}) {
  const { spec, update, errorsAt } = useForm();
  const { t } = useI18n();
  const value = getIn(spec, path);
  if (value === undefined) {
    return (
      <div>
        <Button variant="secondary" size="sm" onClick={() => update(path, create())}>
          + {addLabel}
        </Button>
      </div>
    );
  }
  const errors = errorsAt(path);
  return (
    <div
      className="space-y-4 rounded-lg border border-slate-200 bg-slate-50/50 p-4"
      role="group"
      aria-label={title}
      data-path={pathKey(path)}
    >
      <div className="flex items-center justify-between gap-2">
        <p className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</p>
        <Button
          variant="ghost"
          size="sm"
          className="text-slate-500 hover:text-rose-600"
          aria-label={removeLabel}
          onClick={() => update(path, undefined)}
        >
          {t.common.remove}
        </Button>
      </div>
      {errors.length > 0 ? <FieldErrors messages={errors} /> : null}
      {isRecord(value) ? children : null}
    </div>
  );
}

/**
 * A string → string record whose keys are chosen from `keys` (the CRM's custom fields: a qualifying
 * field → the CRM's field key). Each row: the key's select, the value's input, a remove button.
 */
export function KeyValueField({
  path,
  label,
  hint,
  keys,
  keyLabel,
  valueLabel,
  addLabel,
  removeLabel,
}: {
  path: Path;
  label: string;
  hint?: string;
  keys: readonly string[];
  keyLabel: string;
  valueLabel: (key: string) => string;
  addLabel: string;
  removeLabel: (key: string) => string;
}) {
  const { spec, update, errorsAt } = useForm();
  const { t } = useI18n();
  const raw = getIn(spec, path);
  const record = isRecord(raw) ? raw : {};
  const entries = Object.entries(record);
  const free = keys.filter((key) => key.trim() !== "" && !Object.hasOwn(record, key));
  const errors = errorsAt(path);
  return (
    <fieldset className="space-y-2" data-path={pathKey(path)}>
      <legend className="text-sm font-medium text-slate-700">
        {label}
        <span className="ml-1 font-normal text-slate-400">({t.common.optional})</span>
      </legend>
      {hint ? <p className="text-xs text-slate-500">{hint}</p> : null}
      <ul className="space-y-2">
        {entries.map(([key, value]) => {
          const rowErrors = errorsAt([...path, key]);
          return (
            <li key={key} className="space-y-1">
              <div className="flex flex-wrap items-start gap-2 sm:flex-nowrap">
                <Select
                  aria-label={`${keyLabel}: ${key}`}
                  value={key}
                  onChange={(event) => update(path, renameKey(record, key, event.target.value))}
                  className="sm:w-48"
                >
                  {[key, ...free].map((option) => (
                    <option key={option} value={option}>
                      {option}
                    </option>
                  ))}
                </Select>
                <Input
                  aria-label={valueLabel(key)}
                  aria-invalid={rowErrors.length > 0}
                  value={asString(value)}
                  onChange={(event) => update([...path, key], event.target.value)}
                  data-path={pathKey([...path, key])}
                  className="min-w-0 flex-1"
                />
                <Button
                  variant="ghost"
                  size="sm"
                  className="mt-0.5 text-slate-400 hover:text-rose-600"
                  aria-label={removeLabel(key)}
                  onClick={() => update([...path, key], undefined)}
                >
                  ✕
                </Button>
              </div>
              {rowErrors.length > 0 ? <FieldErrors messages={rowErrors} /> : null}
            </li>
          );
        })}
      </ul>
      {errors.length > 0 ? <FieldErrors messages={errors} /> : null}
      {free.length > 0 ? (
        <Button variant="secondary" size="sm" onClick={() => update([...path, free[0] ?? ""], "")}>
          + {addLabel}
        </Button>
      ) : null}
    </fieldset>
  );
}

export function Section({
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
