import type { ReactNode } from "react";

import { useI18n } from "../../lib/i18n/context.tsx";
import { Logo } from "../icons.tsx";
import { LanguageSwitch } from "./language-switch.tsx";
import { useDocumentTitle } from "./page-title.tsx";

/**
 * The frame of the pages a signed-out person sees (sign-in, set a password through a link): the
 * logo, a title and a narrow column, with the language switch in the corner.
 */
export function AuthFrame({
  title,
  subtitle,
  children,
  footer,
}: {
  title: ReactNode;
  subtitle?: ReactNode;
  children: ReactNode;
  /** Under the column's main box (a hint, a link). */
  footer?: ReactNode;
}) {
  const { t } = useI18n();
  // The browser tab says which of these pages it is ("Entrar no console · LX Agent Factory").
  useDocumentTitle(typeof title === "string" ? title : undefined);
  return (
    <div className="flex min-h-screen flex-col items-center justify-center bg-gradient-to-b from-slate-50 to-slate-100 px-4">
      <div className="absolute top-4 right-4">
        <LanguageSwitch />
      </div>
      <div className="w-full max-w-sm">
        <div className="mb-6 flex flex-col items-center text-center">
          <Logo className="size-10 text-sm" />
          <h1 className="mt-4 text-xl font-semibold tracking-tight break-words text-slate-900">{title}</h1>
          {subtitle ? <div className="mt-1 text-sm text-slate-500">{subtitle}</div> : null}
        </div>
        {children}
        {footer}
        <p className="mt-6 text-center text-xs text-slate-400">{t.app.name}</p>
      </div>
    </div>
  );
}

/** The white box of an AuthFrame page (a form, or a message in its place). */
export const authBoxClasses = "space-y-4 rounded-xl bg-white p-6 shadow-sm ring-1 ring-slate-200";
