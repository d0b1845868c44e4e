import { createContext, use, useCallback, useEffect, useMemo, useState, type ReactNode } from "react";

import { isPlatformActorLabel } from "@lx/shared/schemas";

import { dateTimeOptions, tokensText } from "./formats.ts";
import { DEFAULT_LOCALE, MESSAGES, type Locale, type Messages } from "./messages.ts";
import { validationMessage, type ValidationText } from "./validation.ts";

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
  /** 25/11/2026, 14:03 (pt-BR) or 11/25/2026, 2:03 PM (en): the year in full, as in `date`. */
  dateTime: (iso: string) => string;
  /** With seconds, for event lists where order within a minute matters. */
  dateTimeSeconds: (iso: string) => string;
  time: (iso: string) => string;
  number: (n: number) => string;
  /** Token counts in this language's digits: "1.427 tokens"; with `output`, "1.398 → 33 tokens" (in → out). */
  tokens: (count: number, output?: number) => string;
  /** "há 3 min" / "3 min ago" (seconds, minutes, hours, then days). */
  relative: (iso: string, now?: number) => string;
  /** 0.5 → "50%" (one decimal at most). */
  percent: (ratio: number) => string;
  /** 1234 ms → "1,2 s"; 95000 → "1 min 35 s"; below a second in ms (no-break spaces before units). */
  duration: (ms: number) => string;
  /** US dollars: 2–4 decimals, two significant digits below a cent (a few tokens cost fractions of one). */
  usd: (amount: number) => string;
  /** 25/11 (pt-BR) or 11/25 (en), from a YYYY-MM-DD day, read as UTC. */
  day: (ymd: string) => string;
  /** 25/11/2026 (pt-BR) or 11/25/2026 (en), from a YYYY-MM-DD day, read as UTC. */
  date: (ymd: string) => string;
  /** A validation message of the shared schemas (English) in this language (`required` → `obrigatório`). */
  validation: (message: ValidationText) => string;
  /** Who did something, as recorded (an e-mail, or the platform's own `system` / `cli`), in this language. */
  actor: (label: string) => string;
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
    const dateTimeFormat = new Intl.DateTimeFormat(intlLocale, dateTimeOptions(false, intlLocale));
    const dateTimeSecondsFormat = new Intl.DateTimeFormat(intlLocale, dateTimeOptions(true, intlLocale));
    const timeFormat = new Intl.DateTimeFormat(intlLocale, { timeStyle: "medium" });
    const numberFormat = new Intl.NumberFormat(intlLocale);
    const relativeFormat = new Intl.RelativeTimeFormat(intlLocale, { numeric: "auto", style: "short" });
    const percentFormat = new Intl.NumberFormat(intlLocale, { style: "percent", maximumFractionDigits: 1 });
    const secondsFormat = new Intl.NumberFormat(intlLocale, { maximumFractionDigits: 1 });
    const usdFormat = new Intl.NumberFormat(intlLocale, {
      style: "currency",
      currency: "USD",
      minimumFractionDigits: 2,
      maximumFractionDigits: 4,
    });
    const usdSmallFormat = new Intl.NumberFormat(intlLocale, {
      style: "currency",
      currency: "USD",
      maximumSignificantDigits: 2,
    });
    const dayFormat = new Intl.DateTimeFormat(intlLocale, {
      day: "2-digit",
      month: "2-digit",
      timeZone: "UTC",
    });
    const dateFormat = new Intl.DateTimeFormat(intlLocale, {
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
      timeZone: "UTC",
    });
    return {
      locale,
      t: MESSAGES[locale],
      setLocale,
      dateTime: (iso) => dateTimeFormat.format(new Date(iso)),
      dateTimeSeconds: (iso) => dateTimeSecondsFormat.format(new Date(iso)),
      time: (iso) => timeFormat.format(new Date(iso)),
      number: (n) => numberFormat.format(n),
      tokens: (count, output) => tokensText(numberFormat, count, output),
      relative: (iso, now = Date.now()) => {
        const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
        const abs = Math.abs(seconds);
        if (abs < 60) {
          return relativeFormat.format(seconds, "second");
        }
        if (abs < 3600) {
          return relativeFormat.format(Math.round(seconds / 60), "minute");
        }
        if (abs < 86_400) {
          return relativeFormat.format(Math.round(seconds / 3600), "hour");
        }
        return relativeFormat.format(Math.round(seconds / 86_400), "day");
      },
      percent: (ratio) => percentFormat.format(ratio),
      // A number and its unit never part at a line break (a no-break space between them).
      duration: (ms) => {
        if (ms < 1000) {
          return `${Math.round(ms)}\u00a0ms`;
        }
        if (ms < 60_000) {
          return `${secondsFormat.format(ms / 1000)}\u00a0s`;
        }
        const minutes = Math.floor(ms / 60_000);
        if (minutes < 60) {
          return `${minutes}\u00a0min ${Math.round((ms % 60_000) / 1000)}\u00a0s`;
        }
        return `${Math.floor(minutes / 60)}\u00a0h ${minutes % 60}\u00a0min`;
      },
      usd: (amount) =>
        amount !== 0 && Math.abs(amount) < 0.01 ? usdSmallFormat.format(amount) : usdFormat.format(amount),
      day: (ymd) => dayFormat.format(new Date(`${ymd}T00:00:00Z`)),
      date: (ymd) => {
        const parsed = new Date(`${ymd.slice(0, 10)}T00:00:00Z`);
        return Number.isNaN(parsed.getTime()) ? ymd : dateFormat.format(parsed);
      },
      validation: (message) => validationMessage(message, locale),
      // The platform's own actors are recorded by a fixed English label (PLATFORM_ACTORS): shown in
      // this language; e-mails and worker ids as they are.
      actor: (label) => (isPlatformActorLabel(label) ? MESSAGES[locale].auditActors[label] : label),
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
