import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { ZRequestPasswordResetInput } from "@lx/shared/schemas";

import { AuthFrame, authBoxClasses } from "../../components/layout/auth-frame.tsx";
import { Button } from "../../components/ui/button.tsx";
import { TextField } from "../../components/ui/field.tsx";
import { FormError } from "../../components/ui/states.tsx";
import { errorCode, errorMessage } from "../../lib/errors.ts";
import { useCheckedForm } from "../../lib/form-issues.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import type { Messages } from "../../lib/i18n/messages.ts";
import { useTRPC } from "../../lib/trpc.ts";

function resetErrorMessage(err: unknown, t: Messages): string {
  switch (errorCode(err)) {
    case "RATE_LIMITED":
    case "TOO_MANY_REQUESTS":
      return t.auth.forgot.rateLimited;
    // The server stopped sending e-mail since the page asked (auth.options).
    case "INVALID_STATE":
    case "PRECONDITION_FAILED":
      return t.auth.forgot.unavailable;
    default:
      return errorMessage(err, t);
  }
}

/**
 * The sign-in page's "Esqueceu a senha?" (only on a server that e-mails links): an e-mail, then the
 * same confirmation whatever it is, so the page never tells whether an account has that e-mail.
 * `onBack` returns to the sign-in form with the e-mail typed here.
 */
export function ForgotPassword({
  initialEmail,
  ttlMinutes,
  onBack,
}: {
  initialEmail: string;
  ttlMinutes: number;
  onBack: (email: string) => void;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const [email, setEmail] = useState(initialEmail);
  const request = useMutation(trpc.auth.requestPasswordReset.mutationOptions());
  const form = useCheckedForm(ZRequestPasswordResetInput, { email: email.trim() }, (input) =>
    request.mutate(input),
  );
  const { issues } = form;
  const back = () => onBack(email.trim());

  const submit = (event: FormEvent) => {
    event.preventDefault();
    request.reset();
    form.submit();
  };

  if (request.isSuccess) {
    return (
      <AuthFrame title={t.auth.forgot.sentTitle}>
        <div className={authBoxClasses} data-testid="forgot-password-sent">
          <div role="status" className="space-y-2 text-sm text-slate-700">
            <p data-testid="forgot-password-confirmation">{t.auth.forgot.sent(ttlMinutes)}</p>
            <p className="text-xs text-slate-500">{t.auth.forgot.sentHint}</p>
          </div>
          <Button variant="secondary" size="lg" className="w-full" onClick={back}>
            {t.auth.forgot.back}
          </Button>
        </div>
      </AuthFrame>
    );
  }

  return (
    <AuthFrame
      title={t.auth.forgot.title}
      subtitle={t.auth.forgot.subtitle}
      footer={
        <p className="mt-4 text-center text-xs text-slate-500">
          <button
            type="button"
            onClick={back}
            disabled={request.isPending}
            className="font-medium text-indigo-600 hover:text-indigo-500 focus-visible:underline focus-visible:outline-none disabled:text-slate-400"
          >
            {t.auth.forgot.back}
          </button>
        </p>
      }
    >
      <form onSubmit={submit} noValidate className={authBoxClasses} aria-label={t.auth.forgot.title}>
        {request.isError ? <FormError>{resetErrorMessage(request.error, t)}</FormError> : null}
        <TextField
          label={t.auth.email}
          errors={issues.get("email")}
          name="email"
          type="email"
          autoComplete="username"
          autoFocus
          maxLength={254}
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <Button type="submit" size="lg" className="w-full" loading={request.isPending}>
          {request.isPending ? t.auth.forgot.submitting : t.auth.forgot.submit}
        </Button>
      </form>
    </AuthFrame>
  );
}
