import { useQuery, useQueryClient } from "@tanstack/react-query";

import { useTRPC } from "./trpc.ts";

/**
 * What the server offers around passwords (`auth.options`, public): whether it e-mails password
 * links (SMTP_URL set) and how long a self-service reset link works. It only changes when the
 * server restarts with another configuration, so it is asked once per page load.
 */
export function useAuthOptions() {
  const trpc = useTRPC();
  return useQuery({ ...trpc.auth.options.queryOptions(), staleTime: Infinity });
}

/**
 * Whether password links can go by e-mail. False while the answer is unknown (loading, or the query
 * failed): the screens then stay as on a server without e-mail, where links are copied by hand.
 */
export function usePasswordMail(): { enabled: boolean; ttlMinutes: number | null } {
  const { data } = useAuthOptions();
  return {
    enabled: data?.passwordResetByEmail === true,
    ttlMinutes: data?.passwordResetTtlMinutes ?? null,
  };
}

/**
 * After the server refused an e-mail it had said it could send (it restarted without SMTP_URL): ask
 * again, so the e-mail choices disappear.
 */
export function useRefreshAuthOptions(): () => Promise<void> {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries(trpc.auth.options.queryFilter());
}
