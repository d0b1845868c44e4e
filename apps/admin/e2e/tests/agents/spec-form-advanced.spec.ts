/**
 * The spec form's sections past the basics — opening hours, knowledge, templates, model, context and
 * plugins — on a tenant of the test's own (its agent starts from the minimal spec `onboardTenant`
 * gives it), so Haven's draft is never touched.
 */
import { randomInt } from "node:crypto";

import type { APIRequestContext, Locator, Page } from "@playwright/test";

import { CALENDAR_BACKENDS, CRM_BACKENDS, MODEL_PROVIDERS } from "@lx/shared/schemas";

import { withStackDb } from "../../fixtures/db.ts";
import { expect, test } from "../../fixtures/test.ts";
import { onboardTenant, type Tenant } from "../../fixtures/tenants.ts";
import { ok, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";

const AGENT = "atendimento";

type Draft = { source: string; spec: Record<string, unknown> };

async function getDraft(api: APIRequestContext, tenant: Tenant): Promise<Draft> {
  return ok(await trpcQuery<Draft>(api, "drafts.get", { tenantSlug: tenant.slug, agentSlug: AGENT }));
}

async function saveDraft(
  api: APIRequestContext,
  tenant: Tenant,
  spec: Record<string, unknown>,
): Promise<void> {
  ok(
    await trpcMutation(api, "drafts.save", {
      tenantSlug: tenant.slug,
      agentSlug: AGENT,
      spec,
      baseVersion: "1.0.0",
    }),
  );
}

async function openEditor(page: Page, tenant: Tenant): Promise<void> {
  await page.goto(`/tenants/${tenant.slug}/agents/${AGENT}/spec`);
  await expect(page.getByTestId("spec-form")).toBeVisible();
}

const saved = (page: Page) => expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");

/** A select's option values, in order. */
const optionValues = (select: Locator) =>
  select
    .locator("option")
    .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));

test.beforeEach(async ({ apiSignin }) => {
  await apiSignin("operator");
});

