import { randomInt } from "node:crypto";

import type { APIRequestContext, Page } from "@playwright/test";

import { metaJsonStringify, SANDBOX_DEFAULTS, signPayload } from "@lx/sandbox";

import { customerSays, newCustomer } from "../../fixtures/customer.ts";
import { expectFitsLaptopScreen } from "../../fixtures/layout.ts";
import { expect, test } from "../../fixtures/test.ts";
import { onboardTenant } from "../../fixtures/tenants.ts";
import { ok, trpcQuery } from "../../fixtures/trpc.ts";

/** What scripts/start.ts gives the API when META_APP_SECRET is not set. */
const APP_SECRET = process.env.META_APP_SECRET ?? "lx-dev-app-secret";

/**
 * A tenant onboarded with the re-engagement template its agent's active version sends
 * (retomada_v1), its page open for the operator, and its templates card.
 */
async function templatesCardOfNewTenant(page: Page, operatorApi: APIRequestContext, apiSignin: (who: "operator") => Promise<void>) {
  const tenant = await onboardTenant(operatorApi, "templates", {
    agentSlug: "recepcao",
    specTemplates: { reengagement: { name: "retomada_v1", language: "pt_BR" } },
    templates: [{ name: "retomada_v1", language: "pt_BR", category: "utility", purpose: "reengagement", body: "Olá {{1}}, podemos continuar?" }],
  });
  await apiSignin("operator");
  await page.goto(`/tenants/${tenant.slug}`);
  const card = page.getByTestId("templates-card");
  const row = (name: string) => card.locator(`[data-testid="template-row"][data-name="${name}"]`);
  return { tenant, card, row };
}

/** A signed POST to the webhook, as Meta sends it. */
async function metaPosts(request: APIRequestContext, payload: unknown): Promise<void> {
  const raw = metaJsonStringify(payload);
  const response = await request.post("/api/webhooks/whatsapp", {
    data: raw,
    headers: { "content-type": "application/json", "x-hub-signature-256": signPayload(APP_SECRET, raw) },
  });
  expect(response.status()).toBe(200);
}

const templateChange = (wabaId: string, name: string, event: string, reason: string) => ({
  object: "whatsapp_business_account",
  entry: [
    {
      id: wabaId,
      time: Math.floor(Date.now() / 1000),
      changes: [
        {
          field: "message_template_status_update",
          value: { event, message_template_id: 1_234_567, message_template_name: name, message_template_language: "pt_BR", reason },
        },
      ],
    },
  ],
});

test("[TEMPLATES]: the tenant page shows each template's status at Meta; a number learns its WABA from its first message, and a template Meta pauses warns that the agent's replies outside 24 h are blocked", async ({
  page,
  apiSignin,
  operatorApi,
  request,
  shot,
}) => {
  test.setTimeout(90_000);
  // A tenant of its own with a template of its own name: the sandbox puts every number in one WABA
  // (its customers' messages and its status callbacks name SANDBOX_DEFAULTS.wabaId, as Meta names a
  // number's real one), and Meta's change reaches every tenant with that template in the WABA.
  const suffix = String(randomInt(100_000, 999_999));
  const phoneNumberId = `10770${suffix}0001`;
  const template = `retomada_${suffix}`;
  const tenant = await onboardTenant(operatorApi, "templates", {
    agentSlug: "recepcao",
    specTemplates: { reengagement: { name: template, language: "pt_BR" } },
    templates: [{ name: template, language: "pt_BR", category: "utility", purpose: "reengagement", body: "Olá {{1}}, podemos continuar de onde paramos?" }],
    numbers: [{ phoneNumberId, displayPhoneNumber: `+55 11 97${suffix}`, accessToken: "sandbox-token", kind: "sandbox" }],
  });

  await apiSignin("operator");
  await page.goto(`/tenants/${tenant.slug}`);
  const card = page.getByTestId("templates-card");
  await expect(card.getByRole("heading", { name: "Templates da Meta" })).toBeVisible();
  const row = card.locator(`[data-testid="template-row"][data-name="${template}"]`);
  await expect(row.getByTestId("template-status")).toHaveText("Aprovado");
  await expect(row).toContainText("recepcao (retomada)");
  await expect(card.getByTestId("template-warning")).toHaveCount(0);
  // No message yet: Meta has not named the number's WABA.
  await expect(card.getByTestId("template-waba-unknown")).toBeVisible();

  // The customer's first message carries the WABA (the entry's id); then Meta pauses the template.
  const customer = newCustomer("Template");
  await customerSays(request, customer, "Oi!", phoneNumberId);
  await metaPosts(request, templateChange(SANDBOX_DEFAULTS.wabaId, template, "PAUSED", "LOW_QUALITY"));
  await page.reload();
  await expect(row).toHaveAttribute("data-status", "paused");
  await expect(row.getByTestId("template-status")).toHaveText("Pausado");
  await expect(row.getByTestId("template-meta-change")).toContainText("Meta: PAUSED (LOW_QUALITY)");
  await expect(card.getByTestId("template-warning")).toHaveText([
    `${template} (pt_BR) está pausado na Meta: as respostas de recepcao fora da janela de 24 horas ficam bloqueadas até a Meta aprovar de novo.`,
  ]);
  await expect(card.getByTestId("template-waba-unknown")).toHaveCount(0);
  await expectFitsLaptopScreen(page, card.getByTestId("templates-table"), row.getByTestId("template-meta-change"));
  await shot("tenant-templates");

  // Approved again: the warning goes.
  await metaPosts(request, templateChange(SANDBOX_DEFAULTS.wabaId, template, "APPROVED", "NONE"));
  await page.reload();
  await expect(row.getByTestId("template-status")).toHaveText("Aprovado");
  await expect(row.getByTestId("template-meta-change")).toHaveText(/^Meta: APPROVED · /);
  await expect(card.getByTestId("template-warning")).toHaveCount(0);
});

