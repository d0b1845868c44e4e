import { useId, type ComponentProps, type ReactNode } from "react";

import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import type { ValidationText } from "../../lib/i18n/validation.ts";

const control =
  "block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm ring-1 ring-slate-300 ring-inset placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500 focus:outline-none disabled:bg-slate-50 disabled:text-slate-500 aria-[invalid=true]:ring-rose-400 aria-[invalid=true]:focus:ring-rose-500";

export function Input({ className, ...props }: ComponentProps<"input">) {
  return <input className={cn(control, "h-9", className)} {...props} />;
}

export function Textarea({ className, ...props }: ComponentProps<"textarea">) {
  return <textarea className={cn(control, "min-h-20 leading-relaxed", className)} {...props} />;
}

export function Select({ className, ...props }: ComponentProps<"select">) {
  return <select className={cn(control, "h-9 pr-8", className)} {...props} />;
}

export function Label({ className, ...props }: ComponentProps<"label">) {
  return <label className={cn("block text-sm font-medium text-slate-700", className)} {...props} />;
}

/** Ids a control needs to be described by its hint and error. */
export type FieldIds = { id: string; describedBy: string | undefined; invalid: boolean };

/** What a `Field` draws around its control; `className` is the wrapper's. */
type FieldProps = {
  label: ReactNode;
  hint?: ReactNode;
  errors?: readonly ValidationText[];
  optional?: string;
  className?: string;
};

/**
 * A label, a control, a hint and error messages, wired with ids (`aria-describedby`,
 * `aria-invalid`). `children` renders the control from the ids it gets.
 */
export function Field({
  label,
  hint,
  errors,
  optional,
  className,
  children,
}: FieldProps & { children: (ids: FieldIds) => ReactNode }) {
  const id = useId();
  const { validation } = useI18n();
  const errorId = errors && errors.length > 0 ? `${id}-error` : undefined;
  // A hint the error repeats ("Ao menos 8 caracteres." / "ao menos 8 caracteres") is said once, by the error.
  const same = (text: string) => text.trim().replace(/[.!]$/, "").toLowerCase();
  const repeated =
    typeof hint === "string" && (errors ?? []).some((message) => same(validation(message)) === same(hint));
  const hintId = hint && !repeated ? `${id}-hint` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;
  return (
    <div className={cn("space-y-1.5", className)}>
      <Label htmlFor={id}>
        {label}
        {optional ? <span className="ml-1 font-normal text-slate-400">({optional})</span> : null}
      </Label>
      {children({ id, describedBy, invalid: errorId !== undefined })}
      {hintId ? (
        <p id={hintId} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      {errorId ? <FieldErrors id={errorId} messages={errors ?? []} /> : null}
    </div>
  );
}

/**
 * A `Field` and the props of its control (`input`, `textarea` or `select`), less the ones the field
 * wires; `controlClassName` goes to the control.
 */
type FieldControlProps<T extends "input" | "textarea" | "select"> = FieldProps & {
  controlClassName?: string;
} & Omit<ComponentProps<T>, keyof FieldProps | "id" | "aria-describedby" | "aria-invalid">;

/** Splits a field control's props into the `Field`'s and the control's, which get the field's ids. */
function wire<T extends "input" | "textarea" | "select">({
  label,
  hint,
  errors,
  optional,
  className,
  controlClassName,
  ...control
}: FieldControlProps<T>) {
  return {
    field: { label, hint, errors, optional, className },
    control: ({ id, describedBy, invalid }: FieldIds) => ({
      ...control,
      className: controlClassName,
      id,
      "aria-describedby": describedBy,
      "aria-invalid": invalid,
    }),
  };
}

/** An `Input` in a `Field`, wired to its label, hint and errors. */
export function TextField(props: FieldControlProps<"input">) {
  const { field, control } = wire(props);
  return <Field {...field}>{(ids) => <Input {...control(ids)} />}</Field>;
}

/** A `Textarea` in a `Field`, wired to its label, hint and errors. */
export function TextareaField(props: FieldControlProps<"textarea">) {
  const { field, control } = wire(props);
  return <Field {...field}>{(ids) => <Textarea {...control(ids)} />}</Field>;
}

/** A `Select` in a `Field`, wired to its label, hint and errors; `children` are its options. */
export function SelectField(props: FieldControlProps<"select">) {
  const { field, control } = wire(props);
  return <Field {...field}>{(ids) => <Select {...control(ids)} />}</Field>;
}

/** Validation messages under a field, in the console's language (the schemas speak English). */
export function FieldErrors({ id, messages }: { id?: string; messages: readonly ValidationText[] }) {
  const { validation } = useI18n();
  const texts = [...new Set(messages.map((message) => validation(message)))];
  // An empty required field says only that ("obrigatório"), not also the rules its text will follow.
  const required = validation("required");
  const shown = texts.includes(required) ? [required] : texts;
  return (
    <ul id={id} className="space-y-0.5 text-xs font-medium text-rose-600" data-testid="field-errors">
      {shown.map((text) => (
        <li key={text}>{text}</li>
      ))}
    </ul>
  );
}

type ChoiceProps = Omit<ComponentProps<"input">, "type"> & { label: ReactNode; hint?: ReactNode };

/** A checkbox or a radio with its label and, under it, an optional hint tied to it by aria-describedby. */
function Choice({ type, label, hint, className, ...props }: ChoiceProps & { type: "checkbox" | "radio" }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  return (
    <div className={cn("flex items-start gap-2.5", className)}>
      <input
        id={id}
        type={type}
        aria-describedby={hintId}
        className={cn(
          "mt-0.5 size-4 border-slate-300 text-indigo-600 accent-indigo-600 focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 focus-visible:outline-none",
          type === "checkbox" && "rounded",
        )}
        {...props}
      />
      <div className="min-w-0">
        <label htmlFor={id} className="text-sm text-slate-700">
          {label}
        </label>
        {hint ? (
          <p id={hintId} className="mt-0.5 text-xs text-slate-500">
            {hint}
          </p>
        ) : null}
      </div>
    </div>
  );
}

/** A checkbox with its label; `hint` (optional) says what checking it does. */
export function Checkbox(props: ChoiceProps) {
  return <Choice type="checkbox" {...props} />;
}

/** One choice of a radio group (same `name` on each); `hint` says what the choice means. */
export function Radio(props: ChoiceProps) {
  return <Choice type="radio" {...props} />;
}
