import { useMutation, useQueryClient } from "@tanstack/react-query";

import { formatPhone } from "@lx/shared/domain";

import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";

/**
 * Confirms resuming a paused number's sending (`operations.unpauseNumber`, audited): Operações'
 * numbers table and the tenant page's numbers card. Every screen listing numbers is refreshed.
 */
export function ResumeNumberDialog({
  number,
  onClose,
}: {
  number: { id: string; displayPhoneNumber: string } | null;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const resume = useMutation(
    trpc.operations.unpauseNumber.mutationOptions({
      onSuccess: async (result) => {
        toast.success(result.changed ? t.operations.numberResumed(formatPhone(number?.displayPhoneNumber ?? "")) : t.operations.unchanged);
        onClose();
        await Promise.all([
          queryClient.invalidateQueries(trpc.operations.pathFilter()),
          queryClient.invalidateQueries(trpc.conversations.pathFilter()),
          queryClient.invalidateQueries(trpc.numbers.list.pathFilter()),
        ]);
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );
  return (
    <ConfirmDialog
      open={number !== null}
      onClose={onClose}
      onConfirm={() => (number ? resume.mutateAsync({ numberId: number.id }) : undefined)}
      title={number ? t.operations.resumeTitle(formatPhone(number.displayPhoneNumber)) : ""}
      description={t.operations.resumeBody}
      confirmLabel={t.operations.resume}
      busy={resume.isPending}
    />
  );
}
