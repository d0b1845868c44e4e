/**
 * A fake mail server: a real SMTP server (the `smtp-server` package, SMTP AUTH PLAIN/LOGIN accepted
 * for any credentials the test chose) that parses each message it is given (`mailparser`) and
 * records it. Tests point `SMTP_URL` at it and read what the product e-mailed; with `dir`, each
 * message is also written there as `<n>.json`, so another process (a Playwright test) can read it.
 * `failNext` makes the next deliveries fail with an SMTP error, as a mail provider's outage would;
 * `refuseTo` names mailboxes the server refuses at RCPT TO (550), as a relay refuses an address it
 * will not deliver to — a fault another process can cause just by the address it mails.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

import { DEFAULT_WAIT_MS, Recorder } from "./recorder.ts";

export type ReceivedMail = {
  index: number;
  at: number;
  /** The SMTP envelope (what the server was asked to deliver), lower-case addresses. */
  envelopeFrom: string;
  envelopeTo: string[];
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The SMTP AUTH user the client signed in with, when it did. */
  authUser?: string;
};

export type FakeSmtp = {
  /** `smtp://user:pass@127.0.0.1:<port>` (the credentials are accepted as they are). */
  url: string;
  port: number;
  mails: Recorder<ReceivedMail>;
  waitFor(predicate: (m: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** The next `n` messages are refused with `451 4.3.0 injected failure` (the client sees an error). */
  failNext(n?: number): void;
  stop(): Promise<void>;
};

export async function startFakeSmtp(o: { port?: number; dir?: string; refuseTo?: RegExp } = {}): Promise<FakeSmtp> {
  const mails = new Recorder<ReceivedMail>((m) => `${m.to} "${m.subject}"`);
  let failures = 0;
  if (o.dir) {
    mkdirSync(o.dir, { recursive: true });
  }
  const server = new SMTPServer({
    secure: false,
    // Plain text on the loopback: no STARTTLS offered, so clients do not try to upgrade.
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (o.refuseTo?.test(address.address)) {
        callback(Object.assign(new Error("5.1.1 mailbox unavailable"), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("error", callback);
      stream.on("end", () => {
        if (failures > 0) {
          failures--;
          const err = Object.assign(new Error("injected failure"), { responseCode: 451 });
          callback(err);
          return;
        }
        simpleParser(Buffer.concat(chunks))
          .then((parsed) => {
            const addressText = (a: typeof parsed.to): string =>
              a === undefined ? "" : Array.isArray(a) ? a.map((x) => x.text).join(", ") : a.text;
            const mail: ReceivedMail = {
              index: mails.items.length,
              at: Date.now(),
              envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address.toLowerCase() : "",
              envelopeTo: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              from: parsed.from?.text ?? "",
              to: addressText(parsed.to),
              subject: parsed.subject ?? "",
              text: parsed.text ?? "",
              html: typeof parsed.html === "string" ? parsed.html : "",
              authUser: typeof session.user === "string" ? session.user : undefined,
            };
            if (o.dir) {
              writeFileSync(path.join(o.dir, `${String(mail.index).padStart(4, "0")}.json`), JSON.stringify(mail));
            }
            mails.push(mail);
            callback();
          })
          .catch(callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `smtp://lx:fake@127.0.0.1:${port}`,
    port,
    mails,
    waitFor: (predicate, timeoutMs = DEFAULT_WAIT_MS) => mails.waitFor(predicate, timeoutMs),
    failNext(n = 1) {
      failures = n;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
