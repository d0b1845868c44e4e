import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { z } from "zod";

import {
  CRM_TOKEN_MIN_LENGTH,
  WEBHOOK_SECRET_MIN_LENGTH,
  WEBHOOK_SECRET_OVERLAP_HOURS_DEFAULT,
  ZSetCrmTokenInput,
  ZSetWebhookSecretInput,
} from "@lx/shared/schemas";

import { Button } from "../../components/ui/button.tsx";
import { CopyField } from "../../components/ui/copy-field.tsx";
import { Dialog, FormFooter, MutationConfirmDialog } from "../../components/ui/dialog.tsx";
import { Checkbox, Radio, TextField } from "../../components/ui/field.tsx";
import { FormError, WarningNote } from "../../components/ui/states.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { errorMessage } from "../../lib/errors.ts";
import { useCheckedForm } from "../../lib/form-issues.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";

type DialogProps = { tenantSlug: string; open: boolean; onClose: () => void };

/** After a change: its toast, the dialog closed, the card read again. */
function useDone(onClose: () => void) {
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  return async (message: string) => {
    toast.success(message);
    onClose();
    await queryClient.invalidateQueries(trpc.integrations.get.pathFilter());
  };
}

/**
 * The overlaps a new signing secret offers, generated or pasted: how long the replaced secret still
 * signs `X-LX-Signature-Previous`.
 */
const OVERLAP_CHOICES = [WEBHOOK_SECRET_OVERLAP_HOURS_DEFAULT, 1, 0] as const;

/** "Sobreposição": 24 h (recommended, the default), 1 h, or none (the current secret leaked). */
function WebhookSecretOverlapChoice({ value, onChange }: { value: number; onChange: (hours: number) => void }) {
  const { t } = useI18n();
  return (
    <fieldset className="space-y-2" data-testid="webhook-secret-overlap">
      <legend className="mb-1 text-sm font-medium text-slate-900">{t.integrations.overlapLegend}</legend>
      {OVERLAP_CHOICES.map((hours) => (
        <Radio
          key={hours}
          name="webhook-secret-overlap"
          value={hours}
          checked={value === hours}
          onChange={() => onChange(hours)}
          label={t.integrations.overlapLabel(hours)}
          hint={t.integrations.overlapHint(hours)}
        />
      ))}
    </fieldset>
  );
}

/**
 * "Gerar novo segredo": a confirmation that offers the overlap (default 24 h: receivers still
 * checking the old secret verify `X-LX-Signature-Previous` meanwhile; none when it leaked), then the
 * new secret, made by the server, shown this once with a copy button. Closing drops it from memory
 * (the mutation is reset): nothing can show it again.
 */
export function RotateWebhookSecretDialog({ tenantSlug, open, onClose }: DialogProps) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const rotate = useMutation(
    trpc.integrations.rotateWebhookSecret.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.integrations.get.pathFilter()),
    }),
  );
  const secret = rotate.data?.secret ?? null;
  // The secret is never shown again: closing takes an explicit "I copied it".
  const [copied, setCopied] = useState(false);
  const [overlapHours, setOverlapHours] = useState<number>(WEBHOOK_SECRET_OVERLAP_HOURS_DEFAULT);
  const cancel = () => {
    setOverlapHours(WEBHOOK_SECRET_OVERLAP_HOURS_DEFAULT);
    onClose();
  };
  const close = () => {
    rotate.reset();
    setCopied(false);
    cancel();
  };
  return (
    <>
      <MutationConfirmDialog
        mutation={rotate}
        open={open && secret === null}
        onClose={cancel}
        onConfirm={() => rotate.mutateAsync({ tenantSlug, overlapHours })}
        title={t.integrations.rotateTitle}
        description={t.integrations.rotateBody}
        confirmLabel={t.integrations.rotate}
        confirmVariant="danger"
      >
        <WebhookSecretOverlapChoice value={overlapHours} onChange={setOverlapHours} />
      </MutationConfirmDialog>
      <Dialog
        open={open && secret !== null}
        onClose={close}
        dismissible={false}
        wide
        title={t.integrations.newSecretTitle}
        description={t.integrations.newSecretBody}
        footer={
          <Button variant="secondary" onClick={close} disabled={!copied} aria-describedby={copied ? undefined : "new-secret-close-why"} data-testid="new-webhook-secret-close">
            {t.common.close}
          </Button>
        }
      >
        {secret !== null ? (
          <div className="space-y-3" data-testid="new-webhook-secret">
            <CopyField
              label={t.integrations.secret}
              value={secret}
              copied={t.integrations.copied}
              copyFailed={t.integrations.copyFailed}
              data-testid="new-webhook-secret-value"
            />
            <WarningNote role="status">{t.integrations.shownOnce}</WarningNote>
            <Checkbox
              label={t.integrations.copiedConfirm}
              checked={copied}
              onChange={(event) => setCopied(event.target.checked)}
              data-testid="new-webhook-secret-copied"
            />
            {!copied ? (
              <p id="new-secret-close-why" className="text-xs text-slate-600">
                {t.integrations.closeAfterCopy}
              </p>
            ) : null}
          </div>
        ) : null}
      </Dialog>
    </>
  );
}

type SaveMutation<S extends z.ZodType> = {
  mutate: (input: z.output<S>, options: { onSuccess: () => Promise<void> }) => void;
  isPending: boolean;
  error: unknown;
  reset: () => void;
};