test("[SPEC]: hours, knowledge, templates, model, context and plugins are filled through the form and saved exactly so", async ({
  page,
  operatorApi,
  shot,
}) => {
  const suffix = String(randomInt(100_000, 999_999));
  const reengagement = `retomada_${suffix}`;
  const reminder = `lembrete_${suffix}`;
  const tenant = await onboardTenant(operatorApi, "specform", {
    templates: [
      {
        name: reengagement,
        language: "pt_BR",
        category: "utility",
        purpose: "reengagement",
        body: "Olá {{1}}, podemos continuar?",
      },
      {
        name: reminder,
        language: "pt_BR",
        category: "utility",
        purpose: "reminder",
        body: "Lembrete: {{1}} às {{2}}.",
      },
    ],
  });
  await withStackDb((sql) => sql`update templates set status = 'paused' where name = ${reminder}`);
  const base = (await getDraft(operatorApi, tenant)).spec;
  await openEditor(page, tenant);

  // Opening hours: Monday 08:00–12:00 and 14:00–18:00, Saturday 09:00–13:00; the rest closed.
  const hours = page.locator('[data-path="business.hours"]');
  await expect(hours.locator('[data-day="sun"]')).toContainText("Fechado");
  await page.getByRole("button", { name: "Adicionar faixa em Segunda" }).click();
  await expect(page.getByLabel("Segunda: abertura 1")).toHaveValue("09:00");
  await page.getByLabel("Segunda: abertura 1").fill("08:00");
  await page.getByLabel("Segunda: fechamento 1").fill("12:00");
  await page.getByRole("button", { name: "Adicionar faixa em Segunda" }).click();
  // The next interval starts where the day's last one closes.
  await expect(page.getByLabel("Segunda: abertura 2")).toHaveValue("12:00");
  await page.getByLabel("Segunda: fechamento 2").fill("18:00");
  await page.getByLabel("Segunda: abertura 2").fill("14:00");
  await page.getByRole("button", { name: "Adicionar faixa em Sábado" }).click();
  await page.getByLabel("Sábado: fechamento 1").fill("13:00");

  // Knowledge: a document with a multiline content.
  await page.getByRole("button", { name: "Adicionar documento" }).click();
  const doc = page.locator('[data-path="knowledge.0"]');
  await doc.getByLabel("Título").fill("Estacionamento");
  await doc.getByLabel("Conteúdo").fill("Conveniado ao lado.\nDuas horas grátis.");

  // Templates: the registered ones with their status at Meta, or any name typed in.
  const reengagementSelect = page.getByLabel("Retomada: template registrado");
  await expect(
    reengagementSelect.locator("option", { hasText: `${reminder} (pt_BR) · Pausado` }),
  ).toHaveCount(1);
  await reengagementSelect.selectOption(`${reengagement}|pt_BR`);
  await expect(page.getByTestId("template-status-reengagement")).toHaveText("Status na Meta: Aprovado");
  const reminderGroup = page.getByRole("group", { name: "Lembrete", exact: true });
  await page
    .getByLabel("Lembrete: template registrado")
    .selectOption({ label: "Outro (digitar nome e idioma)" });
  await reminderGroup.getByLabel("Nome (Meta)").fill("lembrete_livre");
  await expect(reminderGroup.getByLabel("Idioma (Meta)")).toHaveValue("pt_BR");
  await expect(page.getByTestId("template-unregistered-reminder")).toContainText(
    "não tem este template registrado",
  );

  // Model: its provider from the schema's list.
  await page.getByRole("button", { name: "Definir o modelo" }).click();
  expect(await optionValues(page.getByLabel("Provedor"))).toEqual([...MODEL_PROVIDERS]);
  const model = page.getByRole("group", { name: "Modelo do agente" });
  await model.getByLabel("Provedor").selectOption("anthropic");
  await model.getByLabel("Modelo", { exact: true }).fill("claude-3-5-haiku-latest");
  await model.getByLabel("Temperatura").fill("0.2");
  await model.getByLabel("Máximo de tokens por resposta").fill("300");

  // Context.
  await page.getByLabel("Mensagens recentes lidas").fill("30");
  await page.getByLabel("Resumir a conversa após (mensagens)").fill("60");
  await page.getByLabel("Esperar mensagens em sequência (ms)").fill("1500");

  // Plugins: calendar, reminders, CRM.
  await page.getByRole("button", { name: "Adicionar plugin de agenda" }).click();
  const calendar = page.getByRole("group", { name: "Agenda", exact: true });
  expect(await optionValues(calendar.getByLabel("Backend"))).toEqual([...CALENDAR_BACKENDS]);
  await expect(calendar.getByLabel("Backend")).toHaveValue("local");
  await calendar.getByLabel("Duração do horário (min)").fill("45");

  await page.getByRole("button", { name: "Adicionar plugin de lembretes" }).click();
  const reminders = page.getByRole("group", { name: "Lembretes", exact: true });
  await expect(reminders.getByLabel("Antecedência 1", { exact: true })).toHaveValue("1440");
  await reminders.getByRole("button", { name: /Adicionar item/ }).click();
  await reminders.getByLabel("Antecedência 2", { exact: true }).fill("120");

  await page.getByRole("button", { name: "Adicionar plugin de CRM" }).click();
  const crm = page.getByRole("group", { name: "CRM", exact: true });
  expect(await optionValues(crm.getByLabel("Backend"))).toEqual([...CRM_BACKENDS]);
  await crm.getByLabel("Backend").selectOption("pipedrive");
  await crm.getByRole("button", { name: /Adicionar item/ }).click();
  await crm.getByLabel("Campo de qualificação 1", { exact: true }).fill("orcamento");
  await crm.getByRole("button", { name: /Adicionar item/ }).click();
  await crm.getByLabel("Campo de qualificação 2", { exact: true }).fill("prazo");
  await crm.getByRole("button", { name: "Adicionar campo personalizado" }).click();
  await crm.getByLabel("Campo de qualificação: orcamento", { exact: true }).selectOption("prazo");
  await crm.getByLabel("Chave no CRM de prazo").fill("abc123_prazo");

  await expect(page.getByTestId("spec-validity")).toHaveText("Spec válida");
  await saved(page);

  const expected = {
    ...base,
    business: {
      ...(base.business as Record<string, unknown>),
      hours: [
        { day: "mon", open: "08:00", close: "12:00" },
        { day: "mon", open: "14:00", close: "18:00" },
        { day: "sat", open: "09:00", close: "13:00" },
      ],
    },
    knowledge: [{ title: "Estacionamento", content: "Conveniado ao lado.\nDuas horas grátis." }],
    templates: {
      reengagement: { name: reengagement, language: "pt_BR" },
      reminder: { name: "lembrete_livre", language: "pt_BR" },
    },
    model: { provider: "anthropic", name: "claude-3-5-haiku-latest", temperature: 0.2, maxOutputTokens: 300 },
    context: { recentMessages: 30, summarizeAfter: 60, burstWindowMs: 1500 },
    plugins: {
      calendar: { backend: "local", slotMinutes: 45 },
      reminders: { offsetsMinutes: [1440, 120] },
      crm: {
        backend: "pipedrive",
        qualifyFields: ["orcamento", "prazo"],
        customFields: { prazo: "abc123_prazo" },
      },
    },
  };
  const draft = await getDraft(operatorApi, tenant);
  expect(draft.source).toBe("draft");
  expect(draft.spec).toEqual(expected);

  // After a reload the form shows it, and the JSON view holds the same document.
  await page.reload();
  await expect(page.getByLabel("Segunda: abertura 2")).toHaveValue("14:00");
  await expect(page.getByTestId("template-status-reengagement")).toHaveText("Status na Meta: Aprovado");
  await expect(
    page.getByRole("group", { name: "CRM", exact: true }).getByLabel("Chave no CRM de prazo"),
  ).toHaveValue("abc123_prazo");
  await shot("spec-form-advanced");
  await page.getByRole("button", { name: "JSON", exact: true }).click();
  expect(JSON.parse(await page.getByTestId("spec-json").inputValue())).toEqual(expected);
});

