import type { ReactNode } from "react";

import { cn } from "../../lib/cn.ts";
import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { Button } from "./button.tsx";
import { Page } from "./page.tsx";
import { Spinner } from "./spinner.tsx";

export function LoadingState({ label, className }: { label?: string; className?: string }) {
  const { t } = useI18n();
  return (
    <div
      role="status"
      className={cn("flex items-center justify-center gap-3 py-16 text-sm text-slate-500", className)}
    >
      <Spinner className="size-5 text-indigo-500" />
      <span>{label ?? t.common.loading}</span>
    </div>
  );
}

export function EmptyState({
  title,
  description,
  action,
  className,
}: {
  title: ReactNode;
  description?: ReactNode;
  action?: ReactNode;
  className?: string;
}) {
  return (
    <div className={cn("flex flex-col items-center justify-center px-6 py-14 text-center", className)}>
      <div
        className="mb-3 flex size-10 items-center justify-center rounded-full bg-slate-100 text-slate-400"
        aria-hidden
      >
        <svg viewBox="0 0 24 24" className="size-5" fill="none" stroke="currentColor" strokeWidth="1.8">
          <path d="M4 7h16M4 12h16M4 17h10" strokeLinecap="round" />
        </svg>
      </div>
      <p className="text-sm font-medium text-slate-900">{title}</p>
      {description ? <p className="mt-1 max-w-md text-sm text-slate-500">{description}</p> : null}
      {action ? <div className="mt-4">{action}</div> : null}
    </div>
  );
}

export function ErrorState({
  error,
  onRetry,
  className,
}: {
  error: unknown;
  onRetry?: () => void;
  className?: string;
}) {
  const { t } = useI18n();
  return (
    <div
      role="alert"
      className={cn("flex flex-col items-center justify-center px-6 py-14 text-center", className)}
    >
      <div
        className="mb-3 flex size-10 items-center justify-center rounded-full bg-rose-50 font-bold text-rose-600"
        aria-hidden
      >
        !
      </div>
      <p className="text-sm font-medium text-slate-900">{t.errors.loadFailed}</p>
      <p className="mt-1 max-w-md text-sm text-slate-500">{errorMessage(error, t)}</p>
      {onRetry ? (
        <Button variant="secondary" size="sm" className="mt-4" onClick={onRetry}>
          {t.common.retry}
        </Button>
      ) : null}
    </div>
  );
}

type PageQuery = { isError: boolean; error: unknown; refetch: () => Promise<unknown> };

/**
 * What a page shows while the queries it stands on are not all there: a full-height spinner while
 * any loads, else the first error with one retry for them all. Use it as
 * `if (!a.isSuccess || !b.isSuccess) return <PageQueryState queries={[a, b]} />;` (which narrows the data).
 */
export function PageQueryState({ queries }: { queries: readonly PageQuery[] }) {
  const failed = queries.find((q) => q.isError);
  if (!failed) {
    return <LoadingState className="min-h-[60vh]" />;
  }
  return (
    <Page>
      <ErrorState error={failed.error} onRetry={() => void Promise.all(queries.map((q) => q.refetch()))} />
    </Page>
  );
}

/** A form's error, above its fields (a refused submit: wrong password, rate limit, conflict…). */
export function FormError({ children }: { children: ReactNode }) {
  return (
    <div
      role="alert"
      className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200"
      data-testid="form-error"
    >
      {children}
    </div>
  );
}

/**
 * An amber note: a warning of something that will fail (`role="alert"`, the default), or something
 * to know now (`role="status"`). A list item with `as="li"`.
 */
export function WarningNote({
  as: Tag = "p",
  role = "alert",
  children,
  "data-testid": testId,
}: {
  as?: "p" | "li";
  role?: "alert" | "status";
  children: ReactNode;
  "data-testid"?: string;
}) {
  return (
    <Tag role={role} className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200" data-testid={testId}>
      {children}
    </Tag>
  );
}
