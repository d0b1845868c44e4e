import { useQuery } from "@tanstack/react-query";

import { useTRPC, type RouterOutputs } from "./trpc.ts";

export type SessionUser = NonNullable<RouterOutputs["auth"]["me"]>["user"];

/** The signed-in user (null when signed out). Cached for the page's life; login and logout update it. */
export function useSession() {
  const trpc = useTRPC();
  return useQuery({ ...trpc.auth.me.queryOptions(), staleTime: Infinity, retry: false });
}

/** The signed-in user, for components rendered under <RequireSession> only. */
export function useUser(): SessionUser {
  const { data } = useSession();
  if (!data) {
    throw new Error("useUser needs a signed-in session (render under <RequireSession>)");
  }
  return data.user;
}
