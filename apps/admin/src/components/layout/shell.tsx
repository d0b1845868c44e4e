import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ComponentType, SVGProps } from "react";
import { NavLink, Outlet, useNavigate } from "react-router";

import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useUser } from "../../lib/session.ts";
import { useTRPC } from "../../lib/trpc.ts";
import {
  BuildingIcon,
  CalendarIcon,
  ChartIcon,
  CheckBadgeIcon,
  GaugeIcon,
  ListIcon,
  Logo,
  LogoutIcon,
  UsersIcon,
} from "../icons.tsx";
import { Badge } from "../ui/badge.tsx";
import { useToast } from "../ui/toast.tsx";
import { LanguageSwitch } from "./language-switch.tsx";

type NavItem = { to: string; label: string; icon: ComponentType<SVGProps<SVGSVGElement>>; soon?: boolean };

export function Shell() {
  const { t } = useI18n();
  const user = useUser();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const toast = useToast();

  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSettled: () => {
        queryClient.clear();
        queryClient.setQueryData(trpc.auth.me.queryKey(), null);
        toast.info(t.auth.signedOut);
        void navigate("/login", { replace: true });
      },
    }),
  );

  const items: NavItem[] =
    user.role === "operator"
      ? [
          { to: "/tenants", label: t.nav.tenants, icon: BuildingIcon },
          { to: "/audit", label: t.nav.audit, icon: ListIcon },
          { to: "/operations", label: t.nav.operations, icon: GaugeIcon },
          { to: "/operators", label: t.nav.operators, icon: UsersIcon },
        ]
      : [
          { to: "/client/metrics", label: t.nav.metrics, icon: ChartIcon },
          { to: "/client/versions", label: t.nav.versions, icon: CheckBadgeIcon },
          { to: "/client/appointments", label: t.nav.appointments, icon: CalendarIcon },
          { to: "/client/deals", label: t.nav.deals, icon: ListIcon },
        ];

  return (
    <div className="flex min-h-screen">
      <a
        href="#main"
        className="sr-only z-50 rounded bg-white px-3 py-2 text-sm font-medium text-indigo-700 shadow focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        {t.common.skipToContent}
      </a>
      <aside className="w-60 shrink-0 border-r border-slate-200 bg-white">
        <div className="sticky top-0 flex h-screen flex-col">
          <div className="flex items-center gap-2.5 px-5 py-5">
            <Logo />
            <div className="leading-tight">
              <p className="text-sm font-semibold text-slate-900">{t.app.name}</p>
              <p className="text-xs text-slate-500">
                {user.role === "operator" ? t.app.console : t.app.clientArea}
              </p>
            </div>
          </div>
          <nav aria-label={t.nav.main} className="flex-1 px-3">
            <ul className="space-y-0.5">
              {items.map((item) => (
                <li key={item.to}>
                  <NavLink
                    to={item.to}
                    className={({ isActive }) =>
                      cn(
                        "flex items-center gap-2.5 rounded-md px-2.5 py-2 text-sm font-medium transition-colors outline-none focus-visible:ring-2 focus-visible:ring-indigo-500",
                        isActive
                          ? "bg-indigo-50 text-indigo-700"
                          : "text-slate-600 hover:bg-slate-100 hover:text-slate-900",
                      )
                    }
                  >
                    <item.icon className="size-4.5 shrink-0" />
                    <span className="flex-1">{item.label}</span>
                    {item.soon ? (
                      <Badge tone="gray" className="px-1.5 py-0 text-[10px]">
                        {t.common.comingSoon}
                      </Badge>
                    ) : null}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <div className="border-t border-slate-200 p-3">
            <div className="flex items-center gap-2.5 rounded-md px-2 py-1.5">
              <span
                className="flex size-8 shrink-0 items-center justify-center rounded-full bg-slate-200 text-xs font-semibold text-slate-700 uppercase"
                aria-hidden
              >
                {(user.name ?? user.email).slice(0, 2)}
              </span>
              <div className="min-w-0 flex-1 leading-tight">
                <p
                  className="truncate text-sm font-medium text-slate-900"
                  data-testid="user-email"
                  title={user.name ?? user.email}
                >
                  {user.name ?? user.email}
                </p>
                <p className="truncate text-xs text-slate-500" title={user.email}>
                  {user.role === "operator" ? t.auth.roleOperator : t.auth.roleClient} · {user.email}
                </p>
              </div>
            </div>
            <div className="mt-2 flex items-center justify-between gap-2 px-1">
              <LanguageSwitch />
              <button
                type="button"
                onClick={() => logout.mutate()}
                disabled={logout.isPending}
                className="inline-flex items-center gap-1.5 rounded-md px-2 py-1 text-xs font-semibold text-slate-600 hover:bg-slate-100 hover:text-slate-900 focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none"
              >
                <LogoutIcon className="size-4" />
                {t.auth.signOut}
              </button>
            </div>
          </div>
        </div>
      </aside>
      <main id="main" className="min-w-0 flex-1" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
