import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, use, useSyncExternalStore } from "react";

import { useTRPC, type RouterOutputs } from "./trpc.ts";

export type Session = NonNullable<RouterOutputs["auth"]["me"]>;
export type SessionUser = Session["user"];

/** The signed-in user (null when signed out). Cached for the page's life; login and logout update it. */
export function useSession() {
  const trpc = useTRPC();
  return useQuery({ ...trpc.auth.me.queryOptions(), staleTime: Infinity, retry: false });
}

/**
 * The user <RequireSession> let in, as of its last render. Session-only components read the user
 * from here, not from the `auth.me` cache: when the session ends (Sair, a 401), the cache turns
 * null at once, but a component under the guard can still re-render on its own (a mutation's state,
 * a query of its own) before the guard unmounts it; reading the cache then found no user and threw.
 * The guard's value only changes when the guard itself renders, and then it no longer renders them.
 */
export const SessionUserContext = createContext<SessionUser | null>(null);

/** The signed-in user, for components rendered under <RequireSession> only. */
export function useUser(): SessionUser {
  const user = use(SessionUserContext);
  if (!user) {
    throw new Error("useUser needs a signed-in session (render under <RequireSession>)");
  }
  return user;
}

/**
 * After a sign-in (the login form, a password link): the session the API answered becomes the
 * console's, so the guards let the user in without asking `auth.me` again.
 */
export function useSignedIn(): (session: Session) => void {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return (session) => {
    sessionEnd.clear();
    // Nothing of an earlier session (another account, in this tab) outlives the sign-in; the public
    // `auth.*` answers stay.
    queryClient.removeQueries({
      predicate: (query) => {
        const path = query.queryKey[0];
        return !(Array.isArray(path) && path[0] === "auth");
      },
    });
    queryClient.setQueryData(trpc.auth.me.queryKey(), session);
  };
}

/**
 * Why the console's session ended, for the login page: `signedOut` (the person chose Sair) or
 * `ended` (a request answered UNAUTHORIZED while the console believed it was signed in: the account
 * was disabled, its password reset, or the session expired or was ended elsewhere). Null on a fresh
 * visit. It lives for the page's life only: a reload of /login is a fresh visit.
 */
export type SessionEndReason = "signedOut" | "ended";

let endReason: SessionEndReason | null = null;
const endListeners = new Set<() => void>();

export const sessionEnd = {
  mark: (reason: SessionEndReason): void => {
    endReason = reason;
    endListeners.forEach((listener) => listener());
  },
  clear: (): void => {
    if (endReason !== null) {
      endReason = null;
      endListeners.forEach((listener) => listener());
    }
  },
  subscribe: (listener: () => void): (() => void) => {
    endListeners.add(listener);
    return () => {
      endListeners.delete(listener);
    };
  },
  get: (): SessionEndReason | null => {
    return endReason;
  },
};

export function useSessionEndReason(): SessionEndReason | null {
  return useSyncExternalStore(sessionEnd.subscribe, sessionEnd.get, sessionEnd.get);
}