test("[TEMPLATES]: an operator declares a template after onboarding, changes its text and removes it; one the active version sends cannot be removed; a taken name is refused in words", async ({
  page,
  apiSignin,
  operatorApi,
}) => {
  const { tenant, card, row } = await templatesCardOfNewTenant(page, operatorApi, apiSignin);
  // The active version sends retomada_v1: it cannot be removed from here.
  await expect(row("retomada_v1").getByRole("button", { name: "Remover retomada_v1 (pt_BR)" })).toBeDisabled();

  await card.getByRole("button", { name: "+ Novo template" }).click();
  const dialog = page.getByRole("dialog", { name: "Novo template" });
  // Nothing is red on a fresh form; a field says what is wrong as soon as it is typed.
  await expect(dialog.getByTestId("field-errors")).toHaveCount(0);
  await dialog.getByLabel("Nome (Meta)").fill("Promo Natal");
  await expect(dialog.getByTestId("field-errors")).toHaveText("deve ser um nome de template da Meta (a-z, 0-9, _)");
  await dialog.getByLabel("Texto aprovado").fill("Feliz Natal, {{1}}!");
  await dialog.getByLabel("Nome (Meta)").fill("promo_natal");
  await dialog.getByLabel("Categoria").selectOption({ label: "Marketing" });
  await dialog.getByRole("button", { name: "Criar template" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText("Template promo_natal (pt_BR) criado.")).toBeVisible();
  await expect(row("promo_natal")).toContainText("Feliz Natal, {{1}}!");
  await expect(row("promo_natal").getByTestId("template-status")).toHaveText("Aprovado");

  // The same name and language again: refused in words.
  await card.getByRole("button", { name: "+ Novo template" }).click();
  await dialog.getByLabel("Nome (Meta)").fill("promo_natal");
  await dialog.getByLabel("Texto aprovado").fill("Outro texto");
  await dialog.getByRole("button", { name: "Criar template" }).click();
  await expect(dialog.getByTestId("form-error")).toHaveText("A empresa já tem o template promo_natal (pt_BR).");
  await dialog.getByRole("button", { name: "Cancelar" }).click();

  // Its text changes; its name and language are Meta's and stay.
  await row("promo_natal").getByRole("button", { name: "Editar promo_natal (pt_BR)" }).click();
  const edit = page.getByRole("dialog", { name: "Editar promo_natal (pt_BR)" });
  await expect(edit.getByLabel("Nome (Meta)")).toHaveAttribute("readonly", "");
  await edit.getByLabel("Texto aprovado").fill("Boas festas, {{1}}!");
  await edit.getByRole("button", { name: "Salvar" }).click();
  await expect(edit).toBeHidden();
  await expect(row("promo_natal")).toContainText("Boas festas, {{1}}!");

  await row("promo_natal").getByRole("button", { name: "Remover promo_natal (pt_BR)" }).click();
  const confirm = page.getByRole("dialog", { name: "Remover promo_natal (pt_BR)?" });
  await confirm.getByTestId("confirm-button").click();
  await expect(confirm).toBeHidden();
  await expect(row("promo_natal")).toHaveCount(0);

  // Each change is in the audit trail.
  const events = ok(
    await trpcQuery<{ items: { type: string }[] }>(operatorApi, "audit.list", { tenantSlug: tenant.slug, type: "template." }),
  );
  expect(events.items.map((e) => e.type).sort()).toEqual(["template.created", "template.removed", "template.updated"]);
});

test("[TEMPLATES]: the tenant page's template dialogs refuse, as they are typed, the bodies the wizard and the API refuse — a gap in the parameters, more than {{1}} on a re-engagement template — also when editing; a template in use says why it cannot be removed", async ({
  page,
  apiSignin,
  operatorApi,
  shot,
}) => {
  const { card, row } = await templatesCardOfNewTenant(page, operatorApi, apiSignin);
  // The reason Remover is off is on screen, and tied to the button.
  const remove = row("retomada_v1").getByRole("button", { name: "Remover retomada_v1 (pt_BR)" });
  await expect(remove).toBeDisabled();
  const why = row("retomada_v1").getByTestId("template-not-removable");
  await expect(why).toBeVisible();
  await expect(why).toHaveText("Em uso pela versão ativa de recepcao: ative uma versão sem ele antes de remover.");
  await expect(remove).toHaveAttribute("aria-describedby", (await why.getAttribute("id")) ?? "");

  await card.getByRole("button", { name: "+ Novo template" }).click();
  const dialog = page.getByRole("dialog", { name: "Novo template" });
  await dialog.getByLabel("Nome (Meta)").fill("oi_v1");
  const body = dialog.getByLabel("Texto aprovado");
  await body.fill("Olá {{1}}, tudo bem? {{3}}");
  await expect(dialog.getByTestId("field-errors")).toHaveText("os parâmetros devem ser {{1}}, {{2}}… sem lacunas (encontrados {{1}}, {{3}})");
  // No claim that someone fills {{3}}.
  await expect(dialog.getByTestId("template-params")).toHaveCount(0);
  await dialog.getByRole("button", { name: "Criar template" }).click();
  await expect(dialog).toBeVisible();
  await expect(row("oi_v1")).toHaveCount(0);

  // A re-engagement template: the outbox fills only {{1}}; choosing the use says so at once.
  await body.fill("Olá {{1}}, sua consulta de {{2}} em {{3}}");
  await expect(dialog.getByTestId("field-errors")).toHaveCount(0);
  await dialog.getByLabel("Uso").selectOption({ label: "Retomada (fora da janela de 24h)" });
  await expect(dialog.getByTestId("field-errors")).toHaveText(
    "um template de reengajamento aceita no máximo um parâmetro, {{1}}: o primeiro nome do cliente",
  );
  await shot("tenant-template-refused");
  await body.fill("Olá {{1}}, podemos continuar?");
  await expect(dialog.getByTestId("field-errors")).toHaveCount(0);
  await expect(dialog.getByTestId("template-params")).toHaveText("Parâmetros: {{1}} = primeiro nome do cliente");
  await dialog.getByRole("button", { name: "Criar template" }).click();
  await expect(dialog).toBeHidden();
  await expect(row("oi_v1")).toContainText("Olá {{1}}, podemos continuar?");

  // The edit path checks the same rules.
  await row("oi_v1").getByRole("button", { name: "Editar oi_v1 (pt_BR)" }).click();
  const edit = page.getByRole("dialog", { name: "Editar oi_v1 (pt_BR)" });
  await edit.getByLabel("Texto aprovado").fill("Olá {{1}}, e a {{2}}?");
  await expect(edit.getByTestId("field-errors")).toHaveText(
    "um template de reengajamento aceita no máximo um parâmetro, {{1}}: o primeiro nome do cliente",
  );
  await edit.getByRole("button", { name: "Salvar" }).click();
  await expect(edit).toBeVisible();
  await edit.getByRole("button", { name: "Cancelar" }).click();
  await expect(row("oi_v1")).toContainText("Olá {{1}}, podemos continuar?");
});
