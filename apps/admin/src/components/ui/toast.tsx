import { createContext, use, useCallback, useMemo, useRef, useState, type ReactNode } from "react";

import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";

type ToastTone = "success" | "error" | "info";
type Toast = { id: number; tone: ToastTone; message: string };

type ToastApi = {
  success: (message: string) => void;
  error: (message: string) => void;
  info: (message: string) => void;
};

const ToastContext = createContext<ToastApi | null>(null);

const DURATION_MS = { success: 4000, info: 4000, error: 7000 } as const;

const TONE_CLASSES: Record<ToastTone, string> = {
  success: "border-l-emerald-500",
  error: "border-l-rose-500",
  info: "border-l-indigo-500",
};

const ICONS: Record<ToastTone, string> = { success: "✓", error: "!", info: "i" };
const ICON_CLASSES: Record<ToastTone, string> = {
  success: "bg-emerald-100 text-emerald-700",
  error: "bg-rose-100 text-rose-700",
  info: "bg-indigo-100 text-indigo-700",
};

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const { t } = useI18n();

  const dismiss = useCallback((id: number) => {
    setToasts((all) => all.filter((toast) => toast.id !== id));
  }, []);

  const push = useCallback(
    (tone: ToastTone, message: string) => {
      const id = nextId.current++;
      setToasts((all) => [...all.slice(-4), { id, tone, message }]);
      window.setTimeout(() => dismiss(id), DURATION_MS[tone]);
    },
    [dismiss],
  );

  const api = useMemo<ToastApi>(
    () => ({
      success: (message) => push("success", message),
      error: (message) => push("error", message),
      info: (message) => push("info", message),
    }),
    [push],
  );

  return (
    <ToastContext value={api}>
      {children}
      <div
        aria-live="polite"
        className="pointer-events-none fixed right-4 bottom-4 z-50 flex w-full max-w-sm flex-col gap-2"
      >
        {toasts.map((toast) => (
          <div
            key={toast.id}
            role={toast.tone === "error" ? "alert" : "status"}
            data-testid={`toast-${toast.tone}`}
            className={cn(
              "pointer-events-auto flex items-start gap-3 rounded-lg border-l-4 bg-white px-4 py-3 text-sm text-slate-800 shadow-lg ring-1 ring-slate-200",
              TONE_CLASSES[toast.tone],
            )}
          >
            <span
              aria-hidden
              className={cn(
                "mt-px flex size-5 shrink-0 items-center justify-center rounded-full text-xs font-bold",
                ICON_CLASSES[toast.tone],
              )}
            >
              {ICONS[toast.tone]}
            </span>
            <p className="flex-1">{toast.message}</p>
            <button
              type="button"
              onClick={() => dismiss(toast.id)}
              className="rounded text-slate-400 hover:text-slate-600 focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none"
              aria-label={t.common.close}
            >
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext>
  );
}

export function useToast(): ToastApi {
  const api = use(ToastContext);
  if (!api) {
    throw new Error("useToast must be used inside <ToastProvider>");
  }
  return api;
}
