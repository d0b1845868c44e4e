import { createContext, use, useCallback, useEffect, useMemo, useState, type ReactNode } from "react";

import { DEFAULT_LOCALE, MESSAGES, type Locale, type Messages } from "./messages.ts";

const STORAGE_KEY = "lx.locale";

function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && value in MESSAGES;
}

function storedLocale(): Locale {
  try {
    const value = window.localStorage.getItem(STORAGE_KEY);
    return isLocale(value) ? value : DEFAULT_LOCALE;
  } catch {
    return DEFAULT_LOCALE;
  }
}

type I18n = {
  locale: Locale;
  t: Messages;
  setLocale: (locale: Locale) => void;
  /** 25/11/2026 14:03 (pt-BR) or 11/25/2026, 2:03 PM (en). */
  dateTime: (iso: string) => string;
  /** With seconds, for event lists where order within a minute matters. */
  dateTimeSeconds: (iso: string) => string;
  time: (iso: string) => string;
  number: (n: number) => string;
};

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(storedLocale);

  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);

  const setLocale = useCallback((next: Locale) => {
    setLocaleState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Private mode: the choice lasts for this page only.
    }
  }, []);

  const value = useMemo<I18n>(() => {
    const intlLocale = locale === "en" ? "en-US" : "pt-BR";
    const dateTimeFormat = new Intl.DateTimeFormat(intlLocale, { dateStyle: "short", timeStyle: "short" });
    const dateTimeSecondsFormat = new Intl.DateTimeFormat(intlLocale, {
      dateStyle: "short",
      timeStyle: "medium",
    });
    const timeFormat = new Intl.DateTimeFormat(intlLocale, { timeStyle: "medium" });
    const numberFormat = new Intl.NumberFormat(intlLocale);
    return {
      locale,
      t: MESSAGES[locale],
      setLocale,
      dateTime: (iso) => dateTimeFormat.format(new Date(iso)),
      dateTimeSeconds: (iso) => dateTimeSecondsFormat.format(new Date(iso)),
      time: (iso) => timeFormat.format(new Date(iso)),
      number: (n) => numberFormat.format(n),
    };
  }, [locale, setLocale]);

  return <I18nContext value={value}>{children}</I18nContext>;
}

export function useI18n(): I18n {
  const value = use(I18nContext);
  if (!value) {
    throw new Error("useI18n must be used inside <I18nProvider>");
  }
  return value;
}
