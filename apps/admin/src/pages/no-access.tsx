import { LockIcon } from "../components/icons.tsx";
import { ButtonLink } from "../components/ui/button.tsx";
import { Page } from "../components/ui/page.tsx";
import { useI18n } from "../lib/i18n/context.tsx";

/** Shown in place of a page the signed-in role may not open. Renders no data of that page. */
export function NoAccessPage({ audience }: { audience: "operator" | "client" }) {
  const { t } = useI18n();
  return (
    <Page>
      <div
        className="mx-auto mt-16 flex max-w-md flex-col items-center rounded-xl bg-white px-8 py-12 text-center shadow-sm ring-1 ring-slate-200"
        data-testid="no-access"
      >
        <div className="mb-4 flex size-12 items-center justify-center rounded-full bg-rose-50 text-rose-600">
          <LockIcon className="size-6" />
        </div>
        <h1 className="text-lg font-semibold text-slate-900">{t.noAccess.title}</h1>
        <p className="mt-2 text-sm text-slate-600">
          {audience === "operator" ? t.noAccess.body : t.noAccess.bodyOperator}
        </p>
        <ButtonLink to="/" variant="secondary" className="mt-6">
          {t.common.backHome}
        </ButtonLink>
      </div>
    </Page>
  );
}
