import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState, type SyntheticEvent } from "react";

import {
  RETENTION_DAYS_MAX,
  RETENTION_DAYS_MIN,
  ZCustomerRefInput,
  ZSetRetentionInput,
  type TCustomerRefInput,
  type TSetRetentionInput,
} from "@lx/shared/schemas";

import { Badge } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Card, CardHeader } from "../../components/ui/card.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { TextField } from "../../components/ui/field.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { errorMessage } from "../../lib/errors.ts";
import { useCheckedForm } from "../../lib/form-issues.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import { customerErrorMessage, RequestError } from "./customer-errors.tsx";
import { EraseCustomerDialog, type EraseTarget } from "./erase-dialog.tsx";
import { useExportCustomer } from "./use-customer-data.ts";

type Tenant = RouterOutputs["tenants"]["bySlug"];

/**
 * The retention window: the current one, a new one (checked with the API's schema before anything
 * is sent), or none. A window that starts erasing (set where there was none, or shortened) is
 * confirmed first: the next sweep erases what it leaves out, for good.
 */
function RetentionForm({ tenant }: { tenant: Tenant }) {
  const { t, number } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const current = tenant.retentionDays;
  const [days, setDays] = useState(current === null ? "" : String(current));
  const [confirming, setConfirming] = useState<TSetRetentionInput | null>(null);
  const save = useMutation(
    trpc.customers.setRetention.mutationOptions({
      onSuccess: async (result) => {
        toast.success(
          !result.changed
            ? t.customers.retentionUnchanged
            : result.days === null
              ? t.customers.retentionCleared
              : t.customers.retentionSaved(number(result.days)),
        );
        setConfirming(null);
        await queryClient.invalidateQueries(trpc.tenants.pathFilter());
      },
    }),
  );
  const apply = (input: TSetRetentionInput) => {
    save.reset();
    if (input.days !== null && (current === null || input.days < current)) {
      setConfirming(input);
    } else {
      save.mutate(input);
    }
  };
  const form = useCheckedForm(
    ZSetRetentionInput,
    { tenantSlug: tenant.slug, days: days.trim() === "" ? null : Number(days) },
    apply,
  );


  return (
    <section className="space-y-3 px-5 py-4" aria-label={t.customers.retention} data-testid="retention">
      <div className="flex flex-wrap items-center gap-2">
        <h3 className="text-sm font-medium text-slate-900">{t.customers.retention}</h3>
        <Badge tone={current === null ? "gray" : "indigo"} data-testid="retention-current">
          {current === null ? t.customers.retentionNone : t.customers.retentionDays(number(current))}
        </Badge>
      </div>
      <p className="text-xs text-slate-500">{t.customers.retentionHow}</p>
      <form
        onSubmit={form.submit}
        noValidate
        className="flex flex-wrap items-start gap-2"
        data-testid="retention-form"
      >
        <TextField
          label={t.customers.retentionLabel}
          hint={t.customers.retentionHint(RETENTION_DAYS_MIN, RETENTION_DAYS_MAX)}
          errors={form.issues.get("days")}
          className="w-56"
          type="number"
          inputMode="numeric"
          min={RETENTION_DAYS_MIN}
          max={RETENTION_DAYS_MAX}
          step={1}
          value={days}
          onChange={(event) => setDays(event.target.value)}
        />
        <div className="flex gap-2 pt-6">
          <Button
            type="submit"
            loading={save.isPending && save.variables?.days !== null}
            disabled={save.isPending || days.trim() === ""}
          >
            {t.customers.retentionSave}
          </Button>
          {current !== null ? (
            <Button
              variant="secondary"
              loading={save.isPending && save.variables?.days === null}
              disabled={save.isPending}
              onClick={() => {
                setDays("");
                apply({ tenantSlug: tenant.slug, days: null });
              }}
            >
              {t.customers.retentionClear}
            </Button>
          ) : null}
        </div>
      </form>
      {save.error && confirming === null ? <RequestError>{errorMessage(save.error, t)}</RequestError> : null}
      <ConfirmDialog
        open={confirming !== null}
        onClose={() => {
          save.reset();
          setConfirming(null);
        }}
        onConfirm={() => (confirming ? save.mutateAsync(confirming) : undefined)}
        title={confirming?.days ? t.customers.retentionConfirmTitle(number(confirming.days)) : ""}
        description={confirming?.days ? t.customers.retentionConfirmBody(number(confirming.days)) : undefined}
        confirmLabel={t.customers.retentionSave}
        confirmVariant="danger"
        busy={save.isPending}
      >
        {save.error ? <RequestError>{errorMessage(save.error, t)}</RequestError> : null}
      </ConfirmDialog>
    </section>
  );
}

