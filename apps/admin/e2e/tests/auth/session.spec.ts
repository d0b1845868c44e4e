/**
 * The session's ends and the browser's view of the console: Sair without a JavaScript error, a
 * session ended under the user (account disabled) explained on the login page, a production build
 * that logs no tRPC traffic, one tenants.list per sign-in, and a tab title per page.
 */
import type { ConsoleMessage, Page } from "@playwright/test";

import { signInForm, uniqueEmail } from "../../fixtures/accounts.ts";
import { HAVEN, OPERATOR } from "../../fixtures/data.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcMutation } from "../../fixtures/trpc.ts";
import { recordRequests } from "../../fixtures/trpc-routes.ts";

/** Every console message and uncaught error of the page, from now on. */
function recordConsole(page: Page): string[] {
  const messages: string[] = [];
  page.on("console", (message: ConsoleMessage) => messages.push(`${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => messages.push(`pageerror: ${error.message}`));
  return messages;
}

for (const who of ["operator", "client"] as const) {
  test(`[AUTH]: the ${who} signs out without a JavaScript error, to a plain /login`, async ({
    page,
    apiSignin,
  }) => {
    await apiSignin(who);
    await page.goto(who === "operator" ? "/tenants" : "/client/metrics");
    await expect(page.getByTestId("user-email")).toBeVisible();
    await expect(page.getByText("Carregando…")).toHaveCount(0);
    const messages = recordConsole(page);

    await page.getByRole("button", { name: "Sair" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole("heading", { name: "Entrar no console" })).toBeVisible();
    await expect(page.getByTestId("toast-info").filter({ hasText: "Você saiu." })).toBeVisible();
    // After Sair, not the "session ended" explanation.
    await expect(page.getByTestId("session-ended")).toHaveCount(0);
    expect(messages.filter((m) => m.startsWith("error") || m.startsWith("pageerror"))).toEqual([]);
  });
}

test("[AUTH]: a client disabled while signed in lands on the login page with the reason at their next action", async ({
  page,
  operatorApi,
  shot,
}) => {
  const email = uniqueEmail("desativado", "haven.local");
  const password = "lx-desativado-1";
  const created = ok(
    await trpcMutation<{ id: string }>(operatorApi, "users.create", {
      tenantSlug: HAVEN.slug,
      email,
      password,
    }),
  );
  await signInForm(page, email, password);
  await expect(page).toHaveURL(/\/client\/metrics$/);
  await expect(page.getByRole("heading", { name: "Métricas", level: 1 })).toBeVisible();

  ok(await trpcMutation(operatorApi, "users.setDisabled", { userId: created.id, disabled: true }));

  // The next click asks the API for data, which refuses the ended session.
  await page.getByRole("link", { name: "Agendamentos" }).click();
  await expect(page).toHaveURL(/\/login\?next=%2Fclient%2Fappointments$/);
  await expect(page.getByTestId("session-ended")).toHaveText(
    "Sua sessão terminou (conta desativada ou sessão encerrada). Entre de novo.",
  );
  await shot("login-session-ended");

  // Signing in again (with another, enabled account) drops the explanation and follows `next`.
  await page.getByLabel("E-mail").fill("cliente@haven.local");
  await page.getByLabel("Senha").fill("lx-demo-cliente");
  await page.getByRole("button", { name: "Entrar" }).click();
  await expect(page).toHaveURL(/\/client\/appointments$/);

  // A fresh visit to the login page says nothing about a session.
  await page.context().clearCookies();
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Entrar no console" })).toBeVisible();
  await expect(page.getByTestId("session-ended")).toHaveCount(0);
});

test("[AUTH]: a sign-in asks tenants.list once, aborts nothing and the production build logs no tRPC traffic", async ({
  page,
}) => {
  const messages = recordConsole(page);
  const failed: string[] = [];
  page.on("requestfailed", (request) =>
    failed.push(`${request.url()} ${request.failure()?.errorText ?? ""}`),
  );
  const lists = recordRequests(page, "/trpc/tenants.list");

  await signInForm(page, OPERATOR.email, OPERATOR.password);
  await expect(page).toHaveURL(/\/tenants$/);
  await expect(page.getByRole("cell", { name: HAVEN.name, exact: false }).first()).toBeVisible();
  // A query the API refuses (an unknown tenant): shown on the page (tenants/tenant-not-found.spec.ts), not logged.
  await page.goto("/tenants/no-such-tenant");
  await expect(page.getByRole("heading", { level: 1, name: "Empresa não encontrada" })).toBeVisible();

  expect(failed).toEqual([]);
  expect(lists).toHaveLength(1);
  expect(messages.filter((m) => m.includes("%c") || /query #\d|mutation #\d/.test(m))).toEqual([]);
});

/** An operator's tab title, after the "(N) " that customers waiting for a human put first (tenants/waiting-for-human.spec.ts). */
const operatorTitle = (title: string) => new RegExp(`^(\\(\\d+\\) )?${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`);

test("[AUTH]: each page has its own tab title, in the console's language", async ({ page, apiSignin }) => {
  await page.goto("/login");
  await expect(page).toHaveTitle("Entrar no console · LX Agent Factory");

  await apiSignin("operator");
  await page.goto("/tenants");
  await expect(page).toHaveTitle(operatorTitle("Empresas · LX Agent Factory"));
  await page.goto(`/tenants/${HAVEN.slug}`);
  await expect(page).toHaveTitle(operatorTitle(`${HAVEN.name} · LX Agent Factory`));
  await page.goto(`/tenants/${HAVEN.slug}/metrics`);
  await expect(page).toHaveTitle(operatorTitle(`Métricas · ${HAVEN.name} · LX Agent Factory`));
  await page.goto(`/tenants/${HAVEN.slug}/agents/${HAVEN.agent}/versions`);
  await expect(page).toHaveTitle(operatorTitle(`Versões · ${HAVEN.agent} · ${HAVEN.name} · LX Agent Factory`));
  await page.getByRole("link", { name: "Auditoria" }).click();
  await expect(page).toHaveTitle(operatorTitle("Auditoria · LX Agent Factory"));
  await page.getByTestId("language-switch").click();
  await expect(page).toHaveTitle(operatorTitle("Audit log · LX Agent Factory"));
  await page.getByTestId("language-switch").click();
  await expect(page).toHaveTitle(operatorTitle("Auditoria · LX Agent Factory"));
});

test("[AUTH]: the client's pages are titled with their page and tenant", async ({ page, apiSignin }) => {
  await apiSignin("client");
  await page.goto("/client/metrics");
  await expect(page).toHaveTitle(`Métricas · ${HAVEN.name} · LX Agent Factory`);
  await page.getByRole("link", { name: "Versões" }).click();
  await expect(page).toHaveTitle(`Versões · ${HAVEN.name} · LX Agent Factory`);
});
