import { randomInt } from "node:crypto";

import type { APIRequestContext } from "@playwright/test";

import { customerSays, newCustomer } from "../../fixtures/customer.ts";
import { withStackDb } from "../../fixtures/db.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcQuery } from "../../fixtures/trpc.ts";

type Thread = {
  messages: { author: string; body: string; agentVersion: { agentSlug: string } | null }[];
};

/** The newest conversation of a tenant, once it has a message by `author` (polled). */
async function waitForMessage(
  api: APIRequestContext,
  tenantSlug: string,
  match: (m: Thread["messages"][number]) => boolean,
): Promise<void> {
  await expect
    .poll(
      async () => {
        const list = ok(
          await trpcQuery<{ items: { id: string }[] }>(api, "conversations.list", { tenantSlug }),
        );
        const id = list.items[0]?.id;
        if (!id) {
          return false;
        }
        const thread = ok(
          await trpcQuery<Thread>(api, "conversations.byId", { tenantSlug, conversationId: id }),
        );
        return thread.messages.some(match);
      },
      { timeout: 30_000 },
    )
    .toBe(true);
}

/** A tenant nobody has created yet: name, the slug the wizard derives from it, a free number id. */
function newTenant(prefix: string) {
  const suffix = String(randomInt(1000, 9999));
  const name = `${prefix} ${suffix}`;
  const slug = `${prefix
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/ /g, "-")}-${suffix}`;
  return { suffix, name, slug, phoneNumberId: `109${String(randomInt(0, 1e10)).padStart(10, "0")}` };
}

