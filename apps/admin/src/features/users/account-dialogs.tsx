import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type ReactNode } from "react";

import {
  PASSWORD_LINK_TTL_HOURS,
  passwordLinkUrl,
  ZCreateUserInput,
  ZSetUserPasswordInput,
  type TCreateUserInput,
  type TSetUserPasswordInput,
} from "@lx/shared/schemas";

import { Button } from "../../components/ui/button.tsx";
import { CopyField } from "../../components/ui/copy-field.tsx";
import { ConfirmDialog, Dialog, FormFooter } from "../../components/ui/dialog.tsx";
import { Checkbox, Radio, TextField } from "../../components/ui/field.tsx";
import { FormError, LoadingState } from "../../components/ui/states.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { usePasswordMail, useRefreshAuthOptions } from "../../lib/auth-options.ts";
import { errorCode, errorMessage, errorReason } from "../../lib/errors.ts";
import { useCheckedForm } from "../../lib/form-issues.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import type { Messages } from "../../lib/i18n/messages.ts";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import { PasswordField } from "./password-field.tsx";

export type Account = RouterOutputs["users"]["list"]["items"][number];

/**
 * A one-time link just made for an account (`users.createPasswordLink`, or `users.create` without a
 * password). `emailed`: the API also e-mailed it to the account; `emailError`: it was asked to and
 * the mail relay refused (the link works all the same, for the operator to hand over).
 */
export type PasswordLink = {
  email: string;
  token: string;
  expiresAt: string;
  emailed?: boolean;
  emailError?: string | null;
};

/** How a new account gets its password: a link its owner opens to choose one, or one typed here. */
type PasswordMethod = "link" | "password";

/**
 * The server's error in the user's words. The two codes this screen expects get a sentence of their
 * own: the generic CONFLICT text speaks of stale data, not of a taken e-mail.
 */
function accountErrorMessage(err: unknown, t: Messages, email: string | undefined): string {
  switch (errorCode(err)) {
    case "CONFLICT":
      return t.users.emailTaken(email ?? "");
    case "INVALID_STATE":
      return t.users.cannotDisableSelf;
    default:
      return errorMessage(err, t);
  }
}


function useInvalidateAccounts() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries(trpc.users.list.pathFilter());
}

/** A new client login of `tenantSlug`, or a new operator without it. */
export function NewAccountDialog({
  tenantSlug,
  open,
  onClose,
}: {
  tenantSlug: string | undefined;
  open: boolean;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateAccounts();
  const words = tenantSlug === undefined ? t.users.operators : t.users.client;
  const refreshOptions = useRefreshAuthOptions();
  // Created without a password: the answer's link, shown once the form's dialog has closed.
  const [link, setLink] = useState<PasswordLink | null>(null);
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: async (created) => {
        toast.success(t.users.created(created.email));
        if (created.link) {
          setLink({ email: created.email, ...created.link });
        }
        onClose();
        await invalidate();
      },
      onError: async (err) => {
        // Only "send by e-mail" on a server that sends none: the checkbox goes away.
        if (errorCode(err) === "INVALID_STATE") {
          await refreshOptions();
        }
      },
    }),
  );
  const createError = create.error
    ? errorCode(create.error) === "INVALID_STATE"
      ? t.users.emailUnavailable
      : accountErrorMessage(create.error, t, create.variables?.email)
    : null;
  const close = () => {
    if (!create.isPending) {
      create.reset();
      onClose();
    }
  };
  return (
    <>
      <Dialog open={open} onClose={close} title={words.newTitle} description={words.newBody}>
        <NewAccountForm
          tenantSlug={tenantSlug}
          busy={create.isPending}
          error={createError}
          onSubmit={(input) => create.mutate(input)}
          onCancel={close}
        />
      </Dialog>
      <PasswordLinkDialog
        open={link !== null}
        email={link?.email}
        description={
          link
            ? link.emailed
              ? t.users.linkCreatedEmailedBody(link.email)
              : t.users.linkCreatedBody(link.email)
            : undefined
        }
        link={link}
        onClose={() => setLink(null)}
      />
    </>
  );
}

