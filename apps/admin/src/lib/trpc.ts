import { createTRPCClient, httpBatchLink, httpLink, loggerLink, splitLink } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { createTRPCContext } from "@trpc/tanstack-react-query";

import type { AppRouter } from "@lx/api/trpc";
import { TRPC_MAX_BATCH_SIZE } from "@lx/shared/schemas";

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** Procedures whose input is a secret (a one-time link's token): sent as POST, never batched. */
export const SECRET_INPUT_PATHS: ReadonlySet<string> = new Set(["auth.passwordLink"]);

const consoleFetch = (url: URL | RequestInfo, options?: RequestInit) =>
  fetch(url, { ...options, credentials: "include" });

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
      splitLink({
        condition: (op) => SECRET_INPUT_PATHS.has(op.path),
        // Queries whose input is a secret go alone and as POST: the input is in the body, never in
        // a URL that proxies and access logs record (the API refuses them as GET).
        true: httpLink({ url: "/trpc", fetch: consoleFetch, methodOverride: "POST" }),
        // The API refuses batches of more than TRPC_MAX_BATCH_SIZE calls: larger ones are split.
        false: httpBatchLink({ url: "/trpc", fetch: consoleFetch, maxItems: TRPC_MAX_BATCH_SIZE }),
      }),
    ],
  });
}
