import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { useMatches, useParams } from "react-router";

import { errorCode } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import type { Messages } from "../../lib/i18n/messages.ts";
import { useUser } from "../../lib/session.ts";
import { useTRPC } from "../../lib/trpc.ts";
import { documentTitle } from "./document-title.ts";

/**
 * A route's `handle`: what the browser tab says for the page. `title` names the page; `tenant` adds
 * the tenant's name — from the `:tenantSlug` of the address (operator pages) or the session's
 * tenant (the client's pages). The agent's slug is added when the address has one.
 */
export type RouteTitle = {
  title?: (t: Messages) => string;
  tenant?: "param" | "client";
};

function isRouteTitle(handle: unknown): handle is RouteTitle {
  return typeof handle === "object" && handle !== null && ("title" in handle || "tenant" in handle);
}

function useTabTitle(title: string): void {
  useEffect(() => {
    document.title = title;
  }, [title]);
}

/** Sets the tab's title to "<parts> · LX Agent Factory" (empty parts are left out). */
export function useDocumentTitle(...parts: (string | null | undefined)[]): void {
  const { t } = useI18n();
  useTabTitle(documentTitle(parts, t.app.name));
}

/**
 * The title of the signed-in pages (rendered once, in the shell): the deepest route's handle, then
 * the agent, then the tenant — "Métricas · Haven Clínica · LX Agent Factory". The tenant's name
 * comes from the queries the page itself makes (same keys, so from the cache); never its slug (a
 * tenant that does not exist is "Empresa não encontrada"). `waiting` (operators: customers waiting
 * for a human, across tenants) leads it as "(3) …" when there are any.
 */
export function SessionPageTitle({ waiting = 0 }: { waiting?: number }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const user = useUser();
  const { tenantSlug, agentSlug } = useParams();
  const handle = useMatches()
    .map((match) => match.handle)
    .filter(isRouteTitle)
    .at(-1);
  const wantsParam = handle?.tenant === "param" && tenantSlug !== undefined && user.role === "operator";
  const wantsClient = handle?.tenant === "client" && user.role === "client" && user.tenantId !== null;
  const bySlug = useQuery({
    ...trpc.tenants.bySlug.queryOptions({ tenantSlug: tenantSlug ?? "" }),
    enabled: wantsParam,
  });
  const byId = useQuery({
    ...trpc.tenants.byId.queryOptions({ id: user.tenantId ?? "" }),
    enabled: wantsClient,
  });
  const tenantNotFound = wantsParam && errorCode(bySlug.error) === "NOT_FOUND";
  const tenantName = wantsParam ? bySlug.data?.name : wantsClient ? byId.data?.name : undefined;
  const parts = tenantNotFound
    ? [t.tenant.notFound.title]
    : [handle?.title?.(t), wantsParam ? agentSlug : undefined, tenantName];
  useTabTitle(documentTitle(parts, t.app.name, waiting));
  return null;
}