test("[SPEC]: a plugin's error shows on its field and blocks nothing else; removing the plugins removes their keys", async ({
  page,
  operatorApi,
}) => {
  const tenant = await onboardTenant(operatorApi, "specform");
  await openEditor(page, tenant);

  // Calendar through a webhook without its URL: the error is on the URL field.
  await page.getByRole("button", { name: "Adicionar plugin de agenda" }).click();
  const calendar = page.getByRole("group", { name: "Agenda", exact: true });
  await calendar.getByLabel("Backend").selectOption("webhook");
  const webhookUrl = calendar.getByLabel("URL do webhook");
  await expect(webhookUrl).toHaveAttribute("aria-invalid", "true");
  await expect(calendar.getByTestId("field-errors")).toHaveText('obrigatório quando o backend é "webhook"');

  // Reminders with the same offset twice: said under the offsets.
  await page.getByRole("button", { name: "Adicionar plugin de lembretes" }).click();
  const reminders = page.getByRole("group", { name: "Lembretes", exact: true });
  await reminders.getByRole("button", { name: /Adicionar item/ }).click();
  await reminders.getByLabel("Antecedência 2", { exact: true }).fill("1440");
  await expect(reminders.getByTestId("field-errors")).toHaveText("as antecedências não podem se repetir");
  await expect(page.getByTestId("spec-validity")).toHaveText("2 erros");

  // Nothing else is blocked: another field still edits, and the invalid draft still autosaves.
  const goal = `Agendar uma avaliação (${Date.now()})`;
  await page.getByRole("textbox", { name: "Objetivo 1", exact: true }).fill(goal);
  await saved(page);
  let draft = await getDraft(operatorApi, tenant);
  expect((draft.spec.goals as string[])[0]).toBe(goal);
  expect(draft.spec.plugins).toEqual({
    calendar: { backend: "webhook" },
    reminders: { offsetsMinutes: [1440, 1440] },
  });

  // Fixed where they were said.
  await webhookUrl.fill("https://n8n.example.com/webhook/agenda");
  await reminders.getByLabel("Antecedência 2", { exact: true }).fill("120");
  await expect(page.getByTestId("spec-validity")).toHaveText("Spec válida");
  await expect(calendar.getByTestId("field-errors")).toHaveCount(0);

  // Removing a plugin removes its key; removing the last one removes `plugins`.
  await page.getByRole("button", { name: "Remover plugin de agenda" }).click();
  await expect(page.getByRole("button", { name: "Adicionar plugin de agenda" })).toBeVisible();
  await saved(page);
  draft = await getDraft(operatorApi, tenant);
  expect(draft.spec.plugins).toEqual({ reminders: { offsetsMinutes: [1440, 120] } });
  await page.getByRole("button", { name: "Remover plugin de lembretes" }).click();
  await saved(page);
  draft = await getDraft(operatorApi, tenant);
  expect(draft.spec).not.toHaveProperty("plugins");
  await expect(page.getByTestId("spec-validity")).toHaveText("Spec válida");

  // A Pipedrive baseUrl off its API hosts (the CRM token would go there): said in Portuguese,
  // worded from the params, naming the hosts it may be.
  await page.getByRole("button", { name: "Adicionar plugin de CRM" }).click();
  const crm = page.getByRole("group", { name: "CRM", exact: true });
  await crm.getByLabel("Backend").selectOption("pipedrive");
  await crm.getByText("Avançado", { exact: true }).click();
  await crm.getByLabel("URL base da API").fill("https://collector.example/v1");
  await expect(crm.getByTestId("field-errors").filter({ hasText: "token do CRM" })).toHaveText(
    "deve ser uma URL https da API do Pipedrive (api.pipedrive.com ou <empresa>.pipedrive.com): o token do CRM é enviado para lá",
  );
  await crm.getByLabel("URL base da API").fill("https://api.pipedrive.com");
  await expect(crm.getByTestId("field-errors").filter({ hasText: "token do CRM" })).toHaveCount(0);
});

