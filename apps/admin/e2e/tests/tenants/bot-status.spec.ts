import type { APIRequestContext, Page } from "@playwright/test";

import { OPERATOR } from "../../fixtures/data.ts";
import { onboardTenant, type Tenant } from "../../fixtures/tenants.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";

// Each test pauses and archives a tenant of its own (onboarded here through the wizard's API), so
// Haven and the second tenant the other suites share are never paused; each one leaves its tenant
// active again, even when it fails halfway.

const PAUSED_BANNER =
  "O bot está pausado: as mensagens chegam à caixa de entrada, mas ninguém recebe resposta automática nem lembretes.";

/** Back to active through the API (a no-op when it already is). */
async function resumeTenant(api: APIRequestContext, tenant: Tenant): Promise<void> {
  ok(await trpcMutation(api, "tenants.setStatus", { tenantSlug: tenant.slug, status: "active" }));
  const stored = ok(await trpcQuery<{ status: string }>(api, "tenants.bySlug", { tenantSlug: tenant.slug }));
  expect(stored.status).toBe("active");
}

/** The tenant page's header badge (the first badge under the title). */
function headerBadge(page: Page, label: string) {
  return page.getByRole("main").getByText(label, { exact: true }).first();
}

/** Confirms the status dialog named `title`, after checking it says each of `says`. */
async function confirmStatus(page: Page, title: string, says: string[]) {
  const dialog = page.getByRole("dialog", { name: title });
  await expect(dialog).toBeVisible();
  for (const text of says) {
    await expect(dialog).toContainText(text);
  }
  await dialog.getByTestId("confirm-button").click();
  await expect(dialog).toBeHidden();
}

test("[TENANTS]: an operator pauses a tenant's bot (banners on its page and inbox), resumes it and archives it, all audited", async ({
  page,
  apiSignin,
  operatorApi,
  shot,
}) => {
  test.setTimeout(120_000);
  const tenant = await onboardTenant(operatorApi, "pausa");
  try {
    await apiSignin("operator");
    await page.goto(`/tenants/${tenant.slug}`);
    await expect(page.getByRole("heading", { name: tenant.name, level: 1 })).toBeVisible();
    const card = page.getByRole("region", { name: "Resposta automática" });
    const banner = page.getByTestId("bot-stopped-banner");
    await expect(card).toHaveAttribute("data-status", "active");
    await expect(card).toContainText("O bot responde aos clientes nos números da Meta desta empresa.");
    await expect(banner).toHaveCount(0);

    // Pause: the dialog says what stops and what goes on, in plain words.
    await card.getByRole("button", { name: "Pausar o bot" }).click();
    await expect(page.getByRole("dialog", { name: `Pausar o bot de ${tenant.name}?` })).toBeVisible();
    await shot("tenant-pause-confirm");
    await confirmStatus(page, `Pausar o bot de ${tenant.name}?`, [
      "pagamento atrasado, sai de férias ou quer responder à mão",
      "o bot não responde a ninguém nos números da Meta desta empresa: nenhuma resposta automática, nenhuma confirmação de leitura e nenhum lembrete de agendamento",
      "as mensagens dos clientes continuam chegando e aparecem na caixa de entrada: a equipe pode assumir as conversas e responder normalmente",
      "os números de teste (o chat de teste do console) continuam respondendo",
      "As mensagens que chegarem durante a pausa não são respondidas depois.",
    ]);
    await expect(
      page.getByTestId("toast-success").filter({ hasText: `Bot de ${tenant.name} pausado.` }),
    ).toBeVisible();
    await expect(banner.getByText(PAUSED_BANNER, { exact: true })).toBeVisible();
    await expect(card).toHaveAttribute("data-status", "paused");
    await expect(headerBadge(page, "Bot pausado")).toBeVisible();
    await expect(card.getByRole("button", { name: "Pausar o bot" })).toHaveCount(0);
    await shot("tenant-paused");

    // The inbox says the bot is paused, and links back to the tenant page.
    await page.getByRole("link", { name: "Conversas" }).click();
    await expect(page.getByRole("heading", { name: "Conversas", level: 1 })).toBeVisible();
    await expect(banner).toContainText(
      "O bot desta empresa está pausado: ninguém recebe resposta automática.",
    );
    await expect(banner).toContainText("As mensagens precisam de uma resposta humana");
    await shot("inbox-bot-paused");
    await banner.getByRole("link", { name: "Abrir a página da empresa" }).click();
    await expect(page).toHaveURL(new RegExp(`/tenants/${tenant.slug}$`));

    // The tenants list shows the badge.
    await page.goto("/tenants");
    const row = page.locator(`[data-testid="tenant-row"][data-slug="${tenant.slug}"]`);
    await expect(row).toHaveAttribute("data-status", "paused");
    await expect(row).toContainText("Bot pausado");

    // Resume from the banner: both banners are gone.
    await row.getByRole("link", { name: tenant.name }).click();
    await banner.getByRole("button", { name: "Retomar" }).click();
    await confirmStatus(page, `Retomar o bot de ${tenant.name}?`, [
      "a partir da próxima mensagem",
      "As mensagens que chegaram enquanto ele estava pausado não são respondidas.",
    ]);
    await expect(
      page.getByTestId("toast-success").filter({ hasText: `Bot de ${tenant.name} retomado` }),
    ).toBeVisible();
    await expect(card).toHaveAttribute("data-status", "active");
    await expect(banner).toHaveCount(0);
    await expect(headerBadge(page, "Ativa")).toBeVisible();
    await page.getByRole("link", { name: "Conversas" }).click();
    await expect(page.getByRole("heading", { name: "Conversas", level: 1 })).toBeVisible();
    await expect(page.getByTestId("conversation-list")).toBeVisible();
    await expect(banner).toHaveCount(0);

    // Archive: the dialog points to the LGPD card for the customers' data.
    await page.goto(`/tenants/${tenant.slug}`);
    await card.getByRole("button", { name: "Arquivar" }).click();
    await confirmStatus(page, `Arquivar ${tenant.name}?`, [
      "Para um cliente que saiu.",
      "nenhuma resposta automática, nenhuma confirmação de leitura e nenhum lembrete de agendamento",
      "Arquivar não apaga nada",
      "defina um prazo de retenção curto no cartão “Dados dos clientes (LGPD)”",
    ]);
    await expect(card).toHaveAttribute("data-status", "archived");
    await expect(headerBadge(page, "Arquivada")).toBeVisible();
    await expect(banner).toHaveAttribute("data-status", "archived");
    await expect(banner).toContainText(
      "as mensagens chegam à caixa de entrada, mas ninguém recebe resposta automática nem lembretes.",
    );
    await expect(card.getByRole("button", { name: "Arquivar" })).toHaveCount(0);

    // Archived: badged, and listed after every tenant that is not.
    await page.goto("/tenants");
    await expect(row).toHaveAttribute("data-status", "archived");
    await expect(row).toContainText("Arquivada");
    const statuses = await page
      .getByTestId("tenant-row")
      .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-status")));
    const firstArchived = statuses.indexOf("archived");
    expect(firstArchived).toBeGreaterThanOrEqual(0);
    expect(statuses.slice(firstArchived).every((status) => status === "archived")).toBe(true);
    await shot("tenants-list-archived");

    // The audit log has the three changes, newest first, with before and after.
    await page.goto(`/audit?tenant=${tenant.slug}`);
    const filters = page.getByRole("form", { name: "Filtros" });
    await expect(filters.locator('datalist option[value="tenant.status_changed"]')).toHaveCount(1);
    await filters.getByLabel("Tipo").fill("tenant.status_changed");
    await filters.getByRole("button", { name: "Aplicar" }).click();
    const rows = page.getByTestId("audit-row");
    await expect(rows).toHaveCount(3);
    for (const type of await rows.evaluateAll((els) => els.map((el) => el.getAttribute("data-type")))) {
      expect(type).toBe("tenant.status_changed");
    }
    await expect(rows.first()).toContainText(OPERATOR.email);
    await rows
      .first()
      .getByRole("button", { name: /Expandir/ })
      .click();
    const details = page.getByTestId("audit-details");
    await expect(details).toContainText('"status": "active"');
    await expect(details).toContainText('"status": "archived"');

    // Back to active from the card.
    await page.goto(`/tenants/${tenant.slug}`);
    await card.getByRole("button", { name: "Retomar o bot" }).click();
    await confirmStatus(page, `Retomar o bot de ${tenant.name}?`, ["a partir da próxima mensagem"]);
    await expect(card).toHaveAttribute("data-status", "active");
    await expect(banner).toHaveCount(0);
  } finally {
    await resumeTenant(operatorApi, tenant);
  }
});

