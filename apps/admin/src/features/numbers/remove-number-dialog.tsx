import { useMutation, useQueryClient } from "@tanstack/react-query";

import { formatPhone } from "@lx/shared/domain";

import { MutationConfirmDialog } from "../../components/ui/dialog.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";

/**
 * Confirms removing a number no customer has written to (`numbers.remove`, audited): one added with
 * a mistyped Meta id, or to the wrong tenant. The server refuses one a customer wrote to meanwhile
 * (shown in the dialog). Every screen listing numbers, and the tenant's count of them, is refreshed.
 */
export function RemoveNumberDialog({
  tenantSlug,
  number,
  onClose,
}: {
  tenantSlug: string;
  number: { id: string; displayPhoneNumber: string; phoneNumberId: string } | null;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.numbers.remove.mutationOptions({
      onSuccess: async () => {
        toast.success(t.numbers.removed(formatPhone(number?.displayPhoneNumber ?? "")));
        onClose();
        await Promise.all([
          queryClient.invalidateQueries(trpc.numbers.list.pathFilter()),
          queryClient.invalidateQueries(trpc.operations.numbers.pathFilter()),
          queryClient.invalidateQueries(trpc.tenants.bySlug.pathFilter()),
        ]);
      },
    }),
  );
  return (
    <MutationConfirmDialog
      mutation={remove}
      open={number !== null}
      onClose={onClose}
      onConfirm={() => (number ? remove.mutateAsync({ tenantSlug, numberId: number.id }) : undefined)}
      title={number ? t.numbers.removeTitle(formatPhone(number.displayPhoneNumber)) : ""}
      description={number ? t.numbers.removeBody(number.phoneNumberId) : undefined}
      confirmLabel={t.common.remove}
      confirmVariant="danger"
    />
  );
}
