import { randomInt } from "node:crypto";

import { customerSays, newCustomer } from "../../fixtures/customer.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcQuery } from "../../fixtures/trpc.ts";

test("[ONBOARDING]: onboards a tenant through the wizard — intake, path-named errors, first AgentSpec at 1.0.0 — and its sandbox number answers", async ({
  page,
  apiSignin,
  operatorApi,
  request,
  shot,
}) => {
  const suffix = String(randomInt(1000, 9999));
  const name = `Clínica Aurora ${suffix}`;
  const slug = `clinica-aurora-${suffix}`;
  const phoneNumberId = `1099${String(randomInt(0, 1e9)).padStart(9, "0")}`;
  await apiSignin("operator");
  await page.goto("/tenants");
  await page.evaluate(() => window.localStorage.removeItem("lx.onboarding"));
  await page.getByRole("link", { name: "Nova empresa" }).click();
  await expect(page.getByRole("heading", { name: "Nova empresa", level: 1 })).toBeVisible();

  // 1. Tenant: the slug follows the name.
  await page.getByLabel("Nome da empresa").fill(name);
  await expect(page.getByLabel("Identificador da empresa")).toHaveValue(slug);
  await page.getByRole("button", { name: "Próximo →" }).click();

  // 2. Agent: the spec form, with the errors of what is still missing counted on the step.
  await expect(page.getByTestId("spec-form")).toBeVisible();
  await expect(page.getByTestId("wizard-step-agent")).toContainText("erro");
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

  // 4. Numbers: a bad phone_number_id is named by its path.
  await page.getByRole("button", { name: /Adicionar número/ }).click();
  const number = page.getByTestId("wizard-number");
  await number.getByLabel("phone_number_id (Meta)").fill("12ab");
  await number.getByLabel("Número exibido").fill(`+55 19 99999-${suffix}`);
  await number.getByLabel("Token de acesso (Graph API)").fill(`sandbox-token-${suffix}`);
  await expect(number).toContainText("must be digits");
  await page.getByTestId("wizard-step-review").click();
  await expect(page.getByTestId("spec-errors")).toContainText("numbers.0.phoneNumberId");
  await expect(page.getByTestId("wizard-create")).toBeDisabled();
  await page.getByTestId("wizard-step-numbers").click();
  await number.getByLabel("phone_number_id (Meta)").fill(phoneNumberId);
  await page.getByRole("button", { name: "Próximo →" }).click();

  // 5. Review and create.
  await expect(page.getByTestId("wizard-ready")).toHaveText("Tudo certo para criar.");
  await expect(page.getByTestId("wizard-summary")).toContainText(`${name} (${slug})`);
  await expect(page.getByTestId("wizard-summary")).toContainText("Agente Aurora (atendimento)");
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

  // The new tenant's sandbox number answers a customer with the new agent (knowledge included).
  const customer = newCustomer("Aurora");
  await customerSays(request, customer, "Olá, tem estacionamento?", phoneNumberId);
  await expect
    .poll(
      async () => {
        const list = ok(
          await trpcQuery<{ items: { lastMessage: { author: string } | null }[] }>(
            operatorApi,
            "conversations.list",
            {
              tenantSlug: slug,
            },
          ),
        );
        return list.items[0]?.lastMessage?.author ?? "none";
      },
      { timeout: 30_000 },
    )
    .toBe("bot");
});

test("[ONBOARDING]: a taken slug is refused by the server and nothing is created", async ({
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
  await expect(page.getByTestId("toast-error")).toContainText('tenant.slug: "haven" is already taken');
  await expect(page).toHaveURL(/\/tenants\/new$/);
});
