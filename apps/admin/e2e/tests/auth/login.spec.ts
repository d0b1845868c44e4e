import { CLIENT, OPERATOR } from "../../fixtures/data.ts";
import { expect, test } from "../../fixtures/test.ts";
import { recordRequests } from "../../fixtures/trpc-routes.ts";

test.describe("sign-in", () => {
  test("[AUTH]: operator signs in through the form and lands on the tenants list", async ({ page, shot }) => {
    await page.goto("/tenants");
    await expect(page).toHaveURL(/\/login\?next=%2Ftenants$/);
    await expect(page.getByRole("heading", { name: "Entrar no console" })).toBeVisible();
    await shot("login");

    await page.getByLabel("E-mail").fill(OPERATOR.email);
    await page.getByLabel("Senha").fill(OPERATOR.password);
    await page.getByRole("button", { name: "Entrar" }).click();

    await expect(page).toHaveURL(/\/tenants$/);
    await expect(page.getByRole("heading", { name: "Empresas", level: 1 })).toBeVisible();
    await expect(page.getByTestId("user-email")).toBeVisible();
  });

  test("[AUTH]: a wrong password reads as wrong credentials and signs nobody in", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("E-mail").fill(CLIENT.email);
    await page.getByLabel("Senha").fill("not-the-password");
    await page.getByRole("button", { name: "Entrar" }).click();
    await expect(page.getByRole("alert")).toHaveText("E-mail ou senha incorretos.");
    await expect(page).toHaveURL(/\/login$/);
  });

  test("[AUTH]: an empty form names the required fields without calling the API", async ({ page }) => {
    await page.goto("/login");
    const loginCalls = recordRequests(page, "/trpc/auth.login");
    await page.getByRole("button", { name: "Entrar" }).click();
    await expect(page.getByTestId("field-errors")).toHaveCount(2);
    expect(loginCalls).toEqual([]);
  });

  test("[AUTH]: signs out and the console asks to sign in again", async ({ page, apiSignin }) => {
    await apiSignin("operator");
    await page.goto("/tenants");
    await expect(page.getByRole("heading", { name: "Empresas", level: 1 })).toBeVisible();
    await page.getByRole("button", { name: "Sair" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.goto("/audit");
    await expect(page).toHaveURL(/\/login\?next=%2Faudit$/);
  });

  test("[I18N]: switches the console to English and remembers the choice", async ({ page }) => {
    await page.goto("/login");
    await expect(page.locator("html")).toHaveAttribute("lang", "pt-BR");
    await page.getByTestId("language-switch").click();
    await expect(page.getByRole("heading", { name: "Sign in to the console" })).toBeVisible();
    await page.reload();
    await expect(page.getByRole("heading", { name: "Sign in to the console" })).toBeVisible();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await page.getByTestId("language-switch").click();
    await expect(page.getByRole("heading", { name: "Entrar no console" })).toBeVisible();
  });
});
