import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ComponentType, type SVGProps } from "react";
import { NavLink, Outlet, useLocation } from "react-router";

import { WAITING_POLL_MS, WaitingBadge } from "../../features/tenants/waiting-badge.tsx";
import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { sessionEnd, useUser } from "../../lib/session.ts";
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
import { SessionPageTitle } from "./page-title.tsx";

type NavItem = {
  to: string;
  label: string;
  icon: ComponentType<SVGProps<SVGSVGElement>>;
  soon?: boolean;
  /** Customers waiting for a human behind this item (a badge). */
  waiting?: number;
};

function MenuIcon(props: SVGProps<SVGSVGElement>) {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} aria-hidden {...props}>
      <path strokeLinecap="round" d="M4 7h16M4 12h16M4 17h16" />
    </svg>
  );
}

function CloseIcon(props: SVGProps<SVGSVGElement>) {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} aria-hidden {...props}>
      <path strokeLinecap="round" d="M6 6l12 12M18 6L6 18" />
    </svg>
  );
}

const iconButton =
  "inline-flex size-9 items-center justify-center rounded-md text-slate-600 hover:bg-slate-100 hover:text-slate-900 focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none";

/**
 * The signed-in frame: the sidebar (navigation, the user, language, Sair) and the page. From 1024 px
 * (`lg`) the sidebar is always there; below, a top bar's menu button opens it as a drawer over the
 * page, which closes on a link (the page changes), Escape, the backdrop or its close button.
 */
export function Shell() {
  const { t } = useI18n();
  const user = useUser();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const toast = useToast();
  const location = useLocation();

  // The drawer is open for the location it was opened on: any navigation closes it.
  const [openOn, setOpenOn] = useState<string | null>(null);
  const open = openOn === location.key;
  const menuButton = useRef<HTMLButtonElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);

  // Opened: focus on its close button. Closed by Escape, the backdrop or that button: back to the
  // menu button (`close`); by a link: to the new page's main area (the link's onClick).
  useEffect(() => {
    if (open) {
      closeButton.current?.focus();
    }
  }, [open]);

  const close = () => {
    setOpenOn(null);
    menuButton.current?.focus();
  };

  useEffect(() => {
    if (!open) {
      return;
    }
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        setOpenOn(null);
        menuButton.current?.focus();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);

  // Operators: customers waiting for a human across every tenant, on "Empresas" and in the tab's
  // title, so nobody has to open each client's inbox to find them. Polled modestly (a count per
  // tenant off an index); clients never see other tenants, so theirs is not asked for.
  const waiting = useQuery({
    ...trpc.tenants.waitingCount.queryOptions(),
    enabled: user.role === "operator",
    refetchInterval: WAITING_POLL_MS,
  });
  const waitingTotal = user.role === "operator" ? (waiting.data?.total ?? 0) : 0;

  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSettled: () => {
        // The session guard sends to /login once `auth.me` is null (this shell is then unmounted:
        // nothing under it renders without a user), and the login page knows it was Sair.
        // The cached data of this session is dropped at the next sign-in (useSignedIn): removing it
        // here, while the pages are still mounted, made any of them that re-rendered before the
        // guard unmounted it fetch again, signed out.
        sessionEnd.mark("signedOut");
        queryClient.setQueryData(trpc.auth.me.queryKey(), null);
        toast.info(t.auth.signedOut);
      },
    }),
  );

  const items: NavItem[] =
    user.role === "operator"
      ? [
          { to: "/tenants", label: t.nav.tenants, icon: BuildingIcon, waiting: waitingTotal },
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

  const brand = (
    <div className="flex min-w-0 items-center gap-2.5">
      <Logo />
      <div className="min-w-0 leading-tight">
        <p className="truncate text-sm font-semibold text-slate-900">{t.app.name}</p>
        <p className="truncate text-xs text-slate-500">
          {user.role === "operator" ? t.app.console : t.app.clientArea}
        </p>
      </div>
    </div>
  );

  return (
    <div className="min-h-screen lg:flex">
      <SessionPageTitle waiting={waitingTotal} />
      <a
        href="#main"
        className="sr-only z-50 rounded bg-white px-3 py-2 text-sm font-medium text-indigo-700 shadow focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        {t.common.skipToContent}
      </a>
      <header className="sticky top-0 z-30 flex h-14 items-center gap-3 border-b border-slate-200 bg-white px-3 lg:hidden">
        <button
          ref={menuButton}
          type="button"
          className={iconButton}
          aria-label={t.nav.openMenu}
          aria-expanded={open}
          aria-controls="app-sidebar"
          data-testid="menu-button"
          onClick={() => setOpenOn(location.key)}
        >
          <MenuIcon className="size-5" />
        </button>
        {brand}
        {/* The drawer is closed on a phone: the total shows in the top bar too. */}
        <WaitingBadge count={waitingTotal} className="ml-auto" data-testid="topbar-waiting" />
      </header>
      {open ? (
        <div
          className="fixed inset-0 z-40 bg-slate-900/40 lg:hidden"
          aria-hidden
          data-testid="menu-backdrop"
          onClick={close}
        />
      ) : null}
      <aside
        id="app-sidebar"
        data-testid="sidebar"
        data-open={open}
        className={cn(
          "w-60 shrink-0 border-r border-slate-200 bg-white",
          // Below lg: hidden, or a drawer over the page; from lg: in the row, as always.
          open
            ? "fixed inset-y-0 left-0 z-50 w-72 max-w-[85vw] shadow-xl lg:static lg:w-60 lg:shadow-none"
            : "hidden lg:block",
        )}
      >
        <div className="flex h-full flex-col lg:sticky lg:top-0 lg:h-screen">
          <div className="flex items-center justify-between gap-2 px-5 py-5">
            {brand}
            <button
              ref={closeButton}
              type="button"
              className={cn(iconButton, "-mr-2 shrink-0 lg:hidden")}
              aria-label={t.nav.closeMenu}
              onClick={close}
            >
              <CloseIcon className="size-5" />
            </button>
          </div>
          <nav aria-label={t.nav.main} className="flex-1 overflow-y-auto px-3">
            <ul className="space-y-0.5">
              {items.map((item) => (
                <li key={item.to}>
                  <NavLink
                    to={item.to}
                    onClick={() => {
                      if (open) {
                        // The drawer closes as the page changes; focus goes to the new page.
                        setOpenOn(null);
                        document.getElementById("main")?.focus({ preventScroll: true });
                      }
                    }}
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
                    <WaitingBadge count={item.waiting ?? 0} data-testid="nav-waiting" />
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
