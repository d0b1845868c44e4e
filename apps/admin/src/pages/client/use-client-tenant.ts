import { useQuery } from "@tanstack/react-query";

import { useUser } from "../../lib/session.ts";
import { useTRPC } from "../../lib/trpc.ts";

/** The signed-in client's own tenant (the session decides which; the client never names it). */
export function useClientTenant() {
  const user = useUser();
  const trpc = useTRPC();
  return useQuery({
    ...trpc.tenants.byId.queryOptions({ id: user.tenantId ?? "" }),
    enabled: user.tenantId !== null,
  });
}
