import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { formatPhone } from "@lx/shared/domain";
import { ZAddNumberInput, ZUpdateNumberInput } from "@lx/shared/schemas";

import { Badge } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Card, CardHeader } from "../../components/ui/card.tsx";
import { Dialog, FormFooter } from "../../components/ui/dialog.tsx";
import { EmptyState, ErrorState, FormError, LoadingState } from "../../components/ui/states.tsx";
import { Table, TBody, Td, Th, THead, Tr } from "../../components/ui/table.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { errorCode, errorMessage } from "../../lib/errors.ts";
import { useCheckedForm } from "../../lib/form-issues.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import { NumberFields, type NumberFieldValues } from "./number-fields.tsx";
import { RemoveNumberDialog } from "./remove-number-dialog.tsx";
import { ResumeNumberDialog } from "./resume-number-dialog.tsx";

type PhoneNumber = RouterOutputs["numbers"]["list"][number];

/**
 * The tenant's WhatsApp numbers: Meta's id, kind, the agent that answers it (routing by number), its
 * WABA, whether its sending is paused and when it first answered; add one, change one (a new
 * token replaces the sealed one; tokens are never shown back), or remove one no customer has written
 * to (a mistyped Meta id, the wrong tenant).
 */
export function NumbersCard({ tenantSlug, className }: { tenantSlug: string; className?: string }) {
  const { t, dateTime } = useI18n();
  const trpc = useTRPC();
  const list = useQuery(trpc.numbers.list.queryOptions({ tenantSlug }));
  // The form's number: null for a new one; undefined while closed.
  const [editing, setEditing] = useState<PhoneNumber | null | undefined>(undefined);
  // A number paused after a token or account error: resumed here once its token is replaced.
  const [resuming, setResuming] = useState<PhoneNumber | null>(null);
  const [removing, setRemoving] = useState<PhoneNumber | null>(null);
  return (
    <Card className={className} data-testid="numbers-card">
      <CardHeader
        title={t.numbers.title}
        description={t.numbers.subtitle}
        actions={
          <Button size="sm" onClick={() => setEditing(null)}>
            + {t.numbers.add}
          </Button>
        }
      />
      {list.isPending ? (
        <LoadingState className="py-8" />
      ) : list.isError ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} className="py-8" />
      ) : list.data.length === 0 ? (
        <EmptyState title={t.numbers.empty} description={t.numbers.emptyHint} className="py-8" />
      ) : (
        <Table data-testid="numbers-table">
          <THead>
            <tr>
              <Th>{t.numbers.number}</Th>
              <Th>{t.numbers.agent}</Th>
              <Th>{t.numbers.state}</Th>
              <Th className="text-right">{t.common.actions}</Th>
            </tr>
          </THead>
          <TBody>
            {list.data.map((n) => (
              <Tr key={n.id} data-testid="number-row" data-phone-number-id={n.phoneNumberId}>
                <Td className="whitespace-normal">
                  <p className="text-sm font-medium text-slate-900 tabular-nums">{formatPhone(n.displayPhoneNumber)}</p>
                  <p className="font-mono text-xs break-all text-slate-500">{n.phoneNumberId}</p>
                  {n.wabaId ? (
                    <p className="font-mono text-xs break-all text-slate-400">
                      {t.numbers.waba} {n.wabaId}
                    </p>
                  ) : null}
                </Td>
                <Td className="whitespace-normal">
                  <p className="font-mono text-sm text-slate-700">{n.agentSlug ?? t.common.none}</p>
                  <Badge tone={n.kind === "meta" ? "indigo" : "gray"} className="mt-1">
                    {t.wizard.kinds[n.kind] ?? n.kind}
                  </Badge>
                </Td>
                <Td className="text-xs whitespace-normal text-slate-500" data-testid="number-state">
                  {n.sendPausedAt ? (
                    <Badge tone="amber">{t.numbers.paused(n.pauseReason ?? "")}</Badge>
                  ) : n.firstAnsweredAt ? (
                    t.numbers.answered(dateTime(n.firstAnsweredAt))
                  ) : (
                    t.numbers.notAnswered
                  )}
                </Td>
                <Td>
                  <div className="flex flex-wrap justify-end gap-1">
                    {n.sendPausedAt ? (
                      <Button size="sm" variant="secondary" onClick={() => setResuming(n)} aria-label={`${t.operations.resume} ${formatPhone(n.displayPhoneNumber)}`}>
                        {t.operations.resume}
                      </Button>
                    ) : null}
                    <Button size="sm" variant="ghost" onClick={() => setEditing(n)} aria-label={`${t.numbers.edit} ${formatPhone(n.displayPhoneNumber)}`}>
                      {t.numbers.edit}
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      disabled={!n.removable}
                      aria-describedby={n.removable ? undefined : `number-why-${n.id}`}
                      onClick={() => setRemoving(n)}
                      aria-label={`${t.common.remove} ${formatPhone(n.displayPhoneNumber)}`}
                    >
                      {t.common.remove}
                    </Button>
                  </div>
                  {/* Why Remover is off, said on screen (a disabled button takes no focus, so no tooltip). */}
                  {n.removable ? null : (
                    <p id={`number-why-${n.id}`} className="mt-1 ml-auto max-w-64 text-right text-xs text-slate-500" data-testid="number-not-removable">
                      {t.numbers.notRemovable}
                    </p>
                  )}
                </Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      )}
      <Dialog
        open={editing !== undefined}
        onClose={() => setEditing(undefined)}
        wide
        title={editing ? t.numbers.editTitle(formatPhone(editing.displayPhoneNumber)) : t.numbers.newTitle}
        description={editing ? t.numbers.editBody : t.numbers.newBody}
      >
        {editing !== undefined ? (
          <NumberForm key={editing?.id ?? "new"} tenantSlug={tenantSlug} editing={editing} onClose={() => setEditing(undefined)} />
        ) : null}
      </Dialog>
      <ResumeNumberDialog number={resuming} onClose={() => setResuming(null)} />
      <RemoveNumberDialog tenantSlug={tenantSlug} number={removing} onClose={() => setRemoving(null)} />
    </Card>
  );
}

function NumberForm({ tenantSlug, editing, onClose }: { tenantSlug: string; editing: PhoneNumber | null; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const agents = useQuery(trpc.agents.list.queryOptions({ tenantSlug }));
  const [values, setValues] = useState<NumberFieldValues>(() => ({
    phoneNumberId: editing?.phoneNumberId ?? "",
    displayPhoneNumber: editing?.displayPhoneNumber ?? "",
    accessToken: "",
    kind: editing?.kind ?? "meta",
    agent: editing?.agentSlug ?? "",
    wabaId: editing?.wabaId ?? "",
  }));
  const { phoneNumberId, displayPhoneNumber: display, accessToken: token, kind, wabaId = "" } = values;
  // Until one is chosen, the tenant's first agent (once the list has come).
  const agentChoice = values.agent || agents.data?.[0]?.slug || "";
  const fields = { displayPhoneNumber: display.trim(), kind, agentSlug: agentChoice, wabaId: wabaId.trim() || undefined };
  const done = async (message: string) => {
    toast.success(message);
    onClose();
    // The tenant's header counts its numbers.
    await Promise.all([
      queryClient.invalidateQueries(trpc.numbers.list.pathFilter()),
      queryClient.invalidateQueries(trpc.tenants.bySlug.pathFilter()),
    ]);
  };
  const add = useMutation(trpc.numbers.add.mutationOptions({ onSuccess: () => done(t.numbers.created(formatPhone(fields.displayPhoneNumber))) }));
  const update = useMutation(
    trpc.numbers.update.mutationOptions({
      onSuccess: (result) => done(result.changed ? t.numbers.saved(formatPhone(fields.displayPhoneNumber)) : t.numbers.unchanged),
    }),
  );
  const addForm = useCheckedForm(
    ZAddNumberInput,
    { tenantSlug, number: { ...fields, phoneNumberId: phoneNumberId.trim(), accessToken: token } },
    (input) => add.mutate(input),
  );
  const updateForm = useCheckedForm(
    ZUpdateNumberInput,
    { tenantSlug, numberId: editing?.id, number: { ...fields, accessToken: token.trim() === "" ? undefined : token } },
    (input) => update.mutate(input),
  );
  const form = editing ? updateForm : addForm;
  const at = (field: string) => form.issues.get(`number.${field}`);
  const failed = editing ? update.error : add.error;
  const busy = add.isPending || update.isPending;
  return (
    <form onSubmit={form.submit} onBlur={form.onBlur} noValidate className="space-y-4" data-testid="number-form">
      {failed ? (
        <FormError>{errorCode(failed) === "CONFLICT" ? t.numbers.taken(phoneNumberId.trim()) : errorMessage(failed, t)}</FormError>
      ) : null}
      <NumberFields
        value={{ ...values, agent: agentChoice }}
        existing={editing !== null}
        agents={(agents.data ?? []).map((a) => ({ slug: a.slug, label: a.name }))}
        errorsAt={(field) => at(field === "agent" ? "agentSlug" : field)}
        nameOf={(field) => `number.${field === "agent" ? "agentSlug" : field}`}
        onChange={(patch) => setValues((v) => ({ ...v, ...patch }))}
      />
      <FormFooter busy={busy} submitLabel={editing ? t.numbers.save : t.numbers.create} onCancel={onClose} />
    </form>
  );
}