/**
 * A data subject request: the customer as the request names them (number in any notation, or Meta
 * user id), exported as a JSON file or erased through the confirmation dialog.
 */
function CustomerRequestForm({ tenantSlug }: { tenantSlug: string }) {
  const { t } = useI18n();
  const [customer, setCustomer] = useState("");
  const [erasing, setErasing] = useState<EraseTarget | null>(null);
  const exportCustomer = useExportCustomer();
  /** Which button submitted the form: both check the same input. */
  const intent = useRef<"export" | "erase">("export");
  const form = useCheckedForm(ZCustomerRefInput, { tenantSlug, customer }, (input: TCustomerRefInput) => {
    if (intent.current === "export") {
      exportCustomer.mutate(input);
    } else {
      setErasing({ tenantSlug, customer: input.customer, label: input.customer ?? "" });
    }
  });

  const submitAs = (action: "export" | "erase") => (event: SyntheticEvent) => {
    event.preventDefault();
    intent.current = action;
    exportCustomer.reset();
    form.submit();
  };

  return (
    <section className="space-y-3 px-5 py-4" aria-label={t.customers.request} data-testid="customer-request">
      <h3 className="text-sm font-medium text-slate-900">{t.customers.request}</h3>
      <p className="text-xs text-slate-500">{t.customers.requestHint}</p>
      <form onSubmit={submitAs("export")} noValidate className="flex flex-wrap items-start gap-2">
        <TextField
          label={t.customers.customer}
          errors={form.issues.get("customer")}
          className="w-72"
          autoComplete="off"
          spellCheck={false}
          maxLength={128}
          placeholder={t.customers.customerPlaceholder}
          value={customer}
          onChange={(event) => setCustomer(event.target.value)}
        />
        <div className="flex gap-2 pt-6">
          <Button type="submit" variant="secondary" loading={exportCustomer.isPending}>
            {t.customers.export}
          </Button>
          <Button
            variant="ghost"
            className="text-rose-700 hover:bg-rose-50"
            disabled={exportCustomer.isPending}
            onClick={submitAs("erase")}
          >
            {t.customers.eraseShort}
          </Button>
        </div>
      </form>
      {exportCustomer.error ? (
        <RequestError>{customerErrorMessage(exportCustomer.error, t)}</RequestError>
      ) : null}
      <EraseCustomerDialog
        target={erasing}
        onClose={() => setErasing(null)}
        onErased={() => setCustomer("")}
      />
    </section>
  );
}

/** The tenant page's LGPD card (operators only): retention window and data subject requests. */
export function CustomerDataCard({ tenant, className }: { tenant: Tenant; className?: string }) {
  const { t } = useI18n();
  const titleId = useId();
  return (
    <Card className={className} aria-labelledby={titleId} data-testid="customer-data-card">
      <CardHeader titleId={titleId} title={t.customers.cardTitle} description={t.customers.cardSubtitle} />
      <div className="divide-y divide-slate-100">
        {/* Remounted when the saved window changes, so the input starts from it. */}
        <RetentionForm key={tenant.retentionDays ?? "none"} tenant={tenant} />
        <CustomerRequestForm tenantSlug={tenant.slug} />
      </div>
    </Card>
  );
}