function NewAccountForm({
  tenantSlug,
  busy,
  error,
  onSubmit,
  onCancel,
}: {
  tenantSlug: string | undefined;
  busy: boolean;
  error: string | null;
  onSubmit: (input: TCreateUserInput) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const methodName = useId();
  const [method, setMethod] = useState<PasswordMethod>("link");
  const [password, setPassword] = useState("");
  // Only offered when the server sends e-mail; then it is the default for a link.
  const mail = usePasswordMail();
  const [sendEmail, setSendEmail] = useState(true);
  const emailing = mail.enabled && method === "link" && sendEmail;
  const form = useCheckedForm(
    ZCreateUserInput,
    // No password: the API answers with a link for the person to set theirs (and e-mails it).
    {
      tenantSlug,
      email: email.trim(),
      name,
      password: method === "password" ? password : undefined,
      sendEmail: emailing ? true : undefined,
    },
    onSubmit,
  );
  const { issues } = form;


  return (
    <form onSubmit={form.submit} onBlur={form.onBlur} noValidate className="space-y-4" data-testid="new-account-form">
      {error ? <FormError>{error}</FormError> : null}
      <TextField
        label={t.users.email}
        errors={issues.get("email")}
        name="email"
        type="email"
        autoComplete="off"
        autoFocus
        maxLength={254}
        value={email}
        onChange={(event) => setEmail(event.target.value)}
      />
      <TextField
        label={t.users.name}
        optional={t.common.optional}
        errors={issues.get("name")}
        name="name"
        autoComplete="off"
        maxLength={120}
        value={name}
        onChange={(event) => setName(event.target.value)}
      />
      <fieldset className="space-y-2.5">
        <legend className="mb-2 text-sm font-medium text-slate-700">{t.users.passwordMethod}</legend>
        <Radio
          name={methodName}
          label={t.users.methodLink}
          hint={t.users.methodLinkHint(PASSWORD_LINK_TTL_HOURS)}
          checked={method === "link"}
          onChange={() => setMethod("link")}
        />
        {mail.enabled && method === "link" ? (
          // Under the link choice it belongs to (indented past the radio button).
          <Checkbox
            className="ml-6.5"
            label={t.users.sendEmail}
            hint={t.users.sendEmailHint}
            checked={sendEmail}
            onChange={(event) => setSendEmail(event.target.checked)}
          />
        ) : null}
        <Radio
          name={methodName}
          label={t.users.methodPassword}
          hint={t.users.methodPasswordHint}
          checked={method === "password"}
          onChange={() => setMethod("password")}
        />
      </fieldset>
      {method === "password" ? (
        <PasswordField
          label={t.users.password}
          value={password}
          onChange={setPassword}
          errors={issues.get("password")}
        />
      ) : null}
      <FormFooter busy={busy} submitLabel={t.users.create} onCancel={onCancel} />
    </form>
  );
}

/** A new password for `account` (null: closed); the account's sessions end, the operator's own stays. */
export function ResetPasswordDialog({
  account,
  self,
  onClose,
}: {
  account: Account | null;
  self: boolean;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateAccounts();
  const setPassword = useMutation(
    trpc.users.setPassword.mutationOptions({
      onSuccess: async (updated) => {
        toast.success(self ? t.users.passwordResetSelf : t.users.passwordReset(updated.email));
        onClose();
        await invalidate();
      },
    }),
  );
  const close = () => {
    if (!setPassword.isPending) {
      setPassword.reset();
      onClose();
    }
  };
  return (
    <Dialog
      open={account !== null}
      onClose={close}
      title={account ? t.users.resetTitle(account.email) : ""}
      description={t.users.resetBody}
    >
      {account ? (
        <ResetPasswordForm
          userId={account.id}
          busy={setPassword.isPending}
          error={setPassword.error ? accountErrorMessage(setPassword.error, t, account.email) : null}
          onSubmit={(input) => setPassword.mutate(input)}
          onCancel={close}
        />
      ) : null}
    </Dialog>
  );
}

function ResetPasswordForm({
  userId,
  busy,
  error,
  onSubmit,
  onCancel,
}: {
  userId: string;
  busy: boolean;
  error: string | null;
  onSubmit: (input: TSetUserPasswordInput) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [password, setPassword] = useState("");
  const form = useCheckedForm(ZSetUserPasswordInput, { userId, password }, onSubmit);
  const { issues } = form;


  return (
    <form onSubmit={form.submit} onBlur={form.onBlur} noValidate className="space-y-4" data-testid="reset-password-form">
      {error ? <FormError>{error}</FormError> : null}
      <PasswordField
        label={t.users.newPassword}
        value={password}
        onChange={setPassword}
        errors={issues.get("password")}
      />
      <FormFooter busy={busy} submitLabel={t.users.resetSubmit} onCancel={onCancel} />
    </form>
  );
}

/** Disables an active account (its sessions end at once) or enables a disabled one, after a confirmation. */
export function SetDisabledDialog({ account, onClose }: { account: Account | null; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateAccounts();
  const setDisabled = useMutation(
    trpc.users.setDisabled.mutationOptions({
      onSuccess: async (updated) => {
        toast.success(
          updated.disabledAt ? t.users.disabledToast(updated.email) : t.users.enabledToast(updated.email),
        );
        onClose();
        await invalidate();
      },
    }),
  );
  const close = () => {
    setDisabled.reset();
    onClose();
  };
  const disabling = account?.disabledAt === null;
  return (
    <ConfirmDialog
      open={account !== null}
      onClose={close}
      onConfirm={() => (account ? setDisabled.mutateAsync({ userId: account.id, disabled: disabling }) : undefined)}
      title={
        account ? (disabling ? t.users.disableTitle(account.email) : t.users.enableTitle(account.email)) : ""
      }
      description={disabling ? t.users.disableBody : t.users.enableBody}
      confirmLabel={disabling ? t.users.disable : t.users.enable}
      confirmVariant={disabling ? "danger" : "primary"}
      busy={setDisabled.isPending}
    >
      {setDisabled.error ? (
        <FormError>{accountErrorMessage(setDisabled.error, t, account?.email)}</FormError>
      ) : null}
    </ConfirmDialog>
  );
}

/**
 * A one-time password link, to hand to the account's owner: the whole URL (the token after `#`), a
 * copy button, whom it is for and until when it works. `pending` while it is being made; `error`
 * when it could not be (a disabled account gets none).
 */
export function PasswordLinkDialog({
  open,
  email,
  description,
  link,
  pending = false,
  sendEmail = false,
  error = null,
  onClose,
}: {
  open: boolean;
  /** The account's e-mail, for the error message (the link carries its own). */
  email: string | undefined;
  description?: ReactNode;
  link: PasswordLink | null;
  pending?: boolean;
  /** The link was asked for by e-mail (the wait and the errors say so). */
  sendEmail?: boolean;
  error?: unknown;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const close = () => {
    if (!pending) {
      onClose();
    }
  };
  return (
    <Dialog
      open={open}
      onClose={close}
      title={t.users.linkTitle}
      description={description ?? t.users.linkBody}
      footer={
        <Button variant="secondary" onClick={close} disabled={pending}>
          {t.common.close}
        </Button>
      }
    >
      {pending ? (
        <LoadingState label={sendEmail ? t.users.linkSending : t.users.linkCreating} className="py-6" />
      ) : error ? (
        <FormError>{linkErrorMessage(error, t, email, sendEmail)}</FormError>
      ) : link ? (
        <PasswordLinkView link={link} />
      ) : null}
    </Dialog>
  );
}

/**
 * INVALID_STATE is a disabled account, or (asked by e-mail) a server that sends none: the API names
 * only the latter, with the reason `users.no_email`.
 */
function linkErrorMessage(
  error: unknown,
  t: Messages,
  email: string | undefined,
  sendEmail: boolean,
): string {
  if (errorCode(error) !== "INVALID_STATE") {
    return errorMessage(error, t);
  }
  return sendEmail && errorReason(error)?.code === "users.no_email"
    ? t.users.emailUnavailable
    : t.users.linkDisabledAccount(email ?? "");
}

/** The relay's reason, without a final period (the sentence around it has its own). */
function mailFailure(reason: string): string {
  return reason.trim().replace(/[.\s]+$/, "");
}

function PasswordLinkView({ link }: { link: PasswordLink }) {
  const { t, dateTime } = useI18n();
  const url = passwordLinkUrl(window.location.origin, link.token);

  return (
    <div className="space-y-4" data-testid="password-link">
      {link.emailed ? (
        <p
          role="status"
          className="rounded-md bg-emerald-50 px-3 py-2 text-sm font-medium text-emerald-800 ring-1 ring-emerald-200"
          data-testid="password-link-emailed"
        >
          {t.users.linkEmailed(link.email)}
        </p>
      ) : link.emailError ? (
        <p
          role="alert"
          className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200"
          data-testid="password-link-email-error"
        >
          {t.users.linkEmailFailed(mailFailure(link.emailError))}
        </p>
      ) : null}
      <p className="text-sm text-slate-600">
        {t.users.linkFor}{" "}
        <span className="font-medium text-slate-900" data-testid="password-link-email">
          {link.email}
        </span>
      </p>
      <CopyField
        label={t.users.link}
        hint={t.users.linkValidUntil(dateTime(link.expiresAt))}
        value={url}
        copied={t.users.linkCopied}
        copyFailed={t.users.linkCopyFailed}
        data-testid="password-link-url"
      />
      <p className="rounded-md bg-slate-50 px-3 py-2 text-xs text-slate-600 ring-1 ring-slate-200">
        {link.emailed ? t.users.linkEmailedHint : t.users.linkHint}
      </p>
    </div>
  );
}
