import { useMutation, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { z } from "zod";

import {
  PASSWORD_LINK_PATH,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  ZSetPasswordWithLinkInput,
} from "@lx/shared/schemas";

import { AuthFrame, authBoxClasses } from "../components/layout/auth-frame.tsx";
import { Button, ButtonLink } from "../components/ui/button.tsx";
import { Checkbox, TextField } from "../components/ui/field.tsx";
import { ErrorState, LoadingState } from "../components/ui/states.tsx";
import { useToast } from "../components/ui/toast.tsx";
import { passwordLinkToken } from "../features/users/password.ts";
import { errorCode, errorMessage } from "../lib/errors.ts";
import { useCheckedForm } from "../lib/form-issues.ts";
import { useI18n } from "../lib/i18n/context.tsx";
import { useSignedIn } from "../lib/session.ts";
import { useTRPC, type RouterOutputs } from "../lib/trpc.ts";

type LinkAccount = RouterOutputs["auth"]["passwordLink"];

/** What the API answers for a link that is unknown, spent, expired or of a disabled account. */
function isDeadLink(err: unknown): boolean {
  return errorCode(err) === "INVALID_STATE";
}

/**
 * `/password#t=<token>` (public, outside the signed-in layout): the one-time link an operator made
 * (users.createPasswordLink) sets the password of its account. The page says whose account it is,
 * asks for the new password twice, and then the person is signed in and lands where a sign-in lands.
 */
export function PasswordLinkPage() {
  const { t } = useI18n();
  const { hash } = useLocation();
  const token = passwordLinkToken(hash);
  if (token === null) {
    return <DeadLink title={t.passwordLink.missingTitle} body={t.passwordLink.missingBody} />;
  }
  // A new link pasted into the same tab is a new page: nothing typed for the old one carries over.
  return <SetPasswordWithLink key={token} token={token} />;
}

/** A link that cannot be used: why, and the way to the sign-in page. */
function DeadLink({ title, body }: { title: string; body: string }) {
  const { t } = useI18n();
  return (
    <AuthFrame title={title}>
      <div className={authBoxClasses} data-testid="password-link-dead">
        <p role="alert" className="text-sm text-slate-700">
          {body}
        </p>
        <ButtonLink to="/login" variant="secondary" className="w-full">
          {t.passwordLink.toLogin}
        </ButtonLink>
      </div>
    </AuthFrame>
  );
}

function SetPasswordWithLink({ token }: { token: string }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  // A dead link (INVALID_STATE) stays dead: the console's one retry policy (lib/retry.ts) says so at
  // once instead of asking again.
  const link = useQuery(trpc.auth.passwordLink.queryOptions({ token }));

  if (link.isPending) {
    return (
      <AuthFrame title={t.passwordLink.title}>
        <LoadingState className="py-10" />
      </AuthFrame>
    );
  }
  if (link.isError) {
    return isDeadLink(link.error) ? (
      <DeadLink title={t.passwordLink.invalidTitle} body={t.passwordLink.invalidBody} />
    ) : (
      <AuthFrame title={t.passwordLink.title}>
        <ErrorState error={link.error} onRetry={() => void link.refetch()} className={authBoxClasses} />
      </AuthFrame>
    );
  }
  return <SetPasswordForm token={token} account={link.data} />;
}

function SetPasswordForm({ token, account }: { token: string; account: LinkAccount }) {
  const { t, dateTime } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const navigate = useNavigate();
  const signedIn = useSignedIn();
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [visible, setVisible] = useState(false);

  const save = useMutation(
    trpc.auth.setPasswordWithLink.mutationOptions({
      onSuccess: (session) => {
        // The spent token leaves the address bar and this history entry (replaced, not pushed).
        window.history.replaceState(window.history.state, "", PASSWORD_LINK_PATH);
        signedIn(session);
        toast.success(t.passwordLink.saved);
        void navigate("/", { replace: true });
      },
    }),
  );

  // The API's own schema (the password's length), plus the confirmation, which only this page asks for.
  const schema = useMemo(
    () =>
      ZSetPasswordWithLinkInput.extend({ confirm: z.string() }).refine(
        (value) => value.password === value.confirm,
        {
          path: ["confirm"],
          message: t.passwordLink.mismatch,
        },
      ),
    [t],
  );
  const form = useCheckedForm(schema, { token, password, confirm }, (input) =>
    save.mutate({ token: input.token, password: input.password }),
  );
  const { issues } = form;


  const saveError = save.error
    ? isDeadLink(save.error)
      ? t.passwordLink.invalidBody
      : errorMessage(save.error, t)
    : null;

  return (
    <AuthFrame
      title={t.passwordLink.titleFor(account.email)}
      subtitle={
        <>
          {account.name ? <p>{t.passwordLink.hello(account.name)}</p> : null}
          <p data-testid="password-link-expiry">{t.passwordLink.validUntil(dateTime(account.expiresAt))}</p>
        </>
      }
      footer={
        <p className="mt-4 text-center text-xs text-slate-500">
          {t.passwordLink.hasPassword}{" "}
          <Link to="/login" className="font-medium text-indigo-600 hover:text-indigo-500">
            {t.passwordLink.signIn}
          </Link>
        </p>
      }
    >
      <form onSubmit={form.submit} noValidate className={authBoxClasses} aria-label={t.passwordLink.title}>
        {saveError ? (
          <div
            role="alert"
            className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200"
            data-testid="form-error"
          >
            {saveError}
          </div>
        ) : null}
        {/* For password managers: the account the new password belongs to. */}
        <input type="email" name="username" autoComplete="username" value={account.email} readOnly hidden />
        <TextField
          label={t.passwordLink.newPassword}
          hint={t.passwordLink.newPasswordHint(PASSWORD_MIN_LENGTH)}
          errors={issues.get("password")}
          name="new-password"
          type={visible ? "text" : "password"}
          autoComplete="new-password"
          autoFocus
          spellCheck={false}
          maxLength={PASSWORD_MAX_LENGTH}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        <TextField
          label={t.passwordLink.confirm}
          errors={issues.get("confirm")}
          name="confirm-password"
          type={visible ? "text" : "password"}
          autoComplete="new-password"
          spellCheck={false}
          maxLength={PASSWORD_MAX_LENGTH}
          value={confirm}
          onChange={(event) => setConfirm(event.target.value)}
        />
        <Checkbox
          label={t.passwordLink.show}
          checked={visible}
          onChange={(event) => setVisible(event.target.checked)}
        />
        <Button type="submit" size="lg" className="w-full" loading={save.isPending}>
          {save.isPending ? t.passwordLink.submitting : t.passwordLink.submit}
        </Button>
      </form>
    </AuthFrame>
  );
}
