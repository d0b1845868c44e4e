import { ButtonLink } from "../../components/ui/button.tsx";
import { Page } from "../../components/ui/page.tsx";
import { PageQueryState } from "../../components/ui/states.tsx";
import { errorCode } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";

type TenantQuery = Parameters<typeof PageQueryState>[0]["queries"][number];

/** Whether a tenant-scoped query failed because no tenant has that slug (for operators, the only NOT_FOUND). */
export function isTenantNotFound(query: { isError: boolean; error: unknown }): boolean {
  return query.isError && errorCode(query.error) === "NOT_FOUND";
}

/**
 * `/tenants/<slug>` (or one of its pages) when no tenant has that slug: a 404 like the console's own
 * (pages/not-found.tsx), with the way back to the tenant list — no retry, since asking again gets the
 * same answer, and the slug shown as the address it is, never as a name.
 */
export function TenantNotFound({ tenantSlug }: { tenantSlug: string }) {
  const { t } = useI18n();
  return (
    <Page>
      <div
        className="mx-auto mt-16 max-w-md rounded-xl bg-white px-8 py-12 text-center shadow-sm ring-1 ring-slate-200"
        data-testid="tenant-not-found"
      >
        <p className="text-sm font-semibold text-indigo-600">404</p>
        <h1 className="mt-2 text-lg font-semibold text-slate-900">{t.tenant.notFound.title}</h1>
        <p className="mt-2 text-sm break-words text-slate-600">{t.tenant.notFound.body(tenantSlug)}</p>
        <ButtonLink to="/tenants" variant="secondary" className="mt-6">
          {t.tenant.notFound.back}
        </ButtonLink>
      </div>
    </Page>
  );
}

/**
 * A tenant page's state while the queries it stands on are not all there: the tenant not found when
 * one says so, else `PageQueryState` (loading, or the error with its retry).
 */
export function TenantQueryState({
  tenantSlug,
  queries,
}: {
  tenantSlug: string;
  queries: readonly TenantQuery[];
}) {
  if (queries.some(isTenantNotFound)) {
    return <TenantNotFound tenantSlug={tenantSlug} />;
  }
  return <PageQueryState queries={queries} />;
}
