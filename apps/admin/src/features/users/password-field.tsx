import { useState } from "react";

import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "@lx/shared/schemas";

import { Button } from "../../components/ui/button.tsx";
import { Field, Input } from "../../components/ui/field.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { generatePassword } from "./password.ts";

/**
 * A password the operator sets for someone else: typed, or generated and then shown in clear text so
 * it can be copied and sent to the person (it is never shown again once saved).
 */
export function PasswordField({
  label,
  value,
  onChange,
  errors,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  errors?: readonly string[];
}) {
  const { t } = useI18n();
  const toast = useToast();
  const [visible, setVisible] = useState(false);

  const copy = async () => {
    try {
      // Missing outside a secure context: the TypeError lands in the catch like a refused write.
      await navigator.clipboard.writeText(value);
      toast.success(t.users.copied);
    } catch {
      toast.error(t.users.copyFailed);
    }
  };

  return (
    <Field
      label={label}
      // The length is said once: by the hint, or by the error when there is one.
      hint={errors && errors.length > 0 ? t.users.passwordSendHint : t.users.passwordHint(PASSWORD_MIN_LENGTH)}
      errors={errors}
    >
      {({ id, describedBy, invalid }) => (
        <div className="space-y-2">
          <Input
            id={id}
            type={visible ? "text" : "password"}
            autoComplete="new-password"
            spellCheck={false}
            maxLength={PASSWORD_MAX_LENGTH}
            className="font-mono"
            value={value}
            onChange={(event) => onChange(event.target.value)}
            aria-describedby={describedBy}
            aria-invalid={invalid}
          />
          <div className="flex flex-wrap gap-2">
            <Button
              size="sm"
              variant="secondary"
              onClick={() => {
                onChange(generatePassword());
                setVisible(true);
              }}
            >
              {t.users.generate}
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setVisible((shown) => !shown)}>
              {visible ? t.users.hide : t.users.show}
            </Button>
            <Button size="sm" variant="ghost" disabled={value === ""} onClick={() => void copy()}>
              {t.users.copy}
            </Button>
          </div>
        </div>
      )}
    </Field>
  );
}
