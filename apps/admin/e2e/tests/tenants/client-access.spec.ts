import type { Locator, Page } from "@playwright/test";

import { signInForm } from "../../fixtures/accounts.ts";
import { OPERATOR, OTHER_TENANT } from "../../fixtures/data.ts";
import { withStackDb } from "../../fixtures/db.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcQuery } from "../../fixtures/trpc.ts";

// The second tenant's client logins are this file's own (Haven's client and checklist belong to other
// suites). Every run creates a new e-mail, so a rerun on the same database starts clean too.

async function expectClientMetrics(page: Page) {
  await expect(page).toHaveURL(/\/client\/metrics$/);
  await expect(page.getByRole("heading", { name: "Métricas", level: 1 })).toBeVisible();
  await expect(
    page.getByText(`Desempenho dos agentes de ${OTHER_TENANT.name}. Somente leitura.`),
  ).toBeVisible();
}

async function expectRefused(page: Page) {
  await expect(page.getByRole("alert")).toHaveText("E-mail ou senha incorretos.");
  await expect(page).toHaveURL(/\/login$/);
}

/** How many lines an account's action buttons take (distinct tops, to the pixel). */
async function buttonRows(row: Locator): Promise<number> {
  const tops = await row
    .getByTestId("account-actions")
    .getByRole("button")
    .evaluateAll((buttons) => buttons.map((b) => Math.round(b.getBoundingClientRect().top)));
  return new Set(tops).size;
}

