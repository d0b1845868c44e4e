import { Navigate, Outlet, useLocation } from "react-router";

import { SessionUserContext, useSessionEndReason, useSession, useUser } from "../lib/session.ts";
import { NoAccessPage } from "../pages/no-access.tsx";
import { ErrorState, LoadingState } from "./ui/states.tsx";

/**
 * Renders its routes for a signed-in user; otherwise sends to /login?next=<here> (to /login alone
 * after Sair). Its routes read the user through `useUser()`, which is the user of this guard's last
 * render: they never render without one, even while a sign-out is under way.
 */
export function RequireSession() {
  const session = useSession();
  const location = useLocation();
  const endReason = useSessionEndReason();
  if (session.isPending) {
    return <LoadingState className="min-h-screen" />;
  }
  if (session.isError) {
    return (
      <ErrorState error={session.error} onRetry={() => void session.refetch()} className="min-h-screen" />
    );
  }
  if (!session.data) {
    const next = `${location.pathname}${location.search}`;
    const toLogin =
      endReason === "signedOut" || next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`;
    return <Navigate to={toLogin} replace />;
  }
  return (
    <SessionUserContext value={session.data.user}>
      <Outlet />
    </SessionUserContext>
  );
}

/**
 * Operator pages. A client gets the "no access" page in place (the URL stays, no query of the page
 * runs, so nothing of the page's data is ever requested).
 */
export function OperatorOnly() {
  const user = useUser();
  return user.role === "operator" ? <Outlet /> : <NoAccessPage audience="operator" />;
}

/** The client's pages (their tenant is the session's); operators get "no access". */
export function ClientOnly() {
  const user = useUser();
  return user.role === "client" ? <Outlet /> : <NoAccessPage audience="client" />;
}

/** `/`: operators start at the tenants list, clients at their metrics. */
export function HomeRedirect() {
  const user = useUser();
  return <Navigate to={user.role === "operator" ? "/tenants" : "/client/metrics"} replace />;
}
