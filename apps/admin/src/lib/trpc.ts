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
        // Never the one answer that carries a secret (a generated webhook signing secret), not even
        // in a dev build's browser console.
        // (The answer's event carries the operation too, though its type does not say so.)
        enabled: (op) =>
          !("path" in op && op.path === "integrations.rotateWebhookSecret") &&
          (import.meta.env.DEV || (op.direction === "down" && op.result instanceof Error)),
      }),
      httpBatchLink({
        url: "/trpc",
        fetch: (url, options) => fetch(url, { ...options, credentials: "include" }),
      }),
    ],
  });
}
