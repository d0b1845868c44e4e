import type { APIRequestContext, Page } from "@playwright/test";

import { LINK_URL, ownBrowser, setPassword, signInForm, uniqueEmail } from "../../fixtures/accounts.ts";
import { OTHER_TENANT } from "../../fixtures/data.ts";
import {
  INVITE_SUBJECT,
  linkFrom,
  readMails,
  RESET_SUBJECT,
  sentTo,
  waitForMail,
  type Mail,
} from "../../fixtures/mail.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcMutation } from "../../fixtures/trpc.ts";
import { recordRequests } from "../../fixtures/trpc-routes.ts";

// Password links by e-mail: the run's API has SMTP_URL pointing at globalSetup's fake mail server
// (e2e/fixtures/mail.ts reads what it got). Every test makes its own accounts with new e-mails.
//
// Budget: the API allows 3 "Esqueceu a senha?" requests per e-mail and 10 per client address in 15
// minutes. This file sends 3 real ones from 127.0.0.1; the rate-limit test sends its own from an
// address of its own (X-Forwarded-For, trusted from the loopback by the run's API).

const CONFIRMATION =
  "Se houver uma conta com esse e-mail, enviamos um link para definir a senha. Ele vale por 60 minutos.";

type Account = { id: string; email: string };

/** A client login of OTHER_TENANT with a password, made through the API (the operator's client). */
async function createClientAccount(operatorApi: APIRequestContext, email: string, password: string): Promise<void> {
  ok(await trpcMutation<Account>(operatorApi, "users.create", { tenantSlug: OTHER_TENANT.slug, email, password }));
}

function resetMailTo(email: string): (mail: Mail) => boolean {
  const to = sentTo(email);
  return (mail) => to(mail) && mail.subject === RESET_SUBJECT;
}

async function expectClientMetrics(page: Page, name: string) {
  await expect(page).toHaveURL(/\/client\/metrics$/);
  await expect(page.getByRole("heading", { name: "Métricas", level: 1 })).toBeVisible();
  await expect(page.getByTestId("user-email")).toHaveText(name);
}

/** On the sign-in page: "Esqueceu a senha?" opens the reset form in its place. */
async function openForgot(page: Page) {
  await page.getByRole("button", { name: "Esqueceu a senha?" }).click();
  await expect(page.getByRole("heading", { name: "Redefinir a senha", level: 1 })).toBeVisible();
}

