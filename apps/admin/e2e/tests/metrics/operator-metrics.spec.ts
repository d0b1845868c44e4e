import { customerSays, newCustomer } from "../../fixtures/customer.ts";
import { HAVEN, OTHER_TENANT } from "../../fixtures/data.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcQuery } from "../../fixtures/trpc.ts";

test("[METRICS]: operators open any tenant's metrics from its page, per day and per version", async ({
  page,
  apiSignin,
  operatorApi,
  request,
  shot,
}) => {
  await customerSays(
    request,
    newCustomer("Operador"),
    "Oi, qual o horário de sábado?",
    OTHER_TENANT.phoneNumberId,
  );
  await expect
    .poll(
      async () => {
        const m = ok(
          await trpcQuery<{ totals: { botResponses: number } }>(operatorApi, "metrics.tenant", {
            tenantSlug: OTHER_TENANT.slug,
          }),
        );
        return m.totals.botResponses;
      },
      { timeout: 30_000 },
    )
    .toBeGreaterThan(0);

  await apiSignin("operator");
  await page.goto(`/tenants/${OTHER_TENANT.slug}`);
  await page.getByRole("link", { name: "Métricas" }).click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${OTHER_TENANT.slug}/metrics$`));
  await expect(page.getByRole("heading", { name: "Métricas", level: 1 })).toBeVisible();
  await expect(
    page.getByText(`Desempenho dos agentes de ${OTHER_TENANT.name}. Somente leitura.`),
  ).toBeVisible();
  await expect(page.getByTestId("kpi-conversations-value")).not.toHaveText("0");
  await expect(page.getByTestId("metrics-version-row").first()).toContainText(`${HAVEN.agent} v`);
  await expect(page.getByTestId("bar-chart")).toHaveCount(4);
  await expect(page.getByTestId("line-chart")).toHaveCount(2);
  await shot("operator-metrics");
});
