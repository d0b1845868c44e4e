import { useQuery, useQueryClient } from "@tanstack/react-query";

import { useTRPC, type RouterOutputs } from "./trpc.ts";

export type Session = NonNullable<RouterOutputs["auth"]["me"]>;
export type SessionUser = Session["user"];

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

/**
 * After a sign-in (the login form, a password link): the session the API answered becomes the
 * console's, so the guards let the user in without asking `auth.me` again.
 */
export function useSignedIn(): (session: Session) => void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return (session) => {
    queryClient.setQueryData(trpc.auth.me.queryKey(), session);
  };
}
