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

  // The tenant has only its sandbox number: the figures are its test traffic, and say so. Counting
  // customers only (the default once a Meta number exists) leaves every test conversation out.
  await expect(page.getByTestId("metrics-traffic-note")).toHaveText(
    "A empresa ainda não tem número da Meta: estes números são das conversas de teste no número sandbox.",
  );
  const traffic = page.getByRole("group", { name: "O que contar" });
  await expect(traffic.getByRole("button", { name: "Clientes e testes" })).toHaveAttribute("aria-pressed", "true");
  const tests = Number(await page.getByTestId("kpi-conversations-value").innerText());
  await traffic.getByRole("button", { name: "Clientes", exact: true }).click();
  await expect(traffic.getByRole("button", { name: "Clientes", exact: true })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("kpi-conversations-value")).toHaveText("0");
  await expect(page.getByTestId("metrics-traffic-note")).toHaveText(
    tests === 1
      ? "1 conversa de teste (no número sandbox: chat de teste, teste de transferência) não está contada."
      : `${tests} conversas de teste (no número sandbox: chat de teste, teste de transferência) não estão contadas.`,
  );
  await shot("operator-metrics-customers-only");
});
