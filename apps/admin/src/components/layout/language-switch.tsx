import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { GlobeIcon } from "../icons.tsx";

/** Toggles pt-BR ⇄ English; the choice is remembered in localStorage. */
export function LanguageSwitch({ className }: { className?: string }) {
  const { t, locale, setLocale } = useI18n();
  return (
    <button
      type="button"
      onClick={() => setLocale(locale === "pt-BR" ? "en" : "pt-BR")}
      aria-label={t.lang.switchTo}
      title={t.lang.switchTo}
      data-testid="language-switch"
      className={cn(
        "inline-flex items-center gap-1.5 rounded-md px-2 py-1 text-xs font-semibold text-slate-600 hover:bg-slate-100 hover:text-slate-900 focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none",
        className,
      )}
    >
      <GlobeIcon className="size-4" />
      {t.lang.short}
    </button>
  );
}
