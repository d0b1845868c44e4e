import { expect, test } from "../../fixtures/test.ts";
import { onboardTenant } from "../../fixtures/tenants.ts";

test("[TENANTS]: on the tenant page, Tab reaches the status and actions column (top right) before the main cards", async ({
  page,
  apiSignin,
  operatorApi,
}) => {
  const tenant = await onboardTenant(operatorApi, "teclado", { agentSlug: "recepcao" });
  await apiSignin("operator");
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`/tenants/${tenant.slug}`);
  const pause = page.getByRole("button", { name: "Pausar o bot" });
  const side = page.getByTestId("tenant-side");
  await expect(pause).toBeVisible();

  // Still drawn at the top right on a large screen…
  const sideBox = await side.boundingBox();
  const agentsBox = await page.getByRole("button", { name: "+ Novo agente" }).boundingBox();
  expect(sideBox && agentsBox && sideBox.x > agentsBox.x).toBe(true);

  // …and first in Tab order after the page's title: Pausar o bot, Arquivar, Roteamento → Editar,
  // the shortcuts, and only then the main column's "+ Novo agente".
  await page.getByRole("heading", { level: 1 }).click();
  const reached: string[] = [];
  for (let i = 0; i < 15; i += 1) {
    await page.keyboard.press("Tab");
    const name = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el?.getAttribute("aria-label") ?? el?.textContent?.trim() ?? "";
    });
    reached.push(name);
    if (name.includes("Novo agente")) {
      break;
    }
  }
  const at = (name: string) => reached.findIndex((n) => n.includes(name));
  expect(at("Pausar o bot")).toBeGreaterThanOrEqual(0);
  expect(at("Pausar o bot")).toBeLessThan(3);
  expect(at("Arquivar")).toBeGreaterThan(at("Pausar o bot"));
  expect(at("Editar")).toBeGreaterThan(at("Arquivar"));
  expect(at("Conversas")).toBeGreaterThan(at("Editar"));
  expect(at("Novo agente")).toBeGreaterThan(at("Conversas"));
});
