import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Navigate, useSearchParams } from "react-router";

import { ZLoginInput, type TLoginInput } from "@lx/shared/schemas";

import { AuthFrame, authBoxClasses } from "../components/layout/auth-frame.tsx";
import { Button } from "../components/ui/button.tsx";
import { TextField } from "../components/ui/field.tsx";
import { FormError, LoadingState } from "../components/ui/states.tsx";
import { ForgotPassword } from "../features/auth/forgot-password.tsx";
import { usePasswordMail } from "../lib/auth-options.ts";
import { errorCode, errorMessage } from "../lib/errors.ts";
import { useI18n } from "../lib/i18n/context.tsx";
import { useSession, useSessionEndReason, useSignedIn } from "../lib/session.ts";
import { useTRPC } from "../lib/trpc.ts";

type LoginField = keyof TLoginInput;

/** Only same-site paths: `next` must not send the user to another origin. */
function safeNext(next: string | null): string {
  return next?.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function LoginPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const signedIn = useSignedIn();
  const [params] = useSearchParams();
  const session = useSession();
  // "ended": a request was refused while signed in (account disabled, password reset, session
  // expired or ended). After Sair a toast says "Você saiu."; a fresh visit says nothing.
  const ended = useSessionEndReason() === "ended";
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<LoginField, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  // "Esqueceu a senha?" by e-mail, in this page's place, when the server sends e-mail.
  const mail = usePasswordMail();
  const [forgot, setForgot] = useState(false);

  const login = useMutation(
    trpc.auth.login.mutationOptions({
      // The page then renders <Navigate> to `next` (below): one navigation. (It also navigated
      // here, so every sign-in made two.)
      onSuccess: (data) => {
        signedIn(data);
      },
      onError: (err) => {
        setFormError(errorCode(err) === "UNAUTHORIZED" ? t.auth.invalid : errorMessage(err, t));
      },
    }),
  );

  if (session.data) {
    return <Navigate to={safeNext(params.get("next"))} replace />;
  }
  if (session.isPending) {
    return <LoadingState className="min-h-screen" />;
  }

  if (forgot && mail.enabled && mail.ttlMinutes !== null) {
    return (
      <ForgotPassword
        initialEmail={email.trim()}
        ttlMinutes={mail.ttlMinutes}
        onBack={(typed) => {
          if (typed) {
            setEmail(typed);
          }
          setForgot(false);
        }}
      />
    );
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setFormError(null);
    const parsed = ZLoginInput.safeParse({ email, password });
    if (!parsed.success) {
      const errors: Partial<Record<LoginField, string>> = {};
      for (const issue of parsed.error.issues) {
        const key = issue.path[0];
        if (key === "email" || key === "password") {
          errors[key] = t.common.required;
        }
      }
      setFieldErrors(errors);
      return;
    }
    setFieldErrors({});
    login.mutate(parsed.data);
  };

  return (
    <AuthFrame
      title={t.auth.title}
      subtitle={t.auth.subtitle}
      footer={
        <p className="mt-4 text-center text-xs text-slate-500" data-testid="forgot-password">
          {mail.enabled ? (
            <button
              type="button"
              onClick={() => {
                setFormError(null);
                setFieldErrors({});
                setForgot(true);
              }}
              className="font-medium text-indigo-600 hover:text-indigo-500 focus-visible:underline focus-visible:outline-none"
            >
              {t.auth.forgot.open}
            </button>
          ) : (
            // No e-mail on this server (or not known yet): only an operator can make a link.
            t.auth.forgotPassword
          )}
        </p>
      }
    >
      <form onSubmit={onSubmit} noValidate className={authBoxClasses} aria-label={t.auth.title}>
        {formError ? (
          <FormError>{formError}</FormError>
        ) : ended ? (
          <div
            role="status"
            className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800 ring-1 ring-amber-200"
            data-testid="session-ended"
          >
            {t.auth.sessionEnded}
          </div>
        ) : null}
        <TextField
          label={t.auth.email}
          errors={fieldErrors.email ? [fieldErrors.email] : undefined}
          name="email"
          type="email"
          autoComplete="username"
          autoFocus
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <TextField
          label={t.auth.password}
          errors={fieldErrors.password ? [fieldErrors.password] : undefined}
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        <Button type="submit" size="lg" className="w-full" loading={login.isPending}>
          {login.isPending ? t.auth.submitting : t.auth.submit}
        </Button>
      </form>
    </AuthFrame>
  );
}
