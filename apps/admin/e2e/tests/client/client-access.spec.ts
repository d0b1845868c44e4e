import { customerSays, newCustomer } from "../../fixtures/customer.ts";
import { HAVEN, OTHER_TENANT } from "../../fixtures/data.ts";
import { expectFitsLaptopScreen } from "../../fixtures/layout.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcQuery } from "../../fixtures/trpc.ts";

test.beforeEach(async ({ apiSignin }) => {
  await apiSignin("client");
});

test("[CLIENT]: lands on Haven's metrics — real numbers with their definitions and charts, only Haven's, read-only", async ({
  page,
  request,
  operatorApi,
  shot,
}) => {
  // A conversation for each tenant, so both have numbers; the client must see only Haven's.
  const havenCustomer = newCustomer("Métricas");
  await customerSays(request, havenCustomer, "Oi! Quanto custa a avaliação?");
  await customerSays(request, newCustomer("Outra"), "Oi, outra clínica", OTHER_TENANT.phoneNumberId);
  type Totals = { totals: { conversations: number; messagesIn: number; botResponses: number } };
  await expect
    .poll(
      async () => {
        const metrics = ok(
          await trpcQuery<Totals>(operatorApi, "metrics.tenant", { tenantSlug: OTHER_TENANT.slug }),
        );
        return metrics.totals.botResponses;
      },
      { timeout: 30_000 },
    )
    .toBeGreaterThan(0);
  await expect
    .poll(
      async () => {
        const metrics = ok(
          await trpcQuery<Totals>(operatorApi, "metrics.tenant", { tenantSlug: HAVEN.slug }),
        );
        return metrics.totals.botResponses;
      },
      { timeout: 30_000 },
    )
    .toBeGreaterThan(0);

  await page.goto("/");
  await expect(page).toHaveURL(/\/client\/metrics$/);
  await expect(page.getByRole("heading", { name: "Métricas", level: 1 })).toBeVisible();
  await expect(page.getByText(`Desempenho dos agentes de ${HAVEN.name}. Somente leitura.`)).toBeVisible();
  // Haven's days are counted in its time zone (examples/haven.json: America/Sao_Paulo).
  await expect(page.getByTestId("metrics-timezone")).toHaveText(
    "Dias no fuso horário da empresa: America/Sao_Paulo (GMT-3).",
  );

  // The numbers are Haven's own (the same the operators read for Haven), each with its definition.
  // Read both until they agree: the sandbox Graph's delivered/read callbacks of the answers can still
  // land between the two reads (read 3 of 4 for the first, 4 of 4 for the second).
  let own = ok(await trpcQuery<Totals>(page.request, "metrics.tenant", { tenantSlug: HAVEN.slug }));
  await expect
    .poll(
      async () => {
        own = ok(await trpcQuery<Totals>(page.request, "metrics.tenant", { tenantSlug: HAVEN.slug }));
        const havenForOperators = ok(
          await trpcQuery<Totals>(operatorApi, "metrics.tenant", { tenantSlug: HAVEN.slug }),
        );
        const [client, operators] = [JSON.stringify(own.totals), JSON.stringify(havenForOperators.totals)];
        return client === operators ? "the same totals" : `client ${client} · operators ${operators}`;
      },
      { timeout: 15_000 },
    )
    .toBe("the same totals");
  const conversations = page.getByTestId("kpi-conversations");
  await expect(conversations.getByTestId("kpi-conversations-value")).toHaveText(
    String(own.totals.conversations),
  );
  await expect(conversations).toContainText("Conversas distintas com ao menos uma mensagem no período.");
  // Plain words for the client, not the operators' jargon (p50 / p90, Sentinel).
  await expect(page.getByTestId("kpi-bot-frt")).toContainText("1ª resposta do bot (típica / 9 em 10)");
  await expect(page.getByRole("main")).not.toContainText(/p50|p90|Sentinel/);
  await expect(page.getByTestId("kpi-bot-frt-value")).not.toHaveText("—");
  await expect(page.getByTestId("kpi-cost")).toContainText("Não é fatura.");
  await expect(page.getByTestId("bar-chart").first()).toBeVisible();
  await expect(page.getByTestId("metrics-version-row").first()).toContainText("recepcao v");
  // Every axis label is drawn inside its chart ("US$ 0,0005" used to be cut at the left edge).
  const axisLabelsLeft = await page
    .locator('[data-testid="bar-chart"] svg text, [data-testid="line-chart"] svg text')
    .evaluateAll((els) => Math.min(...els.map((el) => (el as SVGTextElement).getBBox().x)));
  expect(axisLabelsLeft).toBeGreaterThanOrEqual(0);
  // On a 1280 px screen the per-version table shows every column, the cost included, without scrolling.
  await expectFitsLaptopScreen(page, page.getByTestId("metrics-versions"), page.getByTestId("version-cost").first());
  await expect(page.getByTestId("metrics-prices")).toContainText("gpt-4o-mini");
  await expect(page.getByTestId("metrics-prices")).toContainText("US$ 0,15");
  // Every price says where it was read and when.
  await expect(page.locator('[data-testid="price-row"][data-model="gpt-4o-mini"]')).toContainText(
    /developers\.openai\.com · conferido em \d{2}\/\d{2}\/\d{4}/,
  );

  // Another period.
  await page.getByRole("button", { name: "Últimos 7 dias" }).click();
  await expect(page).toHaveURL(/days=7/);
  await expect(page.getByRole("button", { name: "Últimos 7 dias" })).toHaveAttribute("aria-pressed", "true");

  const nav = page.getByRole("navigation", { name: "Navegação principal" });
  await expect(nav.getByRole("link")).toHaveText(["Métricas", "Versões", "Agendamentos", "Leads"]);
  await expect(page.getByText(OTHER_TENANT.name)).toHaveCount(0);
  // Read-only: no forms, no action buttons besides the period switch and the sign-out.
  await expect(page.getByRole("main").getByRole("textbox")).toHaveCount(0);
  await shot("client-metrics");

  // The other tenant's metrics are not theirs to read, and looking is recorded for the checklist.
  const other = await trpcQuery(page.request, "metrics.tenant", { tenantSlug: OTHER_TENANT.slug });
  expect(other.ok ? null : other.error.code).toBe("NOT_FOUND");
  const views = ok(
    await trpcQuery<{ items: { actorLabel: string; data: Record<string, unknown> | null }[] }>(
      operatorApi,
      "audit.list",
      {
        tenantSlug: HAVEN.slug,
        type: "metrics.viewed",
      },
    ),
  );
  expect(views.items.some((e) => e.actorLabel === "cliente@haven.local" && e.data?.role === "client")).toBe(
    true,
  );
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
    "/tenants/haven/conversations",
    "/tenants/haven/metrics",
    "/tenants/haven/setup",
    "/audit",
    "/operations",
    "/operators",
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
    // The audit trail is the agency's, their own tenant's included (other logins' addresses,
    // operators' e-mails): refused with or without a tenant.
    ["audit.list", { tenantSlug: OTHER_TENANT.slug }, "FORBIDDEN"],
    ["audit.list", { tenantSlug: HAVEN.slug }, "FORBIDDEN"],
    ["audit.list", { limit: 100 }, "FORBIDDEN"],
    ["metrics.tenant", other, "NOT_FOUND"],
    ["setup.checklist", { tenantSlug: HAVEN.slug }, "FORBIDDEN"],
    ["operations.overview", {}, "FORBIDDEN"],
    ["tenants.list", undefined, "FORBIDDEN"],
    ["drafts.get", { tenantSlug: HAVEN.slug, agentSlug: HAVEN.agent }, "FORBIDDEN"],
    // The inbox is the agency's: not even their own tenant's conversations.
    ["conversations.list", { tenantSlug: HAVEN.slug }, "FORBIDDEN"],
    // Console access is the agency's to manage, their own tenant's logins included.
    ["users.list", { tenantSlug: HAVEN.slug }, "FORBIDDEN"],
  ];
  for (const [path, input, code] of expectations) {
    const result = await trpcQuery(api, path, input);
    expect(result.ok, `${path} must fail`).toBe(false);
    expect(result.ok ? null : result.error.code, path).toBe(code);
  }

  // Their own tenant reads fine.
  const haven = ok(await trpcQuery<{ slug: string }>(api, "tenants.bySlug", { tenantSlug: HAVEN.slug }));
  expect(haven.slug).toBe(HAVEN.slug);
});
