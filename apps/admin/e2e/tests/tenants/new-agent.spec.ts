import { expect, test } from "../../fixtures/test.ts";
import { onboardTenant } from "../../fixtures/tenants.ts";
import { ok, trpcQuery } from "../../fixtures/trpc.ts";

test("[AGENTS]: an operator adds an agent to an onboarded tenant, starting from a copy of another's spec, and lands in its draft; it has no active version; a taken slug is refused in words", async ({
  page,
  apiSignin,
  operatorApi,
}) => {
  const tenant = await onboardTenant(operatorApi, "agentes", { agentSlug: "recepcao" });
  await apiSignin("operator");
  await page.goto(`/tenants/${tenant.slug}`);
  await page.getByRole("button", { name: "+ Novo agente" }).click();
  const dialog = page.getByRole("dialog", { name: "Novo agente" });
  await expect(dialog.getByLabel("Começar de")).toHaveValue("recepcao");
  await dialog.getByLabel("Identificador (slug)").fill("Vendas 1");
  await dialog.getByLabel("Nome").fill("Vendas");
  await dialog.getByRole("button", { name: "Criar agente" }).click();
  await expect(dialog.getByTestId("field-errors")).toHaveText("deve ser um slug em minúsculas (a-z, 0-9 e hífens simples)");
  await dialog.getByLabel("Identificador (slug)").fill("vendas");
  await dialog.getByRole("button", { name: "Criar agente" }).click();

  // Its draft: the copied spec under its own name, valid, ready to publish.
  await expect(page).toHaveURL(new RegExp(`/tenants/${tenant.slug}/agents/vendas/spec$`));
  await expect(page.getByTestId("spec-form")).toBeVisible();
  await expect(page.getByTestId("spec-validity")).toHaveText("Spec válida");
  const draft = ok(await trpcQuery<{ source: string; spec: { agent: { name: string }; goals: string[] } }>(operatorApi, "drafts.get", { tenantSlug: tenant.slug, agentSlug: "vendas" }));
  expect(draft).toMatchObject({ source: "draft", spec: { agent: { name: "Vendas" }, goals: ["Agendar uma avaliação"] } });

  await page.goto(`/tenants/${tenant.slug}`);
  const row = page.getByTestId("agent-row-vendas");
  await expect(row).toContainText("Vendas");
  await expect(row).toContainText("Nenhuma versão ativa");

  // The same slug again.
  await page.getByRole("button", { name: "+ Novo agente" }).click();
  await dialog.getByLabel("Identificador (slug)").fill("vendas");
  await dialog.getByLabel("Nome").fill("Outro");
  await dialog.getByLabel("Começar de").selectOption({ label: "Spec inicial, a completar" });
  await dialog.getByRole("button", { name: "Criar agente" }).click();
  await expect(dialog.getByTestId("form-error")).toHaveText("A empresa já tem um agente vendas.");
});
