import path from "node:path";

import type { Locator, Page } from "@playwright/test";

import { LINK_URL, ownBrowser, setPassword, signInForm, uniqueEmail } from "../../fixtures/accounts.ts";
import { OPERATOR, OTHER_TENANT } from "../../fixtures/data.ts";
import { readMails, sentTo } from "../../fixtures/mail.ts";
import { SCREENSHOTS_DIR } from "../../fixtures/stack.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";
import { patchTrpcData, recordRequests } from "../../fixtures/trpc-routes.ts";

// One-time password links: an operator makes one (a new access, or a row of the accounts card) and the
// owner opens it in a browser of their own, signed out, to set the password. Every test makes its own
// accounts with new e-mails (the second tenant's clients, new operators), so reruns start clean.
// The run's server sends e-mail (globalSetup's fake SMTP): these tests copy the link by hand, without
// e-mail; password-reset-email.spec.ts covers the links that go by e-mail.

const INVALID_LINK =
  "Este link é inválido, expirou ou já foi usado. Peça à sua agência um novo link para definir a senha.";

type Account = { id: string; email: string };

/** The link dialog's URL, after checking whom it is for and until when it works. */
async function readLink(dialog: Locator, email: string): Promise<string> {
  await expect(dialog.getByTestId("password-link-email")).toHaveText(email);
  await expect(dialog).toContainText(/Válido até \d{2}\/\d{2}\/\d{4},? \d{2}:\d{2}, uma vez só\./);
  await expect(dialog).toContainText("substitui qualquer link anterior desta conta");
  const url = await dialog.getByLabel("Link", { exact: true }).inputValue();
  expect(url).toMatch(LINK_URL);
  return url;
}

async function expectDeadLink(page: Page) {
  await expect(page.getByRole("heading", { name: "Link inválido", level: 1 })).toBeVisible();
  await expect(page.getByRole("alert")).toHaveText(INVALID_LINK);
}

