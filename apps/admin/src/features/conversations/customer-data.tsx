import { Button } from "../../components/ui/button.tsx";
import { customerErrorMessage, RequestError } from "../customers/customer-errors.tsx";
import { useExportCustomer } from "../customers/use-customer-data.ts";
import { useI18n } from "../../lib/i18n/context.tsx";

/**
 * The thread header's "customer data (LGPD)" area: export everything kept about this conversation's
 * customer as a JSON file, or open the erasure dialog (which the header keeps, so its result stays
 * on screen once the conversation turns erased and this area goes away).
 */
export function CustomerDataActions({
  id,
  tenantSlug,
  conversationId,
  onErase,
}: {
  id: string;
  tenantSlug: string;
  conversationId: string;
  onErase: () => void;
}) {
  const { t } = useI18n();
  const exportCustomer = useExportCustomer();
  return (
    <div
      id={id}
      role="group"
      aria-label={t.customers.menu}
      className="mt-3 rounded-md bg-slate-50 px-3 py-2.5 ring-1 ring-slate-200"
      data-testid="customer-data"
    >
      <p className="text-xs text-slate-600">{t.customers.menuHint}</p>
      <div className="mt-2 flex flex-wrap gap-2">
        <Button
          size="sm"
          variant="secondary"
          loading={exportCustomer.isPending}
          onClick={() => exportCustomer.mutate({ tenantSlug, conversationId })}
        >
          {t.customers.export}
        </Button>
        <Button size="sm" variant="ghost" className="text-rose-700 hover:bg-rose-50" onClick={onErase}>
          {t.customers.erase}
        </Button>
      </div>
      {exportCustomer.error ? (
        <RequestError className="mt-2">{customerErrorMessage(exportCustomer.error, t)}</RequestError>
      ) : null}
    </div>
  );
}
