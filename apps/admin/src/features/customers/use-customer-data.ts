import { useMutation, useQueryClient } from "@tanstack/react-query";

import { useToast } from "../../components/ui/toast.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";
import { downloadJson, exportFileName } from "./export-file.ts";

/**
 * `customers.export`: on success the document is saved as a JSON file (and the export is audited by
 * the API). The caller shows the pending state and `customerErrorMessage(error)`.
 */
export function useExportCustomer() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  return useMutation(
    trpc.customers.export.mutationOptions({
      onSuccess: (data) => {
        const fileName = exportFileName(data);
        downloadJson(data, fileName);
        toast.success(t.customers.exported(fileName));
      },
    }),
  );
}

/** Every conversation query (list, threads): an erasure blanks some of them. */
export function useInvalidateConversations() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries(trpc.conversations.pathFilter());
}
