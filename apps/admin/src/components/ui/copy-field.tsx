import { useRef, type ReactNode } from "react";

import { useI18n } from "../../lib/i18n/context.tsx";
import { Button } from "./button.tsx";
import { Field, Input } from "./field.tsx";
import { useToast } from "./toast.tsx";

/**
 * A value to hand on, shown read-only in monospace with a copy button (a one-time password link, a
 * secret shown once). Focusing it selects it; when the clipboard refuses (outside a secure context),
 * it is left selected so Ctrl+C (or the long-press menu) copies it.
 */
export function CopyField({
  label,
  hint,
  value,
  copied,
  copyFailed,
  "data-testid": testId,
}: {
  label: ReactNode;
  hint?: ReactNode;
  value: string;
  /** The toasts after a copy, and after a refused one. */
  copied: string;
  copyFailed: string;
  /** The input's. */
  "data-testid"?: string;
}) {
  const { t } = useI18n();
  const toast = useToast();
  const input = useRef<HTMLInputElement>(null);

  const copy = async () => {
    try {
      // Missing outside a secure context: the TypeError lands in the catch like a refused write.
      await navigator.clipboard.writeText(value);
      toast.success(copied);
    } catch {
      input.current?.focus();
      input.current?.select();
      toast.error(copyFailed);
    }
  };

  return (
    <Field label={label} hint={hint}>
      {({ id, describedBy }) => (
        <div className="flex gap-2">
          <Input
            ref={input}
            id={id}
            readOnly
            spellCheck={false}
            className="font-mono text-xs"
            value={value}
            onFocus={(event) => event.currentTarget.select()}
            aria-describedby={describedBy}
            data-testid={testId}
          />
          <Button variant="secondary" onClick={() => void copy()}>
            {t.common.copy}
          </Button>
        </div>
      )}
    </Field>
  );
}
