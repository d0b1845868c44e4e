import { HAVEN } from "../../fixtures/data.ts";
import { expect, test } from "../../fixtures/test.ts";

// A slug no tenant has (tenant slugs are lower-case letters, digits and hyphens).
const MISSING = `nao-existe-${Date.now() % 1_000_000}`;

test.beforeEach(async ({ apiSignin }) => {
  await apiSignin("operator");
});

test("[TENANTS]: a tenant that does not exist is a 404 with the way back to the list — no retry, no slug as its name", async ({
  page,
  shot,
}) => {
  await page.goto(`/tenants/${MISSING}`);
  const notFound = page.getByTestId("tenant-not-found");
  await expect(notFound.getByRole("heading", { level: 1, name: "Empresa não encontrada" })).toBeVisible();
  await expect(notFound).toContainText(`Nenhuma empresa tem o endereço “${MISSING}”.`);
  await expect(page.getByRole("button", { name: "Tentar de novo" })).toHaveCount(0);
  await expect(page.getByText("Não foi possível carregar")).toHaveCount(0);
  // The tab says what the page is, not the slug as if it were a name (a "(N) " of waiting customers may lead).
  await expect(page).toHaveTitle(/^(\(\d+\) )?Empresa não encontrada · LX Agent Factory$/);
  await shot("tenant-not-found");

  // The tenant's pages say the same: the agents', the metrics (no "Desempenho dos agentes de <slug>"),
  // the inbox (filtered too), the checklist, appointments and leads.
  for (const path of [
    "metrics",
    `agents/${HAVEN.agent}/spec`,
    "conversations?mode=pending_human",
    "setup",
    "appointments",
    "deals",
  ]) {
    await page.goto(`/tenants/${MISSING}/${path}`);
    await expect(
      page.getByTestId("tenant-not-found").getByRole("heading", { level: 1, name: "Empresa não encontrada" }),
      path,
    ).toBeVisible();
    await expect(page.getByRole("main"), path).not.toContainText("Desempenho dos agentes de");
    await expect(page.getByRole("button", { name: "Tentar de novo" }), path).toHaveCount(0);
    await expect(page, path).toHaveTitle(/^(\(\d+\) )?Empresa não encontrada · LX Agent Factory$/);
  }

  // The way back: the tenant list.
  await page.getByRole("link", { name: "Ver as empresas" }).click();
  await expect(page).toHaveURL(/\/tenants$/);
  await expect(page.getByRole("link", { name: HAVEN.name })).toBeVisible();
});

test("[TENANTS]: an existing tenant's pages still name it, in the title and the description", async ({
  page,
}) => {
  await page.goto(`/tenants/${HAVEN.slug}/metrics`);
  await expect(page.getByText(`Desempenho dos agentes de ${HAVEN.name}. Somente leitura.`)).toBeVisible();
  await expect(page).toHaveTitle(new RegExp(`^(\\(\\d+\\) )?Métricas · ${HAVEN.name} · LX Agent Factory$`));
  await expect(page.getByTestId("tenant-not-found")).toHaveCount(0);
});
