import { NUMBER_KINDS } from "@lx/shared/schemas";

import { Field, SelectField, TextField } from "../../components/ui/field.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { AgentSelect, type AgentChoice } from "../agents/agent-select.tsx";

type Kind = (typeof NUMBER_KINDS)[number];

/** A number as its form edits it; `wabaId` only where the form offers it (the tenant page). */
export type NumberFieldValues = { phoneNumberId: string; displayPhoneNumber: string; accessToken: string; kind: Kind; agent: string; wabaId?: string };

/**
 * A WhatsApp number's fields — Meta's id, the display number, the token, the kind and the agent that
 * answers it — for the onboarding wizard's numbers step and the tenant page's number dialog.
 * `existing`: the Meta id is shown, not edited, and the token field replaces the stored one when
 * filled. `agents` null hides the agent (the wizard under menu routing).
 */
export function NumberFields({
  value,
  onChange,
  errorsAt,
  agents,
  existing = false,
  nameOf,
}: {
  value: NumberFieldValues;
  onChange: (patch: Partial<NumberFieldValues>) => void;
  errorsAt: (field: keyof NumberFieldValues) => readonly string[] | undefined;
  /** Each control's `name`: its path in the form's value, so leaving it marks it touched. */
  nameOf?: (field: keyof NumberFieldValues) => string;
  agents: readonly AgentChoice[] | null;
  existing?: boolean;
}) {
  const { t } = useI18n();
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <TextField
        label={t.wizard.phoneNumberId}
        errors={errorsAt("phoneNumberId")}
        name={nameOf?.("phoneNumberId")}
        value={value.phoneNumberId}
        inputMode="numeric"
        controlClassName="font-mono"
        readOnly={existing}
        onChange={(event) => onChange({ phoneNumberId: event.target.value })}
      />
      <TextField
        label={t.wizard.displayPhoneNumber}
        errors={errorsAt("displayPhoneNumber")}
        name={nameOf?.("displayPhoneNumber")}
        value={value.displayPhoneNumber}
        placeholder="+55 11 99999-0000"
        onChange={(event) => onChange({ displayPhoneNumber: event.target.value })}
      />
      <TextField
        label={existing ? t.numbers.newToken : t.wizard.accessToken}
        hint={existing ? t.numbers.keepToken : undefined}
        errors={errorsAt("accessToken")}
        name={nameOf?.("accessToken")}
        type="password"
        autoComplete="off"
        value={value.accessToken}
        onChange={(event) => onChange({ accessToken: event.target.value })}
      />
      {value.wabaId !== undefined ? (
        <TextField
          label={t.numbers.wabaId}
          optional={t.common.optional}
          errors={errorsAt("wabaId")}
        name={nameOf?.("wabaId")}
          value={value.wabaId}
          inputMode="numeric"
          controlClassName="font-mono"
          onChange={(event) => onChange({ wabaId: event.target.value })}
        />
      ) : null}
      <SelectField
        label={t.wizard.kind}
        errors={errorsAt("kind")}
        name={nameOf?.("kind")}
        value={value.kind}
        onChange={(event) => onChange({ kind: NUMBER_KINDS.find((k) => k === event.target.value) ?? value.kind })}
      >
        {NUMBER_KINDS.map((kind) => (
          <option key={kind} value={kind}>
            {t.wizard.kinds[kind] ?? kind}
          </option>
        ))}
      </SelectField>
      {agents ? (
        <Field label={t.wizard.numberAgent} errors={errorsAt("agent")}>
          {({ id, describedBy, invalid }) => (
            <AgentSelect
              id={id}
              agents={agents}
              value={value.agent}
              describedBy={describedBy}
              invalid={invalid}
              onChange={(agent) => onChange({ agent })}
            />
          )}
        </Field>
      ) : null}
    </div>
  );
}