test("[ONBOARDING]: onboards a tenant through the wizard — intake, path-named errors, first AgentSpec at 1.0.0 — and its sandbox number answers", async ({
  page,
  apiSignin,
  operatorApi,
  request,
  shot,
}) => {
  const { suffix, name, slug, phoneNumberId } = newTenant("Clínica Aurora");
  await apiSignin("operator");
  await page.goto("/tenants");
  await page.evaluate(() => window.localStorage.removeItem("lx.onboarding"));
  await page.getByRole("link", { name: "Nova empresa" }).click();
  await expect(page.getByRole("heading", { name: "Nova empresa", level: 1 })).toBeVisible();

  // 1. Tenant: nothing is red on a fresh wizard (no field errors, no step badges).
  const stepsNav = page.getByRole("navigation", { name: "Passos do assistente" });
  await expect(page.getByTestId("field-errors")).toHaveCount(0);
  await expect(stepsNav).not.toContainText("erro");
  // A slug typed wrong says so as it is typed; the slug follows the name.
  await page.getByLabel("Identificador da empresa").fill("Clinica Aurora");
  await expect(page.getByTestId("field-errors")).toHaveText([
    "deve ser um slug em minúsculas (a-z, 0-9 e hífens simples)",
  ]);
  await expect(page.getByTestId("wizard-step-tenant")).toContainText("1 erro");
  await page.getByLabel("Identificador da empresa").fill("");
  await page.getByLabel("Nome da empresa").fill(name);
  await page.getByLabel("Identificador da empresa").fill(slug);
  await expect(page.getByLabel("Identificador da empresa")).toHaveValue(slug);
  await page.getByRole("button", { name: "Próximo →" }).click();

  // 2. Agent: the spec form, fresh (not red); once the operator tries to move on, what is still
  // missing is counted on the step and shown on its fields.
  await expect(page.getByTestId("spec-form")).toBeVisible();
  await expect(page.getByTestId("wizard-step-agent")).not.toContainText("erro");
  await expect(page.getByTestId("field-errors")).toHaveCount(0);
  await page.getByRole("button", { name: "Próximo →" }).click();
  await expect(page.getByTestId("wizard-step-agent")).toContainText("erro");
  await page.getByRole("button", { name: "← Voltar" }).click();
  await expect(page.getByTestId("field-errors").first()).toBeVisible();
  await page.locator('[data-path="agent.name"]').fill("Aurora");
  await expect(page.locator('[data-path="business.name"]')).toHaveValue(name);
  await page
    .locator('[data-path="business.description"]')
    .fill("Clínica de fisioterapia e pilates em Campinas.");
  await page.locator('[data-path="goals.0"]').fill("Agendar uma avaliação");
  const keywords = page.locator('fieldset[data-path="handoff.keywords"]');
  await keywords.getByRole("button", { name: /Adicionar/ }).click();
  await page.locator('[data-path="handoff.keywords.0"]').fill("atendente");
  await page.locator('[data-path="handoff.message"]').fill("Vou chamar alguém da equipe, um momento!");
  await expect(page.getByTestId("wizard-step-agent")).not.toContainText("erro");
  await page.getByRole("button", { name: "Próximo →" }).click();

  // 3. Knowledge.
  await page.getByRole("button", { name: /Adicionar documento/ }).click();
  const doc = page.getByTestId("wizard-doc");
  await doc.getByLabel("Título").fill("Estacionamento");
  await doc.getByLabel("Conteúdo").fill("Estacionamento conveniado ao lado, 2 horas grátis para pacientes.");
  await page.getByRole("button", { name: "Próximo →" }).click();

  // 4. Templates: the agent's re-engagement template, its parameter checked as the runtime fills it.
  await page.getByRole("button", { name: /Adicionar template/ }).click();
  const template = page.getByTestId("wizard-template");
  // A new template is not red at once.
  await expect(template.getByTestId("field-errors")).toHaveCount(0);
  await expect(page.getByTestId("wizard-step-templates")).not.toContainText("erro");
  await template.getByLabel("Nome (Meta)").fill("retomada_aurora_v1");
  await expect(template.getByLabel("Idioma (Meta)")).toHaveValue("pt_BR");
  const body = template.getByLabel("Texto aprovado");
  await body.fill("Olá {{1}}, aqui é a Aurora. Podemos continuar de onde paramos, {{2}}?");
  await expect(template).toContainText("um template de reengajamento aceita no máximo um parâmetro");
  await body.fill("Olá {{1}}, aqui é a Aurora. Podemos continuar de onde paramos?");
  await expect(template.getByTestId("template-params")).toHaveText(
    "Parâmetros: {{1}} = primeiro nome do cliente",
  );
  const agentTemplates = page.getByTestId("wizard-agent-templates");
  await expect(agentTemplates).toContainText("sem template de reengajamento");
  await agentTemplates.getByLabel("Retomada", { exact: true }).selectOption("retomada_aurora_v1|pt_BR");
  await expect(agentTemplates).not.toContainText("sem template de reengajamento");
  // Renaming the template carries the agent's reference along.
  await template.getByLabel("Nome (Meta)").fill("retomada_aurora_v2");
  await expect(agentTemplates.getByLabel("Retomada", { exact: true })).toHaveValue(
    "retomada_aurora_v2|pt_BR",
  );
  await expect(page.getByTestId("wizard-step-templates")).not.toContainText("erro");
  await page.getByRole("button", { name: "Próximo →" }).click();

  // 5. Routing: one agent, by number.
  await expect(page.getByRole("button", { name: "Por número" })).toHaveAttribute("aria-pressed", "true");
  await page.getByRole("button", { name: "Próximo →" }).click();

  // 6. Numbers: a bad phone_number_id is named by its path.
  await page.getByRole("button", { name: /Adicionar número/ }).click();
  const number = page.getByTestId("wizard-number");
  await number.getByLabel("phone_number_id (Meta)").fill("12ab");
  await number.getByLabel("Número exibido").fill(`+55 19 99999-${suffix}`);
  await number.getByLabel("Token de acesso (Graph API)").fill(`sandbox-token-${suffix}`);
  await expect(number).toContainText("deve ter só dígitos");
  await page.getByTestId("wizard-step-review").click();
  // Review errors name the field as the screens do (counted from 1), not by the apply file's path.
  await expect(page.getByTestId("spec-errors")).toContainText(
    "Número 1 › phone_number_id (Meta): deve ter só dígitos",
  );
  await expect(page.getByTestId("spec-errors")).not.toContainText("numbers.0");
  await shot("onboarding-wizard-review-errors");
  await expect(page.getByTestId("wizard-create")).toBeDisabled();
  await page.getByTestId("wizard-step-numbers").click();
  await number.getByLabel("phone_number_id (Meta)").fill(phoneNumberId);
  await page.getByRole("button", { name: "Próximo →" }).click();

  // 7. Review and create.
  await expect(page.getByTestId("wizard-ready")).toHaveText("Tudo certo para criar.");
  const summary = page.getByTestId("wizard-summary");
  await expect(summary).toContainText(`${name} (${slug})`);
  await expect(summary).toContainText("Agente Aurora (atendimento)");
  await expect(summary).toContainText("1 template");
  await expect(summary).toContainText("Roteamento por número");
  await expect(summary).toContainText("Métricas por dia no fuso America/Sao_Paulo");
  await expect(page.getByTestId("wizard-warnings")).toHaveCount(0);
  await shot("onboarding-wizard-review");
  await page.getByTestId("wizard-create").click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${slug}$`));
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  const agent = page.getByTestId("agent-row-atendimento");
  await expect(agent).toContainText("Aurora");
  await expect(agent.getByTestId("active-badge")).toHaveText("v1.0.0 ativa");
  await shot("onboarding-wizard-created");

  const audit = ok(
    await trpcQuery<{ items: { type: string; actorLabel: string }[] }>(operatorApi, "audit.list", {
      tenantSlug: slug,
    }),
  );
  expect(audit.items.map((e) => e.type)).toEqual(
    expect.arrayContaining(["tenant.onboarded", "apply.completed"]),
  );
  expect(audit.items.find((e) => e.type === "tenant.onboarded")?.actorLabel).toBe("operador@lx.local");
  // The template, the agent's reference to it in the live bundle, and the tenant's time zone.
  const stored = await withStackDb(
    (sql) => sql`
      select t.name, t.language, t.purpose, t.body, tn.time_zone,
             v.bundle -> 'templates' -> 'reengagement' ->> 'name' as agent_template
      from templates t join tenants tn on tn.id = t.tenant_id
      join agents a on a.tenant_id = tn.id join agent_versions v on v.id = a.active_version_id
      where tn.slug = ${slug}`,
  );
  expect(stored).toEqual([
    {
      name: "retomada_aurora_v2",
      language: "pt_BR",
      purpose: "reengagement",
      body: "Olá {{1}}, aqui é a Aurora. Podemos continuar de onde paramos?",
      time_zone: "America/Sao_Paulo",
      agent_template: "retomada_aurora_v2",
    },
  ]);

  // The new tenant's sandbox number answers a customer with the new agent (knowledge included).
  const customer = newCustomer("Aurora");
  await customerSays(request, customer, "Olá, tem estacionamento?", phoneNumberId);
  await waitForMessage(
    operatorApi,
    slug,
    (m) => m.author === "bot" && m.agentVersion?.agentSlug === "atendimento",
  );
});

test("[ONBOARDING]: two agents behind an initial menu — the wizard routes by menu and the customer's choice answers", async ({
  page,
  apiSignin,
  operatorApi,
  request,
  shot,
}) => {
  const { suffix, name, slug, phoneNumberId } = newTenant("Estúdio Vento");
  await apiSignin("operator");
  await page.goto("/tenants/new");
  await page.evaluate(() => window.localStorage.removeItem("lx.onboarding"));
  await page.reload();
  await page.getByLabel("Nome da empresa").fill(name);
  await page.getByTestId("wizard-step-agent").click();

  // Agent 1, the receptionist.
  await page.locator('[data-path="agent.name"]').fill("Lia");
  await page.locator('[data-path="business.description"]').fill("Estúdio de pilates e yoga em Curitiba.");
  await page.locator('[data-path="goals.0"]').fill("Agendar uma aula experimental");
  await page.locator('[data-path="handoff.message"]').fill("Já chamo alguém da equipe!");
  await expect(page.getByTestId("wizard-step-agent")).not.toContainText("erro");

  // Agent 2, sales: the business facts come from the first agent; its own errors show on its tab.
  await page.getByRole("button", { name: /Adicionar agente/ }).click();
  const tabs = page.getByTestId("wizard-agent-tab");
  await expect(tabs).toHaveCount(2);
  await expect(tabs.nth(1)).toHaveAttribute("aria-pressed", "true");
  await expect(page.locator('[data-path="business.description"]')).toHaveValue(
    "Estúdio de pilates e yoga em Curitiba.",
  );
  // A new agent is not red at once; a slug typed wrong shows on its field and its tab.
  await expect(tabs.nth(1)).not.toContainText("erro");
  await page.getByLabel("Identificador do agente").fill("Vendas Loja");
  await expect(tabs.nth(1)).toContainText("erro");
  await expect(page.getByText("deve ser um slug em minúsculas (a-z, 0-9 e hífens simples)")).toBeVisible();
  await page.getByLabel("Identificador do agente").fill("vendas");
  await page.locator('[data-path="agent.name"]').fill("Vitor");
  await page.locator('[data-path="goals.0"]').fill("Apresentar os planos mensais");
  await page.locator('[data-path="handoff.message"]').fill("Um consultor já te responde.");
  await expect(tabs.nth(1)).toHaveText("2. vendas");
  await expect(page.getByTestId("wizard-step-agent")).not.toContainText("erro");

  // Routing: the initial menu starts with one option per agent.
  await page.getByTestId("wizard-step-routing").click();
  await page.getByRole("button", { name: "Menu inicial" }).click();
  const options = page.getByTestId("wizard-menu-option");
  await expect(options).toHaveCount(2);
  await options
    .nth(1)
    .getByLabel(/Título/)
    .fill("Planos e preços");
  await expect(options.nth(1).getByLabel("Agente")).toHaveValue("vendas");
  // Two options are reply buttons: WhatsApp shows 20 characters of "2 Planos e preços", so 18 to type.
  await expect(options.nth(1).getByLabel(/Título/)).toHaveAttribute("maxlength", "18");
  const prompt = page.getByLabel("Mensagem do menu");
  await prompt.fill(" ");
  await expect(page.getByTestId("wizard-menu")).toContainText("obrigatório");
  await expect(page.getByTestId("wizard-step-routing")).toContainText("1 erro");
  await prompt.fill("Olá! Você quer agendar uma aula ou conhecer os planos?");
  await expect(page.getByTestId("wizard-menu-preview")).toHaveText(
    "Olá! Você quer agendar uma aula ou conhecer os planos?\n1 Lia\n2 Planos e preços",
  );
  await shot("onboarding-wizard-menu");

  // One sandbox number (the menu picks the agent, so the number needs none).
  await page.getByTestId("wizard-step-numbers").click();
  await page.getByRole("button", { name: /Adicionar número/ }).click();
  const number = page.getByTestId("wizard-number");
  await number.getByLabel("phone_number_id (Meta)").fill(phoneNumberId);
  await number.getByLabel("Número exibido").fill(`+55 41 99999-${suffix}`);
  await number.getByLabel("Token de acesso (Graph API)").fill(`sandbox-token-${suffix}`);
  await expect(number.getByLabel("Agente do número")).toHaveCount(0);

  // Review: both agents, the menu, and the warnings that do not block (no re-engagement templates).
  await page.getByTestId("wizard-step-review").click();
  await expect(page.getByTestId("wizard-ready")).toBeVisible();
  const summary = page.getByTestId("wizard-summary");
  await expect(summary).toContainText("Agente Lia (atendimento)");
  await expect(summary).toContainText("Agente Vitor (vendas)");
  await expect(summary).toContainText("Roteamento por menu inicial");
  const warnings = page.getByTestId("wizard-warnings");
  await expect(warnings).toContainText("Agente 1 › Templates › Retomada");
  await expect(warnings).toContainText("Agente 2 › Templates › Retomada");
  await expect(warnings).toContainText(
    "sem template de reengajamento: as respostas fora da janela de 24 horas serão bloqueadas",
  );
  await page.getByTestId("wizard-create").click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${slug}$`));
  for (const agent of ["atendimento", "vendas"]) {
    await expect(page.getByTestId(`agent-row-${agent}`).getByTestId("active-badge")).toHaveText(
      "v1.0.0 ativa",
    );
  }
  const tenant = ok(
    await trpcQuery<{ routing: unknown }>(operatorApi, "tenants.bySlug", { tenantSlug: slug }),
  );
  expect(tenant.routing).toEqual({
    mode: "menu",
    prompt: "Olá! Você quer agendar uma aula ou conhecer os planos?",
    options: [
      { title: "Lia", agent: "atendimento" },
      { title: "Planos e preços", agent: "vendas" },
    ],
  });

  // A customer gets the menu, answers "2", and the sales agent answers.
  const customer = newCustomer("Vento");
  await customerSays(request, customer, "Oi!", phoneNumberId);
  await waitForMessage(
    operatorApi,
    slug,
    (m) => m.author === "system" && m.body.includes("2 Planos e preços"),
  );
  await customerSays(request, customer, "2", phoneNumberId);
  await waitForMessage(
    operatorApi,
    slug,
    (m) => m.author === "bot" && m.agentVersion?.agentSlug === "vendas",
  );
});