test("[AUTH]: a client who forgot the password asks for a link on the sign-in page, gets it by e-mail and signs in with the new password", async ({
  page,
  baseURL,
  operatorApi,
  shot,
}) => {
  test.setTimeout(90_000);
  const email = uniqueEmail("esqueceu", "outra.local");
  const oldPassword = "senha-esquecida-1";
  const newPassword = "senha-lembrada-22";
  ok(
    await trpcMutation<Account>(operatorApi, "users.create", {
      tenantSlug: OTHER_TENANT.slug,
      email,
      name: "Cliente Esquecido",
      password: oldPassword,
    }),
  );
  const resetCalls = recordRequests(page, "/trpc/auth.requestPasswordReset");

  await page.goto("/login");
  await expect(page.getByTestId("forgot-password")).toHaveText("Esqueceu a senha?");
  // What was typed in the sign-in form comes along.
  await page.getByLabel("E-mail").fill(email);
  await openForgot(page);
  await expect(page.getByLabel("E-mail")).toHaveValue(email);
  await shot("forgot-password");
  await page.getByRole("button", { name: "Enviar link" }).click();

  await expect(page.getByRole("heading", { name: "Confira seu e-mail", level: 1 })).toBeVisible();
  await expect(page.getByTestId("forgot-password-confirmation")).toHaveText(CONFIRMATION);
  await shot("forgot-password-sent");
  expect(resetCalls).toHaveLength(1);

  const mail = await waitForMail(resetMailTo(email));
  expect(mail.text).toContain("Olá, Cliente Esquecido.");
  expect(mail.text).toContain("O link vale por 60 minutos");
  const link = linkFrom(mail);
  expect(link).toMatch(LINK_URL);
  expect(link.startsWith(`${baseURL}/password#t=`)).toBe(true);

  // The link from the mail, in the same (signed-out) browser.
  await page.goto(link);
  await expect(page.getByRole("heading", { name: `Definir senha para ${email}`, level: 1 })).toBeVisible();
  await setPassword(page, newPassword);
  await expectClientMetrics(page, "Cliente Esquecido");

  // Signed out, the new password works and the old one no longer does.
  await page.getByRole("button", { name: "Sair" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await signInForm(page, email, oldPassword);
  await expect(page.getByRole("alert")).toHaveText("E-mail ou senha incorretos.");
  await signInForm(page, email, newPassword);
  await expectClientMetrics(page, "Cliente Esquecido");
});

test("[AUTH]: an e-mail without an account gets the very same answer, and no mail", async ({
  page,
  operatorApi,
}) => {
  test.setTimeout(90_000);
  const unknown = uniqueEmail("ninguem", "outra.local");
  const known = uniqueEmail("conhecido", "outra.local");
  await createClientAccount(operatorApi, known, "senha-conhecida-1");
  const resetCalls = recordRequests(page, "/trpc/auth.requestPasswordReset");

  await page.goto("/login");
  await openForgot(page);
  // Nothing typed on the sign-in form: an empty field, checked in the browser.
  await expect(page.getByLabel("E-mail")).toHaveValue("");
  await page.getByRole("button", { name: "Enviar link" }).click();
  await expect(page.getByTestId("field-errors")).toHaveText(["obrigatório"]);
  // Something typed that is not an address: that, in words.
  await page.getByLabel("E-mail").fill("maria@");
  await page.getByRole("button", { name: "Enviar link" }).click();
  await expect(page.getByTestId("field-errors")).toHaveText(["e-mail inválido"]);
  expect(resetCalls).toHaveLength(0);

  // First the e-mail nobody has.
  await page.getByLabel("E-mail").fill(unknown);
  await page.getByRole("button", { name: "Enviar link" }).click();
  await expect(page.getByTestId("forgot-password-confirmation")).toHaveText(CONFIRMATION);
  const unknownAnswer = await page.getByTestId("forgot-password-sent").innerText();

  // Back on the sign-in form with that e-mail, then again for an account's e-mail.
  await page.getByRole("button", { name: "Voltar para o login" }).click();
  await expect(page.getByRole("heading", { name: "Entrar no console", level: 1 })).toBeVisible();
  await expect(page.getByLabel("E-mail")).toHaveValue(unknown);
  await openForgot(page);
  await page.getByLabel("E-mail").fill(known);
  await page.getByRole("button", { name: "Enviar link" }).click();
  await expect(page.getByTestId("forgot-password-confirmation")).toHaveText(CONFIRMATION);
  expect(await page.getByTestId("forgot-password-sent").innerText()).toBe(unknownAnswer);
  expect(resetCalls).toHaveLength(2);

  // The account's mail arrives; by then the earlier request (for nobody) was long handled: no mail.
  await waitForMail(resetMailTo(known));
  expect(readMails().filter(sentTo(unknown))).toEqual([]);
});

test("[AUTH]: too many requests are said as such, and the form stays to try again later", async ({
  page,
}) => {
  // From an address of its own (the run's API trusts X-Forwarded-For from the loopback, as behind a
  // load balancer), so the real limit is reached without spending the rest of the run's budget.
  await page.setExtraHTTPHeaders({ "x-forwarded-for": `198.51.100.${Math.floor(Math.random() * 250) + 1}` });
  const email = uniqueEmail("apressado", "outra.local");
  await page.goto("/login");
  // 3 requests per e-mail in 15 minutes are answered as usual.
  for (let i = 0; i < 3; i++) {
    await openForgot(page);
    await page.getByLabel("E-mail").fill(email);
    await page.getByRole("button", { name: "Enviar link" }).click();
    await expect(page.getByTestId("forgot-password-confirmation")).toHaveText(CONFIRMATION);
    await page.getByRole("button", { name: "Voltar para o login" }).click();
  }
  // The fourth one's answer is held until the test lets it go, so the "sending" state can be seen.
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route("**/trpc/auth.requestPasswordReset**", async (route) => {
    await gate;
    await route.continue();
  });
  await openForgot(page);
  await page.getByLabel("E-mail").fill(email);
  await page.getByRole("button", { name: "Enviar link" }).click();
  // While the request is on its way: the button says so and cannot be pressed twice.
  const sending = page.getByRole("button", { name: "Enviando…" });
  await expect(sending).toBeDisabled();
  await expect(sending).toHaveAttribute("aria-busy", "true");
  release();
  await expect(page.getByRole("alert")).toHaveText(
    "Muitos pedidos de link em pouco tempo. Aguarde alguns minutos e tente de novo.",
  );
  await expect(page.getByRole("heading", { name: "Redefinir a senha", level: 1 })).toBeVisible();
  await expect(page.getByRole("button", { name: "Enviar link" })).toBeEnabled();
  await expect(page.getByTestId("forgot-password-sent")).toHaveCount(0);
});

test("[AUTH]: an operator creates a client access and e-mails the invitation; its link sets the password", async ({
  page,
  browser,
  baseURL,
  apiSignin,
  shot,
}) => {
  test.setTimeout(90_000);
  const email = uniqueEmail("convite", "outra.local");
  await apiSignin("operator");
  const creates = recordRequests(page, "/trpc/users.create");

  await page.goto(`/tenants/${OTHER_TENANT.slug}`);
  const card = page.getByRole("region", { name: "Acessos do cliente" });
  await card.getByRole("button", { name: "Novo acesso" }).click();
  const form = page.getByRole("dialog", { name: "Novo acesso do cliente" });
  const byEmail = form.getByLabel("Enviar por e-mail");
  // A link, sent by e-mail, is the default; the choice is the link's only.
  await expect(byEmail).toBeChecked();
  await form.getByLabel("Definir uma senha agora").check();
  await expect(byEmail).toHaveCount(0);
  await form.getByLabel("Enviar um link para a pessoa definir a senha").check();
  await expect(byEmail).toBeChecked();
  await form.getByLabel("E-mail", { exact: true }).fill(email);
  await form.getByLabel("Nome").fill("Cliente Convidado");
  await shot("client-access-new-email");
  await form.getByRole("button", { name: "Criar acesso" }).click();

  const linkDialog = page.getByRole("dialog", { name: "Link para definir a senha" });
  await expect(linkDialog).toContainText(
    `O acesso de ${email} foi criado e o convite foi enviado por e-mail.`,
  );
  await expect(linkDialog.getByTestId("password-link-emailed")).toHaveText(
    `Link enviado por e-mail para ${email}`,
  );
  await expect(linkDialog.getByTestId("password-link-email-error")).toHaveCount(0);
  const shown = await linkDialog.getByLabel("Link", { exact: true }).inputValue();
  expect(shown).toMatch(LINK_URL);
  expect(creates).toHaveLength(1);
  expect(JSON.parse(creates[0]?.body ?? "null")).toMatchObject({ 0: { email, sendEmail: true } });
  await shot("password-link-emailed");
  await linkDialog.getByRole("button", { name: "Fechar" }).click();
  await expect(linkDialog).toBeHidden();

  // The invitation: its own subject, the account's e-mail, the same link the dialog showed.
  const mail = await waitForMail((m) => sentTo(email)(m) && m.subject === INVITE_SUBJECT);
  expect(mail.text).toContain("Olá, Cliente Convidado.");
  expect(mail.text).toContain(`Criamos seu acesso ao LX Agent Factory (${email})`);
  expect(linkFrom(mail)).toBe(shown);

  const clientContext = await ownBrowser(browser, baseURL);
  try {
    const client = await clientContext.newPage();
    await client.goto(linkFrom(mail));
    await expect(
      client.getByRole("heading", { name: `Definir senha para ${email}`, level: 1 }),
    ).toBeVisible();
    await expect(client.getByText("Olá, Cliente Convidado.")).toBeVisible();
    await setPassword(client, "senha-do-convite-1");
    await expectClientMetrics(client, "Cliente Convidado");
  } finally {
    await clientContext.close();
  }
  await page.reload();
  await expect(card.locator(`[data-testid="account-row"][data-email="${email}"]`)).not.toContainText(
    "Nunca entrou",
  );
});

test("[AUTH]: a row's link by e-mail says it went; a refused mail leaves the link to copy", async ({
  page,
  browser,
  baseURL,
  apiSignin,
  operatorApi,
  shot,
}) => {
  test.setTimeout(90_000);
  const email = uniqueEmail("link-email", "outra.local");
  await createClientAccount(operatorApi, email, "senha-da-linha-1");
  await apiSignin("operator");
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.goto(`/tenants/${OTHER_TENANT.slug}`);
  const card = page.getByRole("region", { name: "Acessos do cliente" });
  const row = card.locator(`[data-testid="account-row"][data-email="${email}"]`);
  const linkDialog = page.getByRole("dialog", { name: "Link para definir a senha" });

  await row.getByRole("button", { name: "Enviar link por e-mail" }).click();
  await expect(linkDialog.getByTestId("password-link-emailed")).toHaveText(
    `Link enviado por e-mail para ${email}`,
  );
  await expect(linkDialog).toContainText("A pessoa já o recebeu por e-mail");
  const shown = await linkDialog.getByLabel("Link", { exact: true }).inputValue();
  await shot("password-link-row-emailed");
  const mail = await waitForMail(resetMailTo(email));
  expect(linkFrom(mail)).toBe(shown);
  await linkDialog.getByRole("button", { name: "Fechar" }).click();
  await expect(linkDialog).toBeHidden();

  // The relay refuses another account's mailbox (the run's mail server refuses every address that
  // starts with "recusado-": global-setup.ts). The link is made all the same, shown, and copied by hand.
  const refusedEmail = uniqueEmail("recusado", "outra.local");
  await createClientAccount(operatorApi, refusedEmail, "senha-da-linha-2");
  await page.reload();
  const refusedRow = card.locator(`[data-testid="account-row"][data-email="${refusedEmail}"]`);
  await refusedRow.getByRole("button", { name: "Enviar link por e-mail" }).click();
  await expect(linkDialog.getByTestId("password-link-email-error")).toHaveText(
    /^Não foi possível enviar o e-mail: .*550 5\.1\.1 mailbox unavailable.*\. Copie o link e envie você mesmo\.$/,
  );
  await expect(linkDialog.getByTestId("password-link-emailed")).toHaveCount(0);
  await expect(linkDialog.getByTestId("password-link-email")).toHaveText(refusedEmail);
  const copied = await linkDialog.getByLabel("Link", { exact: true }).inputValue();
  expect(copied).toMatch(LINK_URL);
  await linkDialog.getByRole("button", { name: "Copiar" }).click();
  await expect(page.getByTestId("toast-success").filter({ hasText: "Link copiado" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(copied);
  await shot("password-link-email-failed");
  await linkDialog.getByRole("button", { name: "Fechar" }).click();
  expect(readMails().filter(sentTo(refusedEmail))).toEqual([]);

  // The copied link works.
  const ownerContext = await ownBrowser(browser, baseURL);
  try {
    const owner = await ownerContext.newPage();
    await owner.goto(copied);
    await expect(owner.getByRole("heading", { name: `Definir senha para ${refusedEmail}`, level: 1 })).toBeVisible();
    await setPassword(owner, "senha-copiada-123");
    await expect(owner).toHaveURL(/\/client\/metrics$/);
  } finally {
    await ownerContext.close();
  }
});