/**
 * A secret pasted into a password field that starts empty on every opening (it is never shown back),
 * checked with the API's own schema as it is typed (`field` names it in the schema's issues), and
 * saved with `save`.
 */
function PastedSecretDialog<S extends z.ZodType>({
  tenantSlug,
  open,
  onClose,
  title,
  description,
  schema,
  field,
  label,
  hint,
  submitLabel,
  saved,
  save,
  withOverlap = false,
  "data-testid": testId,
}: DialogProps & {
  title: string;
  description: string;
  schema: S;
  field: "secret" | "token";
  label: string;
  hint: string;
  submitLabel: string;
  /** The toast once saved. */
  saved: string;
  save: SaveMutation<S>;
  /** The signing secret's: the overlap choice, as a rotation offers it (`overlapHours`). */
  withOverlap?: boolean;
  "data-testid": string;
}) {
  const close = () => {
    save.reset();
    onClose();
  };
  const done = useDone(close);
  return (
    <Dialog open={open} onClose={close} title={title} description={description}>
      {open ? (
        <PastedSecretForm
          tenantSlug={tenantSlug}
          schema={schema}
          field={field}
          label={label}
          hint={hint}
          submitLabel={submitLabel}
          save={save}
          withOverlap={withOverlap}
          onSubmit={(input) => save.mutate(input, { onSuccess: () => done(saved) })}
          onCancel={close}
          data-testid={testId}
        />
      ) : null}
    </Dialog>
  );
}

function PastedSecretForm<S extends z.ZodType>({
  tenantSlug,
  schema,
  field,
  label,
  hint,
  submitLabel,
  save,
  withOverlap,
  onSubmit,
  onCancel,
  "data-testid": testId,
}: {
  tenantSlug: string;
  schema: S;
  field: "secret" | "token";
  label: string;
  hint: string;
  submitLabel: string;
  save: SaveMutation<S>;
  withOverlap: boolean;
  onSubmit: (input: z.output<S>) => void;
  onCancel: () => void;
  "data-testid": string;
}) {
  const { t } = useI18n();
  const [secret, setSecret] = useState("");
  // Mounted on each opening: the choice starts at the default every time, as the rotation's does.
  const [overlapHours, setOverlapHours] = useState<number>(WEBHOOK_SECRET_OVERLAP_HOURS_DEFAULT);
  const form = useCheckedForm(schema, { tenantSlug, [field]: secret, ...(withOverlap ? { overlapHours } : {}) }, onSubmit);
  return (
    <form onSubmit={form.submit} onBlur={form.onBlur} noValidate className="space-y-4" data-testid={testId}>
      {save.error ? <FormError>{errorMessage(save.error, t)}</FormError> : null}
      <TextField
        label={label}
        hint={hint}
        type="password"
        autoComplete="new-password"
        spellCheck={false}
        controlClassName="font-mono"
        value={secret}
        onChange={(event) => setSecret(event.target.value)}
        errors={form.issues.get(field)}
        name={field}
      />
      {withOverlap ? <WebhookSecretOverlapChoice value={overlapHours} onChange={setOverlapHours} /> : null}
      <FormFooter busy={save.isPending} submitLabel={submitLabel} onCancel={onCancel} />
    </form>
  );
}

/**
 * "Usar um segredo existente": the one the tenant's n8n or receiver already checks, pasted, with the
 * rotation's overlap choice for the secret it replaces.
 */
export function PasteWebhookSecretDialog(props: DialogProps) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const save = useMutation(trpc.integrations.setWebhookSecret.mutationOptions());
  return (
    <PastedSecretDialog
      {...props}
      title={t.integrations.pasteTitle}
      description={t.integrations.pasteBody}
      schema={ZSetWebhookSecretInput}
      field="secret"
      label={t.integrations.secret}
      hint={t.integrations.atLeast(WEBHOOK_SECRET_MIN_LENGTH)}
      submitLabel={t.integrations.saveSecret}
      saved={t.integrations.secretSaved}
      save={save}
      withOverlap
      data-testid="webhook-secret-form"
    />
  );
}

/** "Definir" / "Substituir": the CRM token, pasted; the field starts empty either way. */
export function CrmTokenDialog({ replacing, ...props }: DialogProps & { replacing: boolean }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const save = useMutation(trpc.integrations.setCrmToken.mutationOptions());
  return (
    <PastedSecretDialog
      {...props}
      title={replacing ? t.integrations.crmReplaceTitle : t.integrations.crmSetTitle}
      description={t.integrations.crmDialogBody}
      schema={ZSetCrmTokenInput}
      field="token"
      label={t.integrations.crmToken}
      hint={t.integrations.atLeast(CRM_TOKEN_MIN_LENGTH)}
      submitLabel={t.integrations.saveToken}
      saved={t.integrations.crmSaved}
      save={save}
      data-testid="crm-token-form"
    />
  );
}

/** Confirms clearing the CRM token (the card offers it only while no active version needs it). */
export function RemoveCrmTokenDialog({ tenantSlug, open, onClose }: DialogProps) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const done = useDone(onClose);
  const remove = useMutation(
    trpc.integrations.clearCrmToken.mutationOptions({ onSuccess: () => done(t.integrations.crmRemoved) }),
  );
  return (
    <MutationConfirmDialog
      mutation={remove}
      open={open}
      onClose={onClose}
      onConfirm={() => remove.mutateAsync({ tenantSlug })}
      title={t.integrations.crmRemoveTitle}
      description={t.integrations.crmRemoveBody}
      confirmLabel={t.common.remove}
      confirmVariant="danger"
    />
  );
}
