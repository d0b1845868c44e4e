/**
 * Password links by e-mail (SMTP_URL): the link an operator creates for an account, and the
 * self-service "Esqueceu a senha?" of the login page. Nodemailer speaks SMTP to whatever relay the
 * deployment has (Amazon SES, Postmark, Mailgun, the company's own server); nothing else here knows
 * about mail.
 *
 * The public reset request answers the same, at once, whether or not the e-mail has an account: the
 * lookup, the link and the mail happen after the answer (`requestReset` returns before any of them),
 * so neither the answer nor its timing says who has an account.
 */
import nodemailer, { type Transporter } from "nodemailer";

import type { Database } from "@lx/db/client";
import { createPasswordLink, findActiveUserByEmail } from "@lx/db/queries";
import { PASSWORD_RESET_TTL_MINUTES, passwordLinkUrl, PLATFORM_ACTORS } from "@lx/shared/schemas";

import type { Logger } from "../logger.ts";

export type MailConfig = {
  /** `smtp://user:pass@host:587` (STARTTLS when the server offers it) or `smtps://…:465`. */
  smtpUrl: string;
  /** The From header, e.g. `LX Agent Factory <no-reply@agencia.com.br>`. */
  from: string;
  /** The console's public address: links in e-mails point there (never at a request's Host header). */
  publicUrl: string;
  /**
   * How long the relay may take to connect, greet and answer each command (default 10 s; nodemailer's
   * own are minutes): an operator waiting on "Enviar por e-mail" gets the link and the reason instead.
   */
  timeoutMs?: number;
};

const DEFAULT_MAIL_TIMEOUT_MS = 10_000;

function transportFor(config: MailConfig): Transporter {
  const timeout = config.timeoutMs ?? DEFAULT_MAIL_TIMEOUT_MS;
  return nodemailer.createTransport(
    { url: config.smtpUrl, connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout },
    { from: config.from },
  );
}

export type LinkPurpose = "invite" | "reset";

export type PasswordLinkMail = { to: string; name: string | null; token: string; expiresAt: string; purpose: LinkPurpose };

function validity(expiresAt: string, now = Date.now()): { pt: string; en: string } {
  const minutes = Math.max(1, Math.round((new Date(expiresAt).getTime() - now) / 60_000));
  if (minutes < 120) {
    return { pt: `${minutes} minutos`, en: `${minutes} minutes` };
  }
  const hours = Math.round(minutes / 60);
  return { pt: `${hours} horas`, en: `${hours} hours` };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The message for one link: Portuguese first (the console's language), English under it. */
export function passwordLinkMessage(m: PasswordLinkMail, publicUrl: string): { subject: string; text: string; html: string } {
  const url = passwordLinkUrl(publicUrl, m.token);
  const valid = validity(m.expiresAt);
  const hello = m.name ? `Olá, ${m.name}.` : "Olá.";
  const helloEn = m.name ? `Hello ${m.name},` : "Hello,";
  const invite = m.purpose === "invite";
  const subject = invite ? "Seu acesso ao LX Agent Factory" : "Defina sua senha do LX Agent Factory";
  const pt = invite
    ? `Criamos seu acesso ao LX Agent Factory (${m.to}). Defina sua senha por este link:`
    : `Recebemos um pedido para definir a senha de ${m.to} no LX Agent Factory. Defina a nova senha por este link:`;
  const en = invite
    ? `An account was created for you on LX Agent Factory (${m.to}). Set your password here:`
    : `Someone asked to set the password of ${m.to} on LX Agent Factory. Set a new one here:`;
  const note = `O link vale por ${valid.pt} e funciona uma vez.${invite ? "" : " Se não foi você, ignore este e-mail: sua senha atual continua valendo."}`;
  const noteEn = `The link works once, for ${valid.en}.${invite ? "" : " If it was not you, ignore this e-mail: your password stays as it is."}`;
  const text = [hello, "", pt, url, "", note, "", "—", "", helloEn, "", en, url, "", noteEn, ""].join("\n");
  const a = `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
  const html = [
    `<p>${escapeHtml(hello)}</p><p>${escapeHtml(pt)}<br>${a}</p><p>${escapeHtml(note)}</p>`,
    `<hr><p>${escapeHtml(helloEn)}</p><p>${escapeHtml(en)}<br>${a}</p><p>${escapeHtml(noteEn)}</p>`,
  ].join("");
  return { subject, text, html };
}

/** One link by e-mail through a transport made for it (the CLI: one message, then done). */
export async function sendPasswordLinkMail(config: MailConfig, m: PasswordLinkMail): Promise<void> {
  const transport = transportFor(config);
  try {
    await transport.sendMail(mailOptions(m, config.publicUrl));
  } finally {
    transport.close();
  }
}

function mailOptions(m: PasswordLinkMail, publicUrl: string) {
  return { to: m.name ? { name: m.name, address: m.to } : m.to, ...passwordLinkMessage(m, publicUrl) };
}

export class PasswordMail {
  readonly #transport: Transporter;
  readonly #pending = new Set<Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly config: MailConfig,
    private readonly logger: Logger,
  ) {
    this.#transport = transportFor(config);
  }

  /** Sends one link; rejects with the relay's error (the caller decides what the operator sees). */
  async send(m: PasswordLinkMail): Promise<void> {
    await this.#transport.sendMail(mailOptions(m, this.config.publicUrl));
  }

  /**
   * "Esqueceu a senha?": returns at once; afterwards, an enabled account with this e-mail gets a
   * new link (valid PASSWORD_RESET_TTL_MINUTES; an earlier reset's link stops working, a link an
   * operator handed out does not — until one of them is used) by e-mail. Nothing
   * happens for an unknown or disabled e-mail. Failures are logged, never shown to the requester.
   */
  requestReset(email: string, requestId: string): void {
    const task = (async () => {
      const account = await findActiveUserByEmail(this.db, email);
      if (!account) {
        this.logger.info({ requestId }, "password reset asked for an e-mail with no enabled account");
        return;
      }
      const link = await createPasswordLink(this.db, {
        userId: account.id,
        // Anyone can ask for it: the audit names no requester, only that it went by e-mail.
        actor: PLATFORM_ACTORS.passwordMail,
        requestId,
        ttlMinutes: PASSWORD_RESET_TTL_MINUTES,
        via: "email",
        // Anyone can ask: this must not void an invitation an operator handed out (only earlier resets).
        selfService: true,
      });
      await this.send({ to: link.email, name: link.name, token: link.token, expiresAt: link.expiresAt, purpose: "reset" });
      this.logger.info({ requestId, userId: account.id }, "password reset link e-mailed");
    })().catch((err: unknown) => this.logger.error({ err, requestId }, "password reset e-mail failed"));
    this.#pending.add(task);
    void task.finally(() => this.#pending.delete(task));
  }

  /** Resolves when every reset asked for so far has been handled (tests; graceful shutdown). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) {
      await Promise.all([...this.#pending]);
    }
  }

  async close(): Promise<void> {
    await this.settled();
    this.#transport.close();
  }
}
