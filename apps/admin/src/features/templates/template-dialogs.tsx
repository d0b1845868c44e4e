import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import {
  TEMPLATE_CATEGORIES,
  TEMPLATE_PURPOSES,
  ZCreateTemplateInput,
  ZUpdateTemplateInput,
} from "@lx/shared/schemas";

import { Dialog, FormFooter, MutationConfirmDialog } from "../../components/ui/dialog.tsx";
import { FormError } from "../../components/ui/states.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { errorCode, errorMessage } from "../../lib/errors.ts";
import { useCheckedForm } from "../../lib/form-issues.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import { TemplateFields, type TemplateFieldValues } from "./template-fields.tsx";

export type Template = RouterOutputs["templates"]["list"]["templates"][number];

/** `retomada_v1 (pt_BR)`: how the card and its dialogs name a template. */
export const templateRef = (t: { name: string; language: string }) => `${t.name} (${t.language})`;

function useInvalidateTemplates() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries(trpc.templates.list.pathFilter());
}

/**
 * A new template (`editing` null) or an existing one's category, use and text, checked with the
 * API's own schema as it is typed; the name and language of an existing one are shown, not edited.
 */
export function TemplateDialog({
  tenantSlug,
  open,
  editing,
  onClose,
}: {
  tenantSlug: string;
  open: boolean;
  editing: Template | null;
  onClose: () => void;
}) {
  const { t } = useI18n();
  return (
    <Dialog
      open={open}
      onClose={onClose}
      wide
      title={editing ? t.templates.editTitle(templateRef(editing)) : t.templates.newTitle}
      description={editing ? t.templates.editBody : t.templates.newBody}
    >
      {/* Keyed so each opening starts from the template's own values. */}
      {open ? <TemplateForm key={editing?.id ?? "new"} tenantSlug={tenantSlug} editing={editing} onClose={onClose} /> : null}
    </Dialog>
  );
}

function TemplateForm({ tenantSlug, editing, onClose }: { tenantSlug: string; editing: Template | null; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateTemplates();
  const [values, setValues] = useState<TemplateFieldValues>(() => ({
    name: editing?.name ?? "",
    language: editing?.language ?? "pt_BR",
    category: TEMPLATE_CATEGORIES.find((c) => c === editing?.category) ?? "utility",
    purpose: TEMPLATE_PURPOSES.find((p) => p === editing?.purpose) ?? "",
    body: editing?.body ?? "",
  }));
  const { name, language, category, purpose, body } = values;
  const fields = { category, purpose: purpose === "" ? undefined : purpose, body };
  const ref = templateRef({ name: name.trim(), language: language.trim() });
  const done = async (message: string) => {
    toast.success(message);
    onClose();
    await invalidate();
  };
  const create = useMutation(trpc.templates.create.mutationOptions({ onSuccess: () => done(t.templates.created(ref)) }));
  const update = useMutation(
    trpc.templates.update.mutationOptions({
      onSuccess: (result) => done(result.changed ? t.templates.saved(ref) : t.templates.unchanged),
    }),
  );
  const createForm = useCheckedForm(
    ZCreateTemplateInput,
    { tenantSlug, template: { name: name.trim(), language: language.trim(), ...fields } },
    (input) => create.mutate(input),
  );
  const updateForm = useCheckedForm(
    ZUpdateTemplateInput,
    { tenantSlug, templateId: editing?.id, template: fields },
    (input) => update.mutate(input),
  );
  const form = editing ? updateForm : createForm;
  const at = (field: string) => form.issues.get(`template.${field}`);
  const failed = editing ? update.error : create.error;
  const busy = create.isPending || update.isPending;
  return (
    <form onSubmit={form.submit} onBlur={form.onBlur} noValidate className="space-y-4" data-testid="template-form">
      {failed ? (
        <FormError>{errorCode(failed) === "CONFLICT" ? t.templates.exists(ref) : errorMessage(failed, t)}</FormError>
      ) : null}
      <TemplateFields
        value={values}
        identityFixed={editing !== null}
        purposeOptional
        errorsAt={(field) => at(field)}
        nameOf={(field) => `template.${field}`}
        onChange={(patch) => {
          // A new use can make the text wrong (a re-engagement body takes only {{1}}): say so now.
          if (patch.purpose !== undefined && body.trim() !== "") {
            form.touch("template.body");
          }
          setValues((v) => ({ ...v, ...patch }));
        }}
      />
      <FormFooter busy={busy} submitLabel={editing ? t.templates.save : t.templates.create} onCancel={onClose} />
    </form>
  );
}

/** Confirms removing a template the active versions do not send (the card offers no removal otherwise). */
export function RemoveTemplateDialog({
  tenantSlug,
  template,
  onClose,
}: {
  tenantSlug: string;
  template: Template | null;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateTemplates();
  const remove = useMutation(
    trpc.templates.remove.mutationOptions({
      onSuccess: async () => {
        if (template) {
          toast.success(t.templates.removed(templateRef(template)));
        }
        onClose();
        await invalidate();
      },
    }),
  );
  return (
    <MutationConfirmDialog
      mutation={remove}
      open={template !== null}
      onClose={onClose}
      onConfirm={() => (template ? remove.mutateAsync({ tenantSlug, templateId: template.id }) : undefined)}
      title={template ? t.templates.removeTitle(templateRef(template)) : ""}
      description={t.templates.removeBody}
      confirmLabel={t.common.remove}
      confirmVariant="danger"
    />
  );
}