test("[SPEC]: an error written in the JSON view shows on its field in the form, and hours that overlap or close before they open are said on the interval", async ({
  page,
  operatorApi,
}) => {
  const tenant = await onboardTenant(operatorApi, "specform");
  await openEditor(page, tenant);
  await page.getByRole("button", { name: "JSON", exact: true }).click();
  const editor = page.getByTestId("spec-json");
  const spec = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
  await editor.fill(
    JSON.stringify(
      {
        ...spec,
        business: {
          ...(spec.business as Record<string, unknown>),
          hours: [
            { day: "tue", open: "08:00", close: "12:00" },
            { day: "tue", open: "11:00", close: "13:00" },
            { day: "wed", open: "18:00", close: "09:00" },
          ],
        },
        plugins: { crm: { backend: "webhook", qualifyFields: ["orcamento"] } },
      },
      null,
      2,
    ),
  );
  await saved(page);
  await page.getByRole("button", { name: "Formulário", exact: true }).click();

  const crm = page.getByRole("group", { name: "CRM", exact: true });
  await expect(crm.getByLabel("Backend")).toHaveValue("webhook");
  await expect(crm.getByLabel("Campo de qualificação 1", { exact: true })).toHaveValue("orcamento");
  await expect(crm.getByLabel("URL do webhook")).toHaveAttribute("aria-invalid", "true");
  await expect(crm.getByTestId("field-errors")).toHaveText('obrigatório quando o backend é "webhook"');

  await expect(page.getByLabel("Terça: abertura 2")).toHaveValue("11:00");
  await expect(page.locator('[data-path="business.hours.1"]').getByTestId("field-errors")).toHaveText(
    "sobrepõe hours.0 em tue",
  );
  await expect(page.getByLabel("Quarta: fechamento 1")).toHaveAttribute("aria-invalid", "true");
  await expect(page.locator('[data-path="business.hours.2"]').getByTestId("field-errors")).toHaveText(
    "deve ser depois da abertura",
  );
  await expect(page.locator('[data-path="business.hours.0"]').getByTestId("field-errors")).toHaveCount(0);

  // Form → JSON: removing Wednesday's interval leaves the other two, in their order.
  await page.getByRole("button", { name: "Remover faixa 1 de Quarta" }).click();
  await page.getByLabel("Terça: abertura 2").fill("12:00");
  await expect(page.getByTestId("spec-validity")).toHaveText("1 erro");
  await page.getByRole("button", { name: "JSON", exact: true }).click();
  const after = JSON.parse(await editor.inputValue()) as { business: { hours: unknown[] } };
  expect(after.business.hours).toEqual([
    { day: "tue", open: "08:00", close: "12:00" },
    { day: "tue", open: "12:00", close: "13:00" },
  ]);
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("[SPEC]: the form with every section open fits 390 px", async ({ page, operatorApi }) => {
    const tenant = await onboardTenant(operatorApi, "specform");
    const base = (await getDraft(operatorApi, tenant)).spec;
    await saveDraft(operatorApi, tenant, {
      ...base,
      business: {
        ...(base.business as Record<string, unknown>),
        hours: [
          { day: "mon", open: "08:00", close: "12:00" },
          { day: "mon", open: "14:00", close: "18:00" },
          { day: "mon", open: "19:00", close: "22:00" },
        ],
      },
      knowledge: [{ title: "Estacionamento", content: "Conveniado ao lado." }],
      templates: { reengagement: { name: "retomada_v1", language: "pt_BR" } },
      model: { provider: "openai", name: "gpt-4o-mini" },
      context: { recentMessages: 20 },
      plugins: {
        calendar: { backend: "webhook", webhookUrl: "https://n8n.example.com/webhook/agenda" },
        reminders: { offsetsMinutes: [1440, 120] },
        crm: {
          backend: "pipedrive",
          qualifyFields: ["orcamento"],
          customFields: { orcamento: "abc" },
          baseUrl: "https://api.pipedrive.com",
        },
      },
    });
    await openEditor(page, tenant);
    await expect(page.getByRole("group", { name: "CRM", exact: true })).toBeVisible();
    await expect(page.getByLabel("Segunda: abertura 3")).toHaveValue("19:00");
    // What sticks out past the window, to name the culprit on a failure.
    const wider = await page.evaluate(() =>
      Array.from(document.body.querySelectorAll("*"))
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 5)
        .map(
          (el) =>
            `${el.tagName.toLowerCase()}.${String(el.getAttribute("class")).slice(0, 50)} ${el.getAttribute("data-path") ?? ""}`,
        ),
    );
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      inner: window.innerWidth,
    }));
    expect(widths.scroll, wider.join(" | ")).toBeLessThanOrEqual(widths.inner);
  });
});