test("[ONBOARDING]: an intake saved by the one-agent wizard carries over; a taken slug is refused by the server and nothing is created", async ({
  page,
  apiSignin,
}) => {
  await apiSignin("operator");
  await page.goto("/tenants/new");
  await page.evaluate(() =>
    window.localStorage.setItem(
      "lx.onboarding",
      JSON.stringify({
        tenantName: "Haven de novo",
        tenantSlug: "haven",
        slugTouched: true,
        agentSlug: "atendimento",
        spec: {
          specVersion: 1,
          agent: { name: "Bia", role: "general", language: "pt-BR", timezone: "America/Sao_Paulo" },
          business: { name: "Haven de novo", description: "Outra Haven." },
          goals: ["Atender"],
          handoff: { keywords: ["atendente"], allowModelRequest: true, message: "Já chamo alguém." },
        },
        numbers: [],
        activate: true,
      }),
    ),
  );
  await page.reload();
  await page.getByTestId("wizard-step-review").click();
  await expect(page.getByTestId("wizard-ready")).toBeVisible();
  await page.getByTestId("wizard-create").click();
  // In Portuguese, from the refusal's reason (onboarding.slug_taken), not the API's English sentence.
  await expect(page.getByTestId("toast-error")).toContainText("O identificador “haven” já está em uso por outra empresa: escolha outro.");
  await expect(page.getByTestId("toast-error")).not.toContainText("already taken");
  await expect(page).toHaveURL(/\/tenants\/new\?step=review$/);
});