test("[TENANTS]: an operator gives the client a login, resets its password (sessions end), disables and enables it", async ({
  page,
  browser,
  baseURL,
  apiSignin,
  operatorApi,
  shot,
}) => {
  test.setTimeout(120_000);
  const email = `cliente-${Date.now()}@outra.local`;
  await apiSignin("operator");
  // The setup checklist's "client signed in" item leads to the tenant page's access card.
  await page.goto(`/tenants/${OTHER_TENANT.slug}/setup`);
  await page
    .locator('[data-testid="setup-item"][data-key="client_login"]')
    .getByRole("link", { name: "Gerenciar os acessos do cliente" })
    .click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${OTHER_TENANT.slug}#client-access$`));
  const card = page.getByRole("region", { name: "Acessos do cliente" });
  await expect(card).toBeInViewport();
  await expect(card).toContainText("quem o cliente usa para entrar no painel de métricas, somente leitura", {
    ignoreCase: true,
  });

  // The form checks the shared schema before anything is sent.
  let createCalls = 0;
  page.on("request", (request) => {
    if (request.url().includes("/trpc/users.create")) {
      createCalls += 1;
    }
  });
  await card.getByRole("button", { name: "Novo acesso" }).click();
  const dialog = page.getByRole("dialog", { name: "Novo acesso do cliente" });
  // A link for the person to set their own password is the default (tests/auth/password-link.spec.ts);
  // this suite hands over a password.
  await expect(dialog.getByLabel("Enviar um link para a pessoa definir a senha")).toBeChecked();
  await dialog.getByLabel("Definir uma senha agora").check();
  await dialog.getByRole("button", { name: "Criar acesso" }).click();
  // An empty e-mail and an empty password say only "obrigatório" (the wording of every empty required field).
  await expect(dialog.getByTestId("field-errors")).toHaveText(["obrigatório", "obrigatório"]);
  // A short one: the length is said once, by the error; the hint keeps only the rest of its advice.
  await dialog.getByLabel("Senha", { exact: true }).fill("curta");
  await expect(dialog.getByTestId("field-errors")).toHaveText(["obrigatório", "ao menos 8 caracteres"]);
  await expect(dialog).not.toContainText("Ao menos 8 caracteres.");
  await expect(dialog).toContainText("Envie à pessoa por um canal seguro");
  expect(createCalls).toBe(0);

  await dialog.getByLabel("E-mail", { exact: true }).fill(email);
  await dialog.getByLabel("Nome").fill("Cliente E2E");
  await dialog.getByRole("button", { name: "Gerar senha" }).click();
  const passwordInput = dialog.getByLabel("Senha", { exact: true });
  // Shown in clear text, so the operator can copy it for the client.
  await expect(passwordInput).toHaveAttribute("type", "text");
  const firstPassword = await passwordInput.inputValue();
  expect(firstPassword).toMatch(/^[A-Za-z0-9]{16}$/);
  await shot("client-access-new");
  await dialog.getByRole("button", { name: "Criar acesso" }).click();
  await expect(
    page.getByTestId("toast-success").filter({ hasText: `Acesso criado para ${email}` }),
  ).toBeVisible();
  await expect(dialog).toBeHidden();
  const row = card.locator(`[data-testid="account-row"][data-email="${email}"]`);
  await expect(row).toContainText("Cliente E2E");
  await expect(row).toContainText("Nunca entrou");
  await expect(row.getByTestId("account-status")).toHaveText("Ativo");

  // The same e-mail again: the API's CONFLICT is said in the dialog. (The field by its exact label: the
  // link choice's "Enviar por e-mail" checkbox, there on this server, says "e-mail" too.)
  await card.getByRole("button", { name: "Novo acesso" }).click();
  await dialog.getByLabel("E-mail", { exact: true }).fill(email);
  await dialog.getByLabel("Definir uma senha agora").check();
  await dialog.getByRole("button", { name: "Gerar senha" }).click();
  await dialog.getByRole("button", { name: "Criar acesso" }).click();
  await expect(dialog.getByRole("alert")).toHaveText(`Já existe um acesso com o e-mail ${email}.`);
  await dialog.getByRole("button", { name: "Cancelar" }).click();
  await expect(dialog).toBeHidden();

  // The client, in a browser of their own, signs in and lands on the metrics.
  const clientContext = await browser.newContext({
    baseURL,
    locale: "pt-BR",
    viewport: { width: 1440, height: 900 },
  });
  let secondPassword = "";
  try {
    const client = await clientContext.newPage();
    await signInForm(client, email, firstPassword);
    await expectClientMetrics(client);
    await page.reload();
    await expect(row).not.toContainText("Nunca entrou");
    // Its actions sit in one row at 1280 and 1440 (they used to stack three high), and wrap below that.
    for (const width of [1280, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      await expect.poll(() => buttonRows(row)).toBe(1);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
    await shot("client-access");

    // A new password: the client's session ends, the old password stops working, the new one works.
    await row.getByRole("button", { name: "Redefinir senha" }).click();
    const reset = page.getByRole("dialog", { name: `Redefinir a senha de ${email}` });
    await reset.getByRole("button", { name: "Gerar senha" }).click();
    secondPassword = await reset.getByLabel("Nova senha").inputValue();
    expect(secondPassword).toHaveLength(16);
    expect(secondPassword).not.toBe(firstPassword);
    await reset.getByRole("button", { name: "Salvar nova senha" }).click();
    await expect(
      page
        .getByTestId("toast-success")
        .filter({ hasText: "As sessões abertas dessa conta foram encerradas." }),
    ).toBeVisible();
    await expect(reset).toBeHidden();
    await client.reload();
    await expect(client).toHaveURL(/\/login\?next=%2Fclient%2Fmetrics$/);
    await signInForm(client, email, firstPassword);
    await expectRefused(client);
    await signInForm(client, email, secondPassword);
    await expectClientMetrics(client);

    // Disabled: the open session ends at once and signing in is refused like wrong credentials.
    await row.getByRole("button", { name: "Desativar" }).click();
    const disable = page.getByRole("dialog", { name: `Desativar ${email}?` });
    await expect(disable).toContainText("perde o acesso na hora");
    await disable.getByTestId("confirm-button").click();
    await expect(page.getByTestId("toast-success").filter({ hasText: `${email} desativado` })).toBeVisible();
    await expect(row.getByTestId("account-status")).toHaveText("Desativado");
    await expect(row).toHaveAttribute("data-status", "disabled");
    await client.reload();
    await expect(client).toHaveURL(/\/login\?next=%2Fclient%2Fmetrics$/);
    await signInForm(client, email, secondPassword);
    await expectRefused(client);

    // Enabled again: the same password signs in.
    await row.getByRole("button", { name: "Reativar" }).click();
    await page
      .getByRole("dialog", { name: `Reativar ${email}?` })
      .getByTestId("confirm-button")
      .click();
    await expect(page.getByTestId("toast-success").filter({ hasText: `${email} reativado` })).toBeVisible();
    await expect(row.getByTestId("account-status")).toHaveText("Ativo");
    await signInForm(client, email, secondPassword);
    await expectClientMetrics(client);
  } finally {
    await clientContext.close();
  }

  // Every change is in the tenant's audit log, never with a password.
  type AuditItems = { items: { type: string; actorLabel: string; data: Record<string, unknown> | null }[] };
  const audit = ok(
    await trpcQuery<AuditItems>(operatorApi, "audit.list", {
      tenantSlug: OTHER_TENANT.slug,
      type: "user.",
      limit: 100,
    }),
  );
  const mine = audit.items.filter((item) => JSON.stringify(item).includes(email));
  expect(mine.map((item) => item.type).sort()).toEqual(
    ["user.created", "user.disabled", "user.enabled", "user.password_reset"].sort(),
  );
  expect(mine.every((item) => item.actorLabel === OPERATOR.email)).toBe(true);
  const serialized = JSON.stringify(mine);
  expect(serialized).not.toContain(firstPassword);
  expect(serialized).not.toContain(secondPassword);
});

test("[OPERATORS]: the operators page lists the signed-in operator, who cannot disable their own account", async ({
  page,
  apiSignin,
  shot,
}) => {
  await apiSignin("operator");
  await page.goto("/tenants");
  await page
    .getByRole("navigation", { name: "Navegação principal" })
    .getByRole("link", { name: "Operadores" })
    .click();
  await expect(page).toHaveURL(/\/operators$/);
  await expect(page.getByRole("heading", { name: "Operadores", level: 1 })).toBeVisible();
  const card = page.getByRole("region", { name: "Acessos de operador" });
  const own = card.locator(`[data-testid="account-row"][data-email="${OPERATOR.email}"]`);
  await expect(own.getByTestId("account-self")).toHaveText("você");
  await expect(own.getByTestId("account-status")).toHaveText("Ativo");
  await expect(own.getByRole("button", { name: "Redefinir senha" })).toBeVisible();
  await expect(own.getByRole("button", { name: "Desativar" })).toHaveCount(0);
  await expect.poll(() => buttonRows(card.getByTestId("account-row").first())).toBe(1);
  await shot("operators");
});

test("[TENANTS]: a tenant with more logins than a page lists them a page at a time, in e-mail order", async ({
  page,
  apiSignin,
}) => {
  // A tenant of its own with 55 client logins (written straight to the database: 55 accounts made
  // through the API would spend a minute hashing passwords the test never uses).
  const slug = `muitos-acessos-${Date.now()}`;
  const emails = Array.from({ length: 55 }, (_, i) => `acesso-${String(i).padStart(2, "0")}@${slug}.local`);
  await withStackDb(async (sql) => {
    const [tenant] = await sql<{ id: string }[]>`
      insert into tenants (slug, name) values (${slug}, 'Muitos Acessos') returning id`;
    await sql`
      insert into users (email, password_hash, role, tenant_id)
      select e, 'scrypt$unusable', 'client', ${tenant!.id} from unnest(${emails}::text[]) e`;
  });
  await apiSignin("operator");
  await page.goto(`/tenants/${slug}`);
  const card = page.getByRole("region", { name: "Acessos do cliente" });
  const rows = card.getByTestId("account-row");
  await expect(rows).toHaveCount(50);
  await expect(rows.first()).toHaveAttribute("data-email", emails[0]!);
  await expect(rows.last()).toHaveAttribute("data-email", emails[49]!);
  await card.getByRole("button", { name: "Mostrar mais acessos" }).click();
  await expect(rows).toHaveCount(55);
  await expect(rows.last()).toHaveAttribute("data-email", emails[54]!);
  await expect(card.getByRole("button", { name: "Mostrar mais acessos" })).toHaveCount(0);
});
