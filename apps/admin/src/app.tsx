import { QueryCache, QueryClient, QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { createBrowserRouter, Navigate, RouterProvider } from "react-router";

import { PASSWORD_LINK_PATH } from "@lx/shared/schemas";

import { ClientOnly, HomeRedirect, OperatorOnly, RequireSession } from "./components/guards.tsx";
import type { RouteTitle } from "./components/layout/page-title.tsx";
import { Shell } from "./components/layout/shell.tsx";
import { ToastProvider } from "./components/ui/toast.tsx";
import { isUnauthorized } from "./lib/errors.ts";
import { I18nProvider } from "./lib/i18n/context.tsx";
import type { Messages } from "./lib/i18n/messages.ts";
import { shouldRetryQuery } from "./lib/retry.ts";
import { sessionEnd } from "./lib/session.ts";
import { createConsoleTrpcClient, TRPCProvider, useTRPC } from "./lib/trpc.ts";
import { CompilePage } from "./pages/agents/compile.tsx";
import { AgentLayout } from "./pages/agents/layout.tsx";
import { SpecEditorPage } from "./pages/agents/spec.tsx";
import { TestChatPage } from "./pages/agents/test-chat.tsx";
import { TestsPage } from "./pages/agents/tests.tsx";
import { VersionsPage } from "./pages/agents/versions.tsx";
import {
  ClientAppointmentsPage,
  ClientDealsPage,
  TenantAppointmentsPage,
  TenantDealsPage,
} from "./pages/plugins/plugin-pages.tsx";
import { AuditLogPage } from "./pages/audit/audit-log.tsx";
import { ConversationsInboxPage } from "./pages/conversations/inbox.tsx";
import { ClientMetricsPage } from "./pages/client/metrics.tsx";
import { ClientVersionsPage } from "./pages/client/versions.tsx";
import { LoginPage } from "./pages/login.tsx";
import { PasswordLinkPage } from "./pages/password.tsx";
import { TenantMetricsPage } from "./pages/metrics/tenant-metrics.tsx";
import { NotFoundPage } from "./pages/not-found.tsx";
import { OperationsPage } from "./pages/operations/operations.tsx";
import { OperatorsPage } from "./pages/operators/operators.tsx";
import { SetupPage } from "./pages/setup/setup.tsx";
import { TenantDetailPage } from "./pages/tenants/detail.tsx";
import { TenantsListPage } from "./pages/tenants/list.tsx";
import { NewTenantPage } from "./pages/tenants/new.tsx";

function createQueryClient() {
  return new QueryClient({
    queryCache: new QueryCache(),
    defaultOptions: {
      queries: {
        staleTime: 15_000,
        // Transient errors only (lib/retry.ts, the autosave's policy too): a refusal is shown at once.
        retry: shouldRetryQuery,
      },
    },
  });
}

/** A request answered UNAUTHORIZED (session expired or revoked) signs the console out. */
function SessionWatcher() {
  const queryClient = useQueryClient();
  const trpc = useTRPC();
  useEffect(() => {
    const meKey = trpc.auth.me.queryKey();
    const onUnauthorized = (error: unknown) => {
      if (isUnauthorized(error) && queryClient.getQueryData(meKey)) {
        // The login page then says the session ended (account disabled, password reset, expired).
        sessionEnd.mark("ended");
        queryClient.setQueryData(meKey, null);
      }
    };
    const unsubscribeQueries = queryClient.getQueryCache().subscribe((event) => {
      if (event.type === "updated" && event.action.type === "error") {
        onUnauthorized(event.action.error);
      }
    });
    const unsubscribeMutations = queryClient.getMutationCache().subscribe((event) => {
      if (event.type === "updated" && event.action.type === "error") {
        onUnauthorized(event.action.error);
      }
    });
    return () => {
      unsubscribeQueries();
      unsubscribeMutations();
    };
  }, [queryClient, trpc]);
  return null;
}

// The browser tab's title of each signed-in page (components/layout/page-title.tsx); the login and
// password pages set theirs themselves.
const title = (name: (t: Messages) => string): RouteTitle => ({ title: name });
const tenantTitle = (name?: (t: Messages) => string): RouteTitle => ({ title: name, tenant: "param" });
const clientTitle = (name: (t: Messages) => string): RouteTitle => ({ title: name, tenant: "client" });

const router = createBrowserRouter([
  { path: "/login", element: <LoginPage /> },
  // Public like /login: a one-time link sets the password of its account (the token after `#`).
  { path: PASSWORD_LINK_PATH, element: <PasswordLinkPage /> },
  {
    element: <RequireSession />,
    children: [
      { index: true, element: <HomeRedirect /> },
      {
        element: <Shell />,
        children: [
          {
            element: <OperatorOnly />,
            children: [
              { path: "tenants", element: <TenantsListPage />, handle: title((t) => t.nav.tenants) },
              { path: "tenants/new", element: <NewTenantPage />, handle: title((t) => t.wizard.title) },
              { path: "tenants/:tenantSlug", element: <TenantDetailPage />, handle: tenantTitle() },
              {
                path: "tenants/:tenantSlug/conversations",
                element: <ConversationsInboxPage />,
                handle: tenantTitle((t) => t.inbox.title),
              },
              {
                path: "tenants/:tenantSlug/setup",
                element: <SetupPage />,
                handle: tenantTitle((t) => t.setup.title),
              },
              {
                path: "tenants/:tenantSlug/metrics",
                element: <TenantMetricsPage />,
                handle: tenantTitle((t) => t.metrics.title),
              },
              {
                path: "tenants/:tenantSlug/appointments",
                element: <TenantAppointmentsPage />,
                handle: tenantTitle((t) => t.appointments.title),
              },
              {
                path: "tenants/:tenantSlug/deals",
                element: <TenantDealsPage />,
                handle: tenantTitle((t) => t.deals.title),
              },
              {
                path: "tenants/:tenantSlug/agents/:agentSlug",
                element: <AgentLayout />,
                handle: tenantTitle(),
                children: [
                  { index: true, element: <Navigate to="spec" replace /> },
                  {
                    path: "spec",
                    element: <SpecEditorPage />,
                    handle: tenantTitle((t) => t.agent.tabs.spec),
                  },
                  {
                    path: "compile",
                    element: <CompilePage />,
                    handle: tenantTitle((t) => t.agent.tabs.compile),
                  },
                  {
                    path: "versions",
                    element: <VersionsPage />,
                    handle: tenantTitle((t) => t.agent.tabs.versions),
                  },
                  { path: "tests", element: <TestsPage />, handle: tenantTitle((t) => t.agent.tabs.tests) },
                  {
                    path: "test-chat",
                    element: <TestChatPage />,
                    handle: tenantTitle((t) => t.agent.tabs.testChat),
                  },
                ],
              },
              { path: "audit", element: <AuditLogPage />, handle: title((t) => t.nav.audit) },
              { path: "operations", element: <OperationsPage />, handle: title((t) => t.nav.operations) },
              { path: "operators", element: <OperatorsPage />, handle: title((t) => t.nav.operators) },
            ],
          },
          {
            element: <ClientOnly />,
            children: [
              { path: "client", element: <Navigate to="/client/metrics" replace /> },
              {
                path: "client/metrics",
                element: <ClientMetricsPage />,
                handle: clientTitle((t) => t.nav.metrics),
              },
              {
                path: "client/versions",
                element: <ClientVersionsPage />,
                handle: clientTitle((t) => t.nav.versions),
              },
              {
                path: "client/appointments",
                element: <ClientAppointmentsPage />,
                handle: clientTitle((t) => t.nav.appointments),
              },
              { path: "client/deals", element: <ClientDealsPage />, handle: clientTitle((t) => t.nav.deals) },
            ],
          },
          { path: "*", element: <NotFoundPage />, handle: title((t) => t.notFound.title) },
        ],
      },
    ],
  },
]);

export function App() {
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(createConsoleTrpcClient);
  return (
    <I18nProvider>
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
          <ToastProvider>
            <SessionWatcher />
            <RouterProvider router={router} />
          </ToastProvider>
        </TRPCProvider>
      </QueryClientProvider>
    </I18nProvider>
  );
}
