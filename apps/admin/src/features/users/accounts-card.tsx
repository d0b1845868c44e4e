import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { useLocation } from "react-router";

import { Badge } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Card, CardHeader } from "../../components/ui/card.tsx";
import { LoadMore } from "../../components/ui/load-more.tsx";
import { EmptyState, ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { usePasswordMail, useRefreshAuthOptions } from "../../lib/auth-options.ts";
import { errorCode } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useUser } from "../../lib/session.ts";
import { useTRPC } from "../../lib/trpc.ts";
import {
  NewAccountDialog,
  PasswordLinkDialog,
  ResetPasswordDialog,
  SetDisabledDialog,
  type Account,
} from "./account-dialogs.tsx";

/** The tenant page's client-access card, for links from elsewhere (the setup checklist). */
export const CLIENT_ACCESS_ID = "client-access";

export function clientAccessPath(tenantSlug: string): string {
  return `/tenants/${tenantSlug}#${CLIENT_ACCESS_ID}`;
}

/**
 * Console access (operators only): with `tenantSlug`, the client logins of that tenant; without it,
 * the agency's operators. Lists them and creates, resets the password of, disables and enables them,
 * and makes one-time links for their owners to set their own password (active accounts only).
 * The signed-in operator's own row is marked and cannot be disabled (the API refuses it too).
 */
