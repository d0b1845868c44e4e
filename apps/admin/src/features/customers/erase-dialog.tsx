import { useMutation } from "@tanstack/react-query";
import { Fragment, useState } from "react";

import { ERASE_CONFIRMATION, ZEraseCustomerInput, type TEraseCustomerInput } from "@lx/shared/schemas";

import { Badge } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Dialog } from "../../components/ui/dialog.tsx";
import { FieldErrors, TextField } from "../../components/ui/field.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { useCheckedForm } from "../../lib/form-issues.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import { customerErrorMessage, RequestError } from "./customer-errors.tsx";
import { useInvalidateConversations } from "./use-customer-data.ts";

export type ErasureResult = RouterOutputs["customers"]["erase"];

/** The customer to erase: by one of their conversations (the panel) or as a request names them (the tenant page). */
export type EraseTarget = {
  tenantSlug: string;
  conversationId?: string;
  /** A WhatsApp number in any notation, or a Meta user id. */
  customer?: string;
  /** Who, as the operator knows them (name or number), for the dialog's title. */
  label: string;
};

/** What an erasure takes away and what it keeps, said before the operator types the word. */
function EraseScope() {
  const { t } = useI18n();
  return (
    <div className="space-y-2" data-testid="erase-scope">
      <p className="font-medium text-rose-700">{t.customers.eraseIrreversible}</p>
      <p>{t.customers.eraseScope}</p>
      <ul className="list-disc space-y-0.5 pl-5">
        {t.customers.eraseItems.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
      <p>{t.customers.eraseKept}</p>
      <p className="text-slate-500">{t.customers.eraseTestCases}</p>
    </div>
  );
}

function EraseForm({
  target,
  busy,
  error,
  onSubmit,
  onCancel,
}: {
  target: EraseTarget;
  busy: boolean;
  error: string | null;
  onSubmit: (input: TEraseCustomerInput) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [confirm, setConfirm] = useState("");
  const form = useCheckedForm(
    ZEraseCustomerInput,
    {
      tenantSlug: target.tenantSlug,
      conversationId: target.conversationId,
      customer: target.customer,
      confirm,
    },
    onSubmit,
  );
  const { issues } = form;
  // The customer comes from the screen, not from this form: its issues (if any) are shown as a whole.
  const otherIssues = [...issues].filter(([path]) => path !== "confirm").flatMap(([, messages]) => messages);


  return (
    <form onSubmit={form.submit} noValidate className="space-y-4" data-testid="erase-customer-form">
      {error ? <RequestError>{error}</RequestError> : null}
      {otherIssues.length > 0 ? <FieldErrors messages={otherIssues} /> : null}
      <TextField
        label={t.customers.confirmLabel(ERASE_CONFIRMATION)}
        errors={issues.get("confirm")}
        autoComplete="off"
        autoFocus
        spellCheck={false}
        value={confirm}
        placeholder={ERASE_CONFIRMATION}
        onChange={(event) => setConfirm(event.target.value)}
        data-testid="erase-confirm"
      />
      <div className="mt-6 flex justify-end gap-2">
        <Button variant="secondary" onClick={onCancel} disabled={busy}>
          {t.common.cancel}
        </Button>
        <Button
          type="submit"
          variant="danger"
          loading={busy}
          disabled={busy || !form.valid}
          data-testid="confirm-button"
        >
          {t.customers.eraseSubmit}
        </Button>
      </div>
    </form>
  );
}

/** What was erased, and what the operator must still erase in the tenant's own systems. */
function ErasureSummary({ result, onClose }: { result: ErasureResult; onClose: () => void }) {
  const { t, number } = useI18n();
  const pending = result.jobsCancelled + result.sendsCancelled;
  const counts = [
    { key: "conversations", label: t.customers.result.conversations, n: result.conversationIds.length },
    { key: "messages", label: t.customers.result.messages, n: result.messages },
    {
      key: "appointmentsCancelled",
      label: t.customers.result.appointmentsCancelled,
      n: result.appointmentsCancelled,
    },
    ...(pending > 0 ? [{ key: "sendsCancelled", label: t.customers.result.sendsCancelled, n: pending }] : []),
    { key: "testCasesDeleted", label: t.customers.result.testCasesDeleted, n: result.testCasesDeleted.length },
  ];
  const caseAgents = [...new Set(result.testCasesDeleted.map((c) => c.agentSlug))].join(", ");
  return (
    <div data-testid="erasure-result">
      <dl className="grid grid-cols-[1fr_auto] gap-x-4 gap-y-1.5 text-sm">
        {counts.map((count) => (
          <Fragment key={count.key}>
            <dt className="text-slate-600">{count.label}</dt>
            <dd
              className="text-right font-medium text-slate-900 tabular-nums"
              data-testid="erasure-count"
              data-key={count.key}
            >
              {number(count.n)}
            </dd>
          </Fragment>
        ))}
      </dl>
      {result.testCasesDeleted.length > 0 ? (
        <p className="mt-2 text-xs text-slate-500" data-testid="erasure-test-cases">
          {t.customers.testCasesDeletedNote(caseAgents)}
        </p>
      ) : null}
      {result.external.length > 0 ? (
        <section
          className="mt-4 rounded-md bg-amber-50 px-3 py-2.5 ring-1 ring-amber-200"
          data-testid="erasure-external"
        >
          <h3 className="text-sm font-semibold text-amber-900">{t.customers.externalTitle}</h3>
          <p className="mt-0.5 text-xs text-amber-900">{t.customers.externalBody}</p>
          <ul className="mt-2 space-y-1 text-xs text-slate-800">
            {result.external.map((record, index) => (
              <li
                key={`${record.kind}-${record.system}-${record.externalId ?? index}`}
                className="flex flex-wrap items-center gap-1.5"
                data-testid="erasure-external-item"
              >
                <Badge tone="amber" className="px-1.5 py-0 text-[10px]">
                  {t.customers.externalKinds[record.kind] ?? record.kind}
                </Badge>
                <span className="font-medium">{record.system}</span>
                {record.externalId ? (
                  <code className="rounded bg-white px-1 font-mono text-[11px] ring-1 ring-amber-200">
                    {record.externalId}
                  </code>
                ) : (
                  <span className="text-slate-500">{t.customers.noExternalId}</span>
                )}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <div className="mt-6 flex justify-end">
        <Button onClick={onClose}>{t.common.close}</Button>
      </div>
    </div>
  );
}

/**
 * Erases a customer's data for good (`customers.erase`) after the operator types APAGAR, then shows
 * what was erased and the records left in the tenant's own systems. `target` null: closed.
 */
export function EraseCustomerDialog({
  target,
  onClose,
  onErased,
}: {
  target: EraseTarget | null;
  onClose: () => void;
  onErased?: (result: ErasureResult) => void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateConversations();
  const erase = useMutation(
    trpc.customers.erase.mutationOptions({
      onSuccess: async (result) => {
        toast.success(t.customers.erasedToast);
        onErased?.(result);
        await invalidate();
      },
    }),
  );
  const close = () => {
    if (!erase.isPending) {
      erase.reset();
      onClose();
    }
  };
  const result = erase.data;
  return (
    <Dialog
      open={target !== null}
      onClose={close}
      title={result ? t.customers.erasedTitle : target ? t.customers.eraseTitle(target.label) : ""}
      description={result ? undefined : <EraseScope />}
    >
      {target === null ? null : result ? (
        <ErasureSummary result={result} onClose={close} />
      ) : (
        <EraseForm
          target={target}
          busy={erase.isPending}
          error={erase.error ? customerErrorMessage(erase.error, t) : null}
          onSubmit={(input) => erase.mutate(input)}
          onCancel={close}
        />
      )}
    </Dialog>
  );
}