/** The one-agent intake of the test above, for a tenant of its own (valid: the review is ready). */
function legacyIntake(name: string, slug: string) {
  return {
    tenantName: name,
    tenantSlug: slug,
    slugTouched: true,
    agentSlug: "atendimento",
    spec: {
      specVersion: 1,
      agent: { name: "Bia", role: "general", language: "pt-BR", timezone: "America/Sao_Paulo" },
      business: { name, description: "Uma clínica de teste." },
      goals: ["Atender"],
      handoff: { keywords: ["atendente"], allowModelRequest: true, message: "Já chamo alguém." },
    },
    numbers: [],
    activate: true,
  };
}

test("[ONBOARDING]: the step is in the URL — Back returns to the previous step, a reload stays, a step not reachable yet falls back", async ({
  page,
  apiSignin,
}) => {
  const { name, slug } = newTenant("Clínica Volta");
  await apiSignin("operator");
  await page.goto("/tenants");
  await page.evaluate(() => window.localStorage.removeItem("lx.onboarding"));
  await page.getByRole("link", { name: "Nova empresa" }).click();
  await expect(page).toHaveURL(/\/tenants\/new$/);
  await page.getByLabel("Nome da empresa").fill(name);
  await page.getByRole("button", { name: "Próximo →" }).click();
  await expect(page).toHaveURL(/\/tenants\/new\?step=agent$/);
  await expect(page.getByTestId("wizard-step-agent")).toHaveAttribute("aria-current", "step");

  // The browser's Back: the previous step, with what was typed; Forward: the agent again.
  await page.goBack();
  await expect(page).toHaveURL(/\/tenants\/new$/);
  await expect(page.getByTestId("wizard-step-tenant")).toHaveAttribute("aria-current", "step");
  await expect(page.getByLabel("Nome da empresa")).toHaveValue(name);
  await page.goForward();
  await expect(page.getByTestId("wizard-step-agent")).toHaveAttribute("aria-current", "step");

  // A reload stays on the step.
  await page.reload();
  await expect(page).toHaveURL(/\/tenants\/new\?step=agent$/);
  await expect(page.getByTestId("wizard-step-agent")).toHaveAttribute("aria-current", "step");
  await expect(page.getByTestId("wizard-step-tenant")).not.toHaveAttribute("aria-current", "step");

  // The routing while the agent is unfinished: the first incomplete step (the agent) instead.
  await page.goto("/tenants/new?step=routing");
  await expect(page).toHaveURL(/\/tenants\/new\?step=agent$/);
  await expect(page.getByTestId("wizard-step-agent")).toHaveAttribute("aria-current", "step");
  // A fresh intake cannot be past its first step.
  await page.evaluate(() => window.localStorage.removeItem("lx.onboarding"));
  await page.goto("/tenants/new?step=review");
  await expect(page).toHaveURL(/\/tenants\/new$/);
  await expect(page.getByTestId("wizard-step-tenant")).toHaveAttribute("aria-current", "step");

  // A complete intake may open on its review (a reload there stays there).
  await page.evaluate(
    (intake) => window.localStorage.setItem("lx.onboarding", JSON.stringify(intake)),
    legacyIntake(name, slug),
  );
  await page.goto("/tenants/new?step=review");
  await expect(page.getByTestId("wizard-ready")).toBeVisible();
  await page.reload();
  await expect(page.getByTestId("wizard-ready")).toBeVisible();
  await expect(page).toHaveURL(/\/tenants\/new\?step=review$/);
});

