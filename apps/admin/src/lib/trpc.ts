import { createTRPCClient, httpBatchLink, loggerLink } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { createTRPCContext } from "@trpc/tanstack-react-query";

import type { AppRouter } from "@lx/api/trpc";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/**
 * The console's tRPC client: same-origin `/trpc` (proxied by Vite in dev, served by the API in prod),
 * cookie session (`credentials: "include"`), no transformer (the server has none: dates are ISO strings).
 */
export function createConsoleTrpcClient() {
  return createTRPCClient<AppRouter>({
    links: [
      loggerLink({
        // Dev builds only: a production console keeps the browser's console quiet (the errors a
        // user can act on are on the screen). Even in dev, never the one answer that carries a
        // secret (a generated webhook signing secret).
        // (The answer's event carries the operation too, though its type does not say so.)
        enabled: (op) =>
          import.meta.env.DEV && !("path" in op && op.path === "integrations.rotateWebhookSecret"),
      }),
      httpBatchLink({
        url: "/trpc",
        fetch: (url, options) => fetch(url, { ...options, credentials: "include" }),
      }),
    ],
  });
}