export function AccountsCard({
  tenantSlug,
  id,
  className,
}: {
  tenantSlug?: string;
  /** The card's element id, for links to it (`#client-access`). */
  id?: string;
  className?: string;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const user = useUser();
  const titleId = useId();
  // A page at a time, by e-mail: an agency with many logins gets "show more", not a cut-off list.
  const accounts = useInfiniteQuery(
    trpc.users.list.infiniteQueryOptions({ tenantSlug }, { getNextPageParam: (page) => page.nextCursor ?? undefined }),
  );
  const rows = accounts.data?.pages.flatMap((page) => page.items) ?? [];
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<Account | null>(null);
  const [toggling, setToggling] = useState<Account | null>(null);
  const [linking, setLinking] = useState<Account | null>(null);
  // Links can also go by e-mail when the server sends e-mail (a second button on each row).
  const mail = usePasswordMail();
  const refreshOptions = useRefreshAuthOptions();
  // Made at the row's click (any older link of the account stops working); the dialog shows the answer.
  const createLink = useMutation(
    trpc.users.createPasswordLink.mutationOptions({
      onError: async (err, input) => {
        // Asked by e-mail and refused: maybe this server no longer sends e-mail (the button goes away).
        if (input.sendEmail && errorCode(err) === "INVALID_STATE") {
          await refreshOptions();
        }
      },
    }),
  );
  const makeLink = (account: Account, sendEmail: boolean) => {
    setLinking(account);
    createLink.mutate(sendEmail ? { userId: account.id, sendEmail: true } : { userId: account.id });
  };
  const ref = useRef<HTMLElement>(null);
  const { hash } = useLocation();
  const loaded = accounts.isSuccess;

  // A link to `#<id>` lands before this card (or the cards above it) has loaded, so the browser could
  // not scroll to it: scroll once the list is there.
  useEffect(() => {
    if (id !== undefined && loaded && hash === `#${id}`) {
      ref.current?.scrollIntoView({ block: "start" });
    }
  }, [id, loaded, hash]);

  const forClient = tenantSlug !== undefined;
  const words = forClient ? t.users.client : t.users.operators;

  return (
    <Card
      ref={ref}
      id={id}
      className={className}
      aria-labelledby={titleId}
      data-testid="accounts-card"
      data-audience={forClient ? "client" : "operator"}
    >
      <CardHeader
        titleId={titleId}
        title={forClient ? t.users.client.title : t.users.operators.cardTitle}
        description={forClient ? t.users.client.subtitle : t.users.operators.cardSubtitle}
        actions={
          <Button size="sm" onClick={() => setCreating(true)}>
            + {words.add}
          </Button>
        }
      />
      {accounts.isPending ? (
        <LoadingState className="py-8" />
      ) : accounts.isError ? (
        <ErrorState error={accounts.error} onRetry={() => void accounts.refetch()} className="py-8" />
      ) : rows.length === 0 ? (
        <EmptyState
          title={words.empty}
          description={forClient ? t.users.client.emptyHint : undefined}
          className="py-8"
        />
      ) : (
        // A list, not a table: each account's actions get a whole line of their own, so they sit in
        // one row at laptop widths (a table's last column left them three buttons high) and wrap
        // below that.
        <ul aria-labelledby={titleId} className="divide-y divide-slate-100" data-testid="accounts-table">
          {rows.map((account) => (
            <AccountRow
              key={account.id}
              account={account}
              self={account.id === user.id}
              onCreateLink={() => makeLink(account, false)}
              onEmailLink={mail.enabled ? () => makeLink(account, true) : undefined}
              onResetPassword={() => setResetting(account)}
              onToggleDisabled={() => setToggling(account)}
            />
          ))}
        </ul>
      )}
      <LoadMore list={accounts} label={t.users.loadMore} />
      <NewAccountDialog tenantSlug={tenantSlug} open={creating} onClose={() => setCreating(false)} />
      <ResetPasswordDialog
        account={resetting}
        self={resetting?.id === user.id}
        onClose={() => setResetting(null)}
      />
      <SetDisabledDialog account={toggling} onClose={() => setToggling(null)} />
      <PasswordLinkDialog
        open={linking !== null}
        email={linking?.email}
        link={createLink.data ?? null}
        pending={createLink.isPending}
        sendEmail={createLink.variables?.sendEmail === true}
        error={createLink.error}
        onClose={() => {
          createLink.reset();
          setLinking(null);
        }}
      />
    </Card>
  );
}

function AccountRow({
  account,
  self,
  onCreateLink,
  onEmailLink,
  onResetPassword,
  onToggleDisabled,
}: {
  account: Account;
  self: boolean;
  onCreateLink: () => void;
  /** Only when the server sends e-mail. */
  onEmailLink: (() => void) | undefined;
  onResetPassword: () => void;
  onToggleDisabled: () => void;
}) {
  const { t, dateTime, relative } = useI18n();
  const disabled = account.disabledAt !== null;
  return (
    <li
      className="space-y-2.5 px-5 py-3.5"
      data-testid="account-row"
      data-email={account.email}
      data-status={disabled ? "disabled" : "active"}
    >
      <div className="flex flex-wrap items-start justify-between gap-x-6 gap-y-2">
        <div className="min-w-0">
          <p className="text-sm">
            <span className="font-medium break-all text-slate-900">{account.email}</span>
            {self ? (
              <Badge tone="indigo" className="ml-1.5 px-1.5 py-0 text-[10px]" data-testid="account-self">
                {t.users.you}
              </Badge>
            ) : null}
          </p>
          <p className="text-sm text-slate-600">{account.name ?? <span className="text-slate-400">{t.common.none}</span>}</p>
        </div>
        <div className="flex flex-wrap items-start gap-x-6 gap-y-2 text-sm">
          <div>
            <p className="text-xs text-slate-500">{t.users.lastLogin}</p>
            {account.lastLoginAt ? (
              <p className="text-slate-700">
                <time dateTime={account.lastLoginAt}>{relative(account.lastLoginAt)}</time>
                <span className="ml-1.5 text-xs text-slate-500">{dateTime(account.lastLoginAt)}</span>
              </p>
            ) : (
              <p className="text-slate-400">{t.users.neverSignedIn}</p>
            )}
          </div>
          <div>
            <p className="text-xs text-slate-500">{t.users.status}</p>
            {account.disabledAt ? (
              <p>
                <Badge tone="red" dot data-testid="account-status">
                  {t.users.disabled}
                </Badge>
                <span className="ml-1.5 text-xs text-slate-500">{t.users.disabledSince(dateTime(account.disabledAt))}</span>
              </p>
            ) : (
              <Badge tone="green" dot data-testid="account-status">
                {t.users.active}
              </Badge>
            )}
          </div>
        </div>
      </div>
      <div className="flex flex-wrap gap-2" data-testid="account-actions">
        {disabled ? null : (
          <Button size="sm" variant="secondary" onClick={onCreateLink} aria-label={`${t.users.createLink}: ${account.email}`}>
            {t.users.createLink}
          </Button>
        )}
        {disabled || onEmailLink === undefined ? null : (
          <Button size="sm" variant="secondary" onClick={onEmailLink} aria-label={`${t.users.emailLink}: ${account.email}`}>
            {t.users.emailLink}
          </Button>
        )}
        <Button size="sm" variant="secondary" onClick={onResetPassword} aria-label={`${t.users.resetPassword}: ${account.email}`}>
          {t.users.resetPassword}
        </Button>
        {self ? null : (
          <Button
            size="sm"
            variant={disabled ? "secondary" : "ghost"}
            className={disabled ? undefined : "text-rose-700 hover:bg-rose-50"}
            onClick={onToggleDisabled}
            aria-label={`${disabled ? t.users.enable : t.users.disable}: ${account.email}`}
          >
            {disabled ? t.users.enable : t.users.disable}
          </Button>
        )}
      </div>
    </li>
  );
}