test("[AUTH]: a new client access with a link: the client sets the password in their own browser, is signed in, and the link works once", async ({
  page,
  browser,
  baseURL,
  apiSignin,
  shot,
}) => {
  test.setTimeout(120_000);
  const email = uniqueEmail("link", "outra.local");
  const password = "senha-do-cliente-1";
  await apiSignin("operator");
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"]);
  const creates = recordRequests(page, "/trpc/users.create");

  await page.goto(`/tenants/${OTHER_TENANT.slug}`);
  const card = page.getByRole("region", { name: "Acessos do cliente" });
  await card.getByRole("button", { name: "Novo acesso" }).click();
  const form = page.getByRole("dialog", { name: "Novo acesso do cliente" });
  // The link is the default: no password field until "set a password now" is picked. It would go by
  // e-mail too (this server sends e-mail): not this time, the operator hands it over.
  await expect(form.getByLabel("Enviar um link para a pessoa definir a senha")).toBeChecked();
  await expect(form.getByLabel("Enviar por e-mail")).toBeChecked();
  await form.getByLabel("Enviar por e-mail").uncheck();
  await expect(form.getByLabel("Senha", { exact: true })).toHaveCount(0);
  await form.getByLabel("Definir uma senha agora").check();
  await expect(form.getByLabel("Senha", { exact: true })).toBeVisible();
  await form.getByLabel("Enviar um link para a pessoa definir a senha").check();
  await expect(form.getByLabel("Senha", { exact: true })).toHaveCount(0);
  await form.getByLabel("E-mail", { exact: true }).fill(email);
  await form.getByLabel("Nome").fill("Cliente do Link");
  await form.getByRole("button", { name: "Criar acesso" }).click();

  // The access exists and the link dialog takes the form's place.
  await expect(
    page.getByTestId("toast-success").filter({ hasText: `Acesso criado para ${email}` }),
  ).toBeVisible();
  await expect(form).toBeHidden();
  const linkDialog = page.getByRole("dialog", { name: "Link para definir a senha" });
  await expect(linkDialog).toContainText(`O acesso de ${email} foi criado.`);
  const url = await readLink(linkDialog, email);
  expect(creates).toHaveLength(1);
  expect(creates[0]?.body).toContain(email);
  expect(creates[0]?.body).not.toContain("password");
  expect(creates[0]?.body).not.toContain("sendEmail");
  // Answered once the mail (had there been one) went: none did.
  await expect(linkDialog.getByTestId("password-link-emailed")).toHaveCount(0);
  expect(readMails().filter(sentTo(email))).toEqual([]);
  await linkDialog.getByRole("button", { name: "Copiar" }).click();
  await expect(page.getByTestId("toast-success").filter({ hasText: "Link copiado" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
  await shot("password-link-created");
  await linkDialog.getByRole("button", { name: "Fechar" }).click();
  await expect(linkDialog).toBeHidden();
  const row = card.locator(`[data-testid="account-row"][data-email="${email}"]`);
  await expect(row).toContainText("Nunca entrou");

  const clientContext = await ownBrowser(browser, baseURL);
  try {
    const client = await clientContext.newPage();
    let setCalls = 0;
    const token = new URL(url).hash.replace("#t=", "");
    const described = recordRequests(client, "/trpc/auth.passwordLink");
    const tokenInUrls: string[] = [];
    client.on("request", (request) => {
      if (!request.isNavigationRequest() && decodeURIComponent(request.url()).includes(token)) {
        tokenInUrls.push(request.url());
      }
    });
    client.on("request", (request) => {
      if (request.url().includes("/trpc/auth.setPasswordWithLink")) {
        setCalls += 1;
      }
    });
    await client.goto(url);
    await expect(
      client.getByRole("heading", { name: `Definir senha para ${email}`, level: 1 }),
    ).toBeVisible();
    await expect(client.getByText("Olá, Cliente do Link.")).toBeVisible();
    // The token went in a POST body, never in a URL (a proxy's access log would keep it).
    expect(described.length).toBeGreaterThan(0);
    expect(described.every((r) => !r.url.includes(token) && r.body.includes(token))).toBe(true);
    expect(tokenInUrls).toEqual([]);
    await expect(client.getByTestId("password-link-expiry")).toContainText(
      /Este link vale até \d{2}\/\d{2}\/\d{4},? \d{2}:\d{2} e pode ser usado uma vez só\./,
    );
    await client.screenshot({ path: path.join(SCREENSHOTS_DIR, "password-link-page.png"), fullPage: true });

    // Checked in the browser: too short, then two passwords that differ. The API is not called.
    await setPassword(client, "curta", "curta");
    await expect(client.getByTestId("field-errors")).toHaveText(["ao menos 8 caracteres"]);
    await setPassword(client, password, `${password}x`);
    await expect(client.getByTestId("field-errors")).toHaveText(["As senhas não conferem."]);
    expect(setCalls).toBe(0);

    // Set: signed in as the client, on their metrics, with the token gone from the address bar.
    await setPassword(client, password);
    await expect(client).toHaveURL(/\/client\/metrics$/);
    await expect(client.getByRole("heading", { name: "Métricas", level: 1 })).toBeVisible();
    await expect(client.getByTestId("user-email")).toHaveText("Cliente do Link");
    await expect(
      client.getByTestId("toast-success").filter({ hasText: "Senha definida. Você já entrou no console." }),
    ).toBeVisible();
    expect(setCalls).toBe(1);
    expect(await client.evaluate(() => window.location.hash)).toBe("");

    // Once only: the same link again (signed out) says so and leads to the sign-in page, where the
    // new password works.
    await client.getByRole("button", { name: "Sair" }).click();
    await expect(client).toHaveURL(/\/login$/);
    await client.goto(url);
    await expectDeadLink(client);
    await client.getByRole("link", { name: "Ir para o login" }).click();
    await expect(client).toHaveURL(/\/login$/);
    await signInForm(client, email, password);
    await expect(client).toHaveURL(/\/client\/metrics$/);
    await expect(client.getByTestId("user-email")).toHaveText("Cliente do Link");
  } finally {
    await clientContext.close();
  }
  await page.reload();
  await expect(row).not.toContainText("Nunca entrou");
});

test("[AUTH]: a second link from the operators page voids the first; a disabled account gets none", async ({
  page,
  browser,
  baseURL,
  apiSignin,
  operatorApi,
  shot,
}) => {
  test.setTimeout(120_000);
  const email = uniqueEmail("operador-link", "lx.local");
  const created = ok(
    await trpcMutation<Account>(operatorApi, "users.create", { email, password: "senha-antiga-123" }),
  );
  await apiSignin("operator");
  await page.goto("/operators");
  const card = page.getByRole("region", { name: "Acessos de operador" });
  const row = card.locator(`[data-testid="account-row"][data-email="${email}"]`);
  const linkDialog = page.getByRole("dialog", { name: "Link para definir a senha" });

  await row.getByRole("button", { name: "Gerar link de senha" }).click();
  const first = await readLink(linkDialog, email);
  await linkDialog.getByRole("button", { name: "Fechar" }).click();
  await expect(linkDialog).toBeHidden();
  await row.getByRole("button", { name: "Gerar link de senha" }).click();
  const second = await readLink(linkDialog, email);
  expect(second).not.toBe(first);
  await shot("password-link-row");
  await linkDialog.getByRole("button", { name: "Fechar" }).click();
  // Made to be copied: nothing was e-mailed.
  expect(readMails().filter(sentTo(email))).toEqual([]);

  const ownerContext = await ownBrowser(browser, baseURL);
  try {
    const owner = await ownerContext.newPage();
    await owner.goto(first);
    await expectDeadLink(owner);
    // The same tab, the second link pasted in (only the fragment changes: no page load).
    await owner.evaluate((next) => {
      window.location.href = next;
    }, second);
    await expect(owner.getByRole("heading", { name: `Definir senha para ${email}`, level: 1 })).toBeVisible();
    await setPassword(owner, "senha-nova-do-operador");
    // An operator lands where operators start.
    await expect(owner).toHaveURL(/\/tenants$/);
    await expect(owner.getByRole("heading", { name: "Empresas", level: 1 })).toBeVisible();
    await expect(owner.getByTestId("user-email")).toHaveText(email);
  } finally {
    await ownerContext.close();
  }

  // A link is not for a disabled account: no button on its row, and the API's refusal is said when the
  // account was disabled after the page loaded.
  ok(await trpcMutation(operatorApi, "users.setDisabled", { userId: created.id, disabled: true }));
  await page.reload();
  await expect(row.getByTestId("account-status")).toHaveText("Desativado");
  await expect(row.getByRole("button", { name: "Gerar link de senha" })).toHaveCount(0);
  await expect(row.getByRole("button", { name: "Enviar link por e-mail" })).toHaveCount(0);
  ok(await trpcMutation(operatorApi, "users.setDisabled", { userId: created.id, disabled: false }));
  await page.reload();
  await expect(row.getByTestId("account-status")).toHaveText("Ativo");
  ok(await trpcMutation(operatorApi, "users.setDisabled", { userId: created.id, disabled: true }));
  await row.getByRole("button", { name: "Gerar link de senha" }).click();
  await expect(linkDialog.getByRole("alert")).toHaveText(
    `${email} está desativado: reative a conta antes de gerar um link.`,
  );
  await expect(linkDialog.getByTestId("password-link")).toHaveCount(0);
  await linkDialog.getByRole("button", { name: "Fechar" }).click();
  await expect(linkDialog).toBeHidden();
});

test("[AUTH]: the audit log lists the link's creation by the operator and the password set through it by its owner", async ({
  page,
  apiSignin,
  operatorApi,
  anonymousApi,
}) => {
  const email = uniqueEmail("auditoria-link", "outra.local");
  type Created = Account & { link: { token: string; expiresAt: string } | null };
  const created = ok(
    await trpcMutation<Created>(operatorApi, "users.create", { tenantSlug: OTHER_TENANT.slug, email }),
  );
  const token = created.link?.token ?? "";
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  // auth.passwordLink is a query the API takes as POST only (the token never in a URL).
  ok(await trpcMutation(anonymousApi, "auth.passwordLink", { token }));
  ok(await trpcMutation(anonymousApi, "auth.setPasswordWithLink", { token, password: "senha-auditada-1" }));
  const again = await trpcMutation(anonymousApi, "auth.passwordLink", { token });
  expect(again.ok ? null : again.error.appCode).toBe("INVALID_STATE");

  await apiSignin("operator");
  // The link: made by the operator, in the tenant's log, with the e-mail and without the token.
  await page.goto(
    `/audit?tenant=${OTHER_TENANT.slug}&type=user.password_link_created&actor=${encodeURIComponent(OPERATOR.email)}`,
  );
  const rows = page.getByTestId("audit-row");
  await expect(rows.first()).toHaveAttribute("data-type", "user.password_link_created");
  await rows
    .first()
    .getByRole("button", { name: /Expandir/ })
    .click();
  const details = page.getByTestId("audit-details");
  await expect(details).toContainText(`"email": "${email}"`);
  await expect(details).not.toContainText(token);

  // The new password: set by the account's owner themself, through the link.
  await page.goto(`/audit?type=user.password_reset&actor=${encodeURIComponent(email)}`);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-type", "user.password_reset");
  await expect(rows.first()).toContainText(email);
  await rows
    .first()
    .getByRole("button", { name: /Expandir/ })
    .click();
  await expect(details).toContainText('"via": "link"');

  // Both, and nothing else of this account's, with no token anywhere.
  type AuditItems = { items: { type: string; actorLabel: string }[] };
  const audit = ok(
    await trpcQuery<AuditItems>(operatorApi, "audit.list", {
      tenantSlug: OTHER_TENANT.slug,
      type: "user.",
      limit: 100,
    }),
  );
  const mine = audit.items.filter((item) => JSON.stringify(item).includes(email));
  expect(mine.map((item) => `${item.type} by ${item.actorLabel}`).sort()).toEqual(
    [
      `user.created by ${OPERATOR.email}`,
      `user.password_link_created by ${OPERATOR.email}`,
      `user.password_reset by ${email}`,
    ].sort(),
  );
  expect(JSON.stringify(mine)).not.toContain(token);
});

test("[AUTH]: on a server without e-mail, the sign-in page tells who forgot the password to ask the agency for a link", async ({
  page,
}) => {
  // The run's server sends e-mail: `auth.options` is answered as one that does not.
  await patchTrpcData<{ passwordResetByEmail: boolean }>(page, "auth.options", (options) => ({
    ...options,
    passwordResetByEmail: false,
  }));
  await page.goto("/login");
  await expect(page.getByTestId("forgot-password")).toHaveText(
    "Esqueceu a senha? Peça à sua agência um link para definir uma nova.",
  );
  await expect(page.getByRole("button", { name: "Esqueceu a senha?" })).toHaveCount(0);
  await page.getByTestId("language-switch").click();
  await expect(page.getByTestId("forgot-password")).toHaveText(
    "Forgot your password? Ask your agency for a link to set a new one.",
  );
  await page.getByTestId("language-switch").click();
  await expect(page.getByRole("heading", { name: "Entrar no console" })).toBeVisible();
});

test("[AUTH]: on a server with e-mail, the sign-in page offers a reset link instead, in both languages", async ({
  page,
}) => {
  await page.goto("/login");
  await expect(page.getByTestId("forgot-password")).toHaveText("Esqueceu a senha?");
  await page.getByTestId("language-switch").click();
  await expect(page.getByRole("button", { name: "Forgot your password?" })).toBeVisible();
  await page.getByRole("button", { name: "Forgot your password?" }).click();
  await expect(page.getByRole("heading", { name: "Reset your password", level: 1 })).toBeVisible();
  await page.getByRole("button", { name: "Back to sign-in" }).click();
  await expect(page.getByRole("heading", { name: "Sign in to the console", level: 1 })).toBeVisible();
  await page.getByTestId("language-switch").click();
  await expect(page.getByRole("heading", { name: "Entrar no console" })).toBeVisible();
});

test("[AUTH]: a link without its token, or with a garbled one, says so without asking the API", async ({
  page,
}) => {
  const linkCalls = recordRequests(page, "/trpc/auth.");
  await page.goto("/password");
  await expect(page.getByRole("heading", { name: "Link incompleto", level: 1 })).toBeVisible();
  await expect(page.getByRole("alert")).toContainText("Abra o link completo que a sua agência enviou");
  await page.goto("/password#t=cortado-no-meio");
  await expect(page.getByRole("heading", { name: "Link incompleto", level: 1 })).toBeVisible();
  expect(linkCalls).toEqual([]);
  // Well formed but unknown: the API says the link cannot be used.
  await page.goto(`/password#t=${"A".repeat(43)}`);
  await expectDeadLink(page);
  await page.getByRole("link", { name: "Ir para o login" }).click();
  await expect(page.getByRole("heading", { name: "Entrar no console" })).toBeVisible();
});
