import { HAVEN, OTHER_TENANT } from "../../fixtures/data.ts";
import { expectFitsLaptopScreen } from "../../fixtures/layout.ts";
import { expect, test } from "../../fixtures/test.ts";

test.beforeEach(async ({ apiSignin }) => {
  await apiSignin("operator");
});

test("[TENANTS]: lists Haven with its status and counts", async ({ page, shot }) => {
  await page.goto("/tenants");
  const table = page.getByTestId("tenants-table");
  const haven = table.getByRole("row").filter({ hasText: HAVEN.name });
  await expect(haven).toBeVisible();
  await expect(haven).toContainText("Ativa");
  await expect(haven).toContainText(HAVEN.slug);
  // One number, one agent (examples/haven.json).
  await expect(haven.getByRole("cell").nth(2)).toHaveText("1");
  await expect(haven.getByRole("cell").nth(3)).toHaveText("1");
  await expect(table.getByRole("row").filter({ hasText: OTHER_TENANT.name })).toBeVisible();
  await shot("tenants-list");

  await page.getByRole("searchbox").fill("outra");
  await expect(table.getByRole("row").filter({ hasText: HAVEN.name })).toHaveCount(0);
  await expect(table.getByRole("row").filter({ hasText: OTHER_TENANT.name })).toBeVisible();

  // Typed without the accent, as operators do: "clinica" finds both "Clínica"s.
  await page.getByRole("searchbox").fill("HAVEN CLINICA");
  await expect(table.getByRole("row").filter({ hasText: HAVEN.name })).toBeVisible();
  await page.getByRole("searchbox").fill("clinica");
  await expect(table.getByRole("row").filter({ hasText: HAVEN.name })).toBeVisible();
  await expect(table.getByRole("row").filter({ hasText: OTHER_TENANT.name })).toBeVisible();
});

test("[TENANTS]: the tenant page shows its agents with the active version obvious", async ({
  page,
  shot,
}) => {
  await page.goto("/tenants");
  await page.getByRole("link", { name: HAVEN.name }).click();
  await expect(page).toHaveURL(/\/tenants\/haven$/);
  await expect(page.getByRole("heading", { name: HAVEN.name, level: 1 })).toBeVisible();
  const row = page.getByTestId(`agent-row-${HAVEN.agent}`);
  await expect(row).toContainText(HAVEN.agentName);
  await expect(row.getByTestId("active-badge")).toHaveText(/v1\.0\.\d+ ativa/);
  await expect(page.getByRole("link", { name: "Auditoria desta empresa" })).toHaveAttribute(
    "href",
    "/audit?tenant=haven",
  );
  await shot("tenant-haven");

  // On a 1280 px screen the agents table fits beside the side cards: "Versões" is not cut off.
  await expectFitsLaptopScreen(page, page.getByTestId("agents-table"), row.getByRole("link", { name: "Versões" }));

  await row.getByRole("link", { name: "Editar spec" }).click();
  await expect(page).toHaveURL(/\/tenants\/haven\/agents\/recepcao\/spec$/);
});
