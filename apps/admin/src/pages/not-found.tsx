import { ButtonLink } from "../components/ui/button.tsx";
import { Page } from "../components/ui/page.tsx";
import { useI18n } from "../lib/i18n/context.tsx";

export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <Page>
      <div className="mx-auto mt-16 max-w-md rounded-xl bg-white px-8 py-12 text-center shadow-sm ring-1 ring-slate-200">
        <p className="text-sm font-semibold text-indigo-600">404</p>
        <h1 className="mt-2 text-lg font-semibold text-slate-900">{t.notFound.title}</h1>
        <p className="mt-2 text-sm text-slate-600">{t.notFound.body}</p>
        <ButtonLink to="/" variant="secondary" className="mt-6">
          {t.common.backHome}
        </ButtonLink>
      </div>
    </Page>
  );
}
