import { Navigate, Outlet, useLocation } from "react-router";

import { useSession } from "../lib/session.ts";
import { NoAccessPage } from "../pages/no-access.tsx";
import { ErrorState, LoadingState } from "./ui/states.tsx";

/** Renders its routes for a signed-in user; otherwise sends to /login?next=<here>. */
export function RequireSession() {
  const session = useSession();
  const location = useLocation();
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
    return <Navigate to={next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}

/**
 * Operator pages. A client gets the "no access" page in place (the URL stays, no query of the page
 * runs, so nothing of the page's data is ever requested).
 */
export function OperatorOnly() {
  const { data } = useSession();
  return data?.user.role === "operator" ? <Outlet /> : <NoAccessPage audience="operator" />;
}

/** The client's pages (their tenant is the session's); operators get "no access". */
export function ClientOnly() {
  const { data } = useSession();
  return data?.user.role === "client" ? <Outlet /> : <NoAccessPage audience="client" />;
}

/** `/`: operators start at the tenants list, clients at their metrics. */
export function HomeRedirect() {
  const { data } = useSession();
  return <Navigate to={data?.user.role === "operator" ? "/tenants" : "/client/metrics"} replace />;
}
