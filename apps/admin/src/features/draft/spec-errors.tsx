import type { FieldError } from "@lx/shared/schemas";

import { useI18n } from "../../lib/i18n/context.tsx";

/** Every validation error of the draft, named by its path (`handoff.message: required`). */
export function SpecErrors({ errors, title }: { errors: readonly FieldError[]; title?: string }) {
  const { t, validation } = useI18n();
  return (
    <div
      role="alert"
      className="rounded-lg bg-rose-50 px-4 py-3 ring-1 ring-rose-200"
      data-testid="spec-errors"
    >
      <p className="text-sm font-semibold text-rose-800">{title ?? t.spec.errorsTitle}</p>
      <ul className="mt-2 space-y-1 text-sm text-rose-700">
        {errors.map((error, index) => (
          <li key={`${error.path}-${index}`} className="flex gap-2">
            <code className="shrink-0 rounded bg-white/70 px-1.5 py-0.5 font-mono text-xs text-rose-800 ring-1 ring-rose-200">
              {error.path === "" ? "(root)" : error.path}
            </code>
            <span>{validation(error)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
