import { HAVEN, OTHER_TENANT } from "../../fixtures/data.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcQuery } from "../../fixtures/trpc.ts";

test.beforeEach(async ({ apiSignin }) => {
  await apiSignin("client");
});

test("[CLIENT]: lands on Haven's metrics page, which says metrics are coming and shows no invented numbers", async ({
  page,
  shot,
}) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/client\/metrics$/);
  await expect(page.getByRole("heading", { name: "Métricas", level: 1 })).toBeVisible();
  await expect(page.getByText(`Desempenho dos agentes de ${HAVEN.name}.`)).toBeVisible();
  await expect(page.getByTestId("metrics-coming")).toContainText("As métricas estão chegando");
  await expect(page.getByTestId("metrics-coming")).toContainText("Ainda não temos dados de métricas");

  const nav = page.getByRole("navigation", { name: "Navegação principal" });
  await expect(nav.getByRole("link")).toHaveText(["Métricas", "Versões"]);
  await expect(page.getByText(OTHER_TENANT.name)).toHaveCount(0);
  await shot("client-metrics");
});

test("[CLIENT]: approves a version of their agent", async ({ page, operatorApi, shot }) => {
  await page.goto("/client/versions");
  const row = page.getByTestId("client-version-1.0.0");
  await expect(row).toBeVisible();
  await row.getByRole("button", { name: "Aprovar" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("Aprovar v1.0.0?");
  await dialog.getByLabel(/Observação/).fill("Tudo certo com o atendimento.");
  await dialog.getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-success").filter({ hasText: "v1.0.0 aprovada" })).toBeVisible();
  await expect(row.getByTestId("approval-badge")).toHaveText("Aprovada");
  await expect(row.getByRole("button", { name: "Aprovar" })).toBeDisabled();
  await shot("client-versions");

  const audit = ok(
    await trpcQuery<{ items: { type: string; actorLabel: string; data: Record<string, unknown> | null }[] }>(
      operatorApi,
      "audit.list",
      { tenantSlug: HAVEN.slug, type: "version.approved", limit: 5 },
    ),
  );
  expect(audit.items[0]?.actorLabel).toBe("cliente@haven.local");
  expect(audit.items[0]?.data?.note).toBe("Tudo certo com o atendimento.");
});

test('[CLIENT]: operator URLs show "no access" and never request their data', async ({ page, shot }) => {
  const calls: string[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith("/trpc/")) {
      calls.push(...url.pathname.slice("/trpc/".length).split(","));
    }
  });
  for (const path of [
    "/tenants",
    "/tenants/haven",
    `/tenants/${OTHER_TENANT.slug}`,
    "/tenants/haven/agents/recepcao/spec",
    "/tenants/haven/agents/recepcao/versions",
    "/audit",
    "/operations",
  ]) {
    await page.goto(path);
    await expect(page.getByTestId("no-access")).toBeVisible();
    await expect(page.getByRole("heading", { name: "Sem acesso" })).toBeVisible();
  }
  await shot("client-no-access");
  expect(calls.length).toBeGreaterThan(0);
  expect(calls.every((path) => path === "auth.me")).toBe(true);
});

test("[CLIENT]: cannot read another tenant (or any operator procedure) through the API", async ({ page }) => {
  const api = page.request;
  const other = { tenantSlug: OTHER_TENANT.slug };
  const otherAgent = { ...other, agentSlug: HAVEN.agent };
  const expectations: [string, unknown, string][] = [
    ["tenants.bySlug", other, "NOT_FOUND"],
    ["agents.list", other, "NOT_FOUND"],
    ["versions.list", otherAgent, "NOT_FOUND"],
    ["versions.byVersion", { ...otherAgent, version: "1.0.0" }, "NOT_FOUND"],
    ["audit.list", { tenantSlug: OTHER_TENANT.slug }, "NOT_FOUND"],
    ["tenants.list", undefined, "FORBIDDEN"],
    ["drafts.get", { tenantSlug: HAVEN.slug, agentSlug: HAVEN.agent }, "FORBIDDEN"],
  ];
  for (const [path, input, code] of expectations) {
    const result = await trpcQuery(api, path, input);
    expect(result.ok, `${path} must fail`).toBe(false);
    expect(result.ok ? null : result.error.code, path).toBe(code);
  }

  // Their own tenant reads fine; an unfiltered audit read is scoped to it.
  const haven = ok(await trpcQuery<{ slug: string }>(api, "tenants.bySlug", { tenantSlug: HAVEN.slug }));
  expect(haven.slug).toBe(HAVEN.slug);
  const audit = ok(
    await trpcQuery<{ items: { tenantSlug: string | null }[] }>(api, "audit.list", { limit: 100 }),
  );
  expect(audit.items.every((item) => item.tenantSlug === HAVEN.slug)).toBe(true);
});