test('[ONBOARDING]: "Criar empresa" clicked twice in the same tick creates the tenant once, without an error', async ({
  page,
  apiSignin,
}) => {
  const { name, slug } = newTenant("Clínica Dois Cliques");
  await apiSignin("operator");
  await page.goto("/tenants/new");
  await page.evaluate(
    (intake) => window.localStorage.setItem("lx.onboarding", JSON.stringify(intake)),
    legacyIntake(name, slug),
  );
  await page.reload();
  await page.getByTestId("wizard-step-review").click();
  await expect(page.getByTestId("wizard-ready")).toBeVisible();

  // Every onboarding.create the page sends (a batch counts each call in it).
  let creates = 0;
  page.on("request", (req) => {
    const path = new URL(req.url()).pathname;
    if (path.startsWith("/trpc/")) {
      creates += path
        .slice("/trpc/".length)
        .split(",")
        .filter((p) => p === "onboarding.create").length;
    }
  });
  await page.getByTestId("wizard-create").evaluate((button: HTMLButtonElement) => {
    button.click();
    button.click();
  });
  await expect(page).toHaveURL(new RegExp(`/tenants/${slug}$`));
  await expect(page.getByTestId("toast-success")).toContainText(`${name} criada`);
  await expect(page.getByTestId("toast-error")).toHaveCount(0);
  expect(creates).toBe(1);
});