test("[TENANTS]: a client of a paused tenant still sees its metrics, and no status control", async ({
  page,
  apiSignin,
  operatorApi,
  shot,
}) => {
  const tenant = await onboardTenant(operatorApi, "pausa-cliente");
  const client = { email: `cliente-${tenant.slug}@pausa.local`, password: "senha-do-cliente-123" };
  ok(await trpcMutation(operatorApi, "users.create", { tenantSlug: tenant.slug, ...client }));
  ok(await trpcMutation(operatorApi, "tenants.setStatus", { tenantSlug: tenant.slug, status: "paused" }));
  try {
    // The API refuses the client (the console shows the client no control to try).
    await apiSignin(client);
    const refused = await trpcMutation(page.request, "tenants.setStatus", {
      tenantSlug: tenant.slug,
      status: "active",
    });
    expect(refused.ok ? null : refused.error.code).toBe("FORBIDDEN");

    await page.goto("/");
    await expect(page).toHaveURL(/\/client\/metrics$/);
    await expect(page.getByRole("heading", { name: "Métricas", level: 1 })).toBeVisible();
    await expect(page.getByText(`Desempenho dos agentes de ${tenant.name}. Somente leitura.`)).toBeVisible();
    await expect(page.getByTestId("metrics-kpis")).toBeVisible();
    await expect(page.getByRole("alert")).toHaveCount(0);
    await expect(page.getByTestId("bot-stopped-banner")).toHaveCount(0);
    await expect(page.getByTestId("tenant-status-card")).toHaveCount(0);
    await expect(page.getByRole("button", { name: /Pausar|Retomar|Arquivar/ })).toHaveCount(0);
    await shot("client-metrics-paused");

    // The tenant page is an operator page: the client gets "no access", with no control on it.
    await page.goto(`/tenants/${tenant.slug}`);
    await expect(page.getByTestId("no-access")).toBeVisible();
    await expect(page.getByTestId("tenant-status-card")).toHaveCount(0);
    await expect(page.getByRole("button", { name: /Pausar|Retomar|Arquivar/ })).toHaveCount(0);
  } finally {
    await resumeTenant(operatorApi, tenant);
  }
});
