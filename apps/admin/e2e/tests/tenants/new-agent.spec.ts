import { expect, test } from "../../fixtures/test.ts";
import { onboardTenant } from "../../fixtures/tenants.ts";
import { ok, trpcQuery } from "../../fixtures/trpc.ts";

test("[AGENTS]: an operator adds an agent to an onboarded tenant, starting from a copy of another's spec, and lands in its draft; it has no active version; a taken slug is refused in words; a menu then offers both agents", async ({
  page,
  apiSignin,
  operatorApi,
  shot,
}) => {
  const tenant = await onboardTenant(operatorApi, "agentes", { agentSlug: "recepcao" });
  await apiSignin("operator");
  await page.goto(`/tenants/${tenant.slug}`);
  await page.getByRole("button", { name: "+ Novo agente" }).click();
  const dialog = page.getByRole("dialog", { name: "Novo agente" });
  await expect(dialog.getByLabel("Começar de")).toHaveValue("recepcao");
  // Nothing red on a fresh form; a slug typed wrong says so as it is typed, before any submit.
  await expect(dialog.getByTestId("field-errors")).toHaveCount(0);
  await dialog.getByLabel("Identificador (slug)").fill("Vendas Loja");
  await expect(dialog.getByTestId("field-errors")).toHaveText("deve ser um slug em minúsculas (a-z, 0-9 e hífens simples)");
  await dialog.getByLabel("Nome").fill("Vendas");
  await dialog.getByLabel("Identificador (slug)").fill("vendas");
  await dialog.getByRole("button", { name: "Criar agente" }).click();

  // Its draft: the copied spec under its own name, valid, ready to publish.
  await expect(page).toHaveURL(new RegExp(`/tenants/${tenant.slug}/agents/vendas/spec$`));
  await expect(page.getByTestId("spec-form")).toBeVisible();
  await expect(page.getByTestId("spec-validity")).toHaveText("Spec válida");
  const draft = ok(await trpcQuery<{ source: string; spec: { agent: { name: string }; goals: string[] } }>(operatorApi, "drafts.get", { tenantSlug: tenant.slug, agentSlug: "vendas" }));
  expect(draft).toMatchObject({ source: "draft", spec: { agent: { name: "Vendas" }, goals: ["Agendar uma avaliação"] } });
  // Its compile warns, in Portuguese, that it has no re-engagement template.
  await page.goto(`/tenants/${tenant.slug}/agents/vendas/compile`);
  await expect(page.getByTestId("compile-warnings")).toContainText(
    "Sem templates.reengagement: as respostas fora da janela de 24 horas serão bloqueadas.",
  );

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
  await dialog.getByRole("button", { name: "Cancelar" }).click();

  // The tenant routes by number; a menu offering both agents, from the routing card.
  const routing = page.getByTestId("routing-card");
  await expect(routing.getByTestId("routing-summary")).toContainText("Por número");
  await routing.getByRole("button", { name: "Editar" }).click();
  const edit = page.getByRole("dialog", { name: "Roteamento" });
  // There are no steps on this page: "by number" points at the numbers card.
  await expect(edit.getByTestId("routing-number-hint")).toHaveText(
    "Cada número responde com o seu agente, escolhido no cartão Números desta página (Editar, em cada número).",
  );
  await edit.getByRole("button", { name: "Menu inicial" }).click();
  const options = edit.getByTestId("wizard-menu-option");
  await expect(options).toHaveCount(2);
  await options.nth(1).getByLabel("Opção 2 · Título").fill("");
  await edit.getByRole("button", { name: "Salvar roteamento" }).click();
  await expect(edit.getByTestId("wizard-menu")).toContainText("obrigatório");
  await options.nth(1).getByLabel("Opção 2 · Título").fill("Comprar");
  await edit.getByRole("button", { name: "Salvar roteamento" }).click();
  await expect(edit).toBeHidden();
  await expect(routing.getByTestId("routing-summary")).toContainText("Menu inicial");
  await expect(routing.getByTestId("routing-summary")).toContainText("2 Comprar → vendas");
  await expect(page.getByRole("main")).toContainText("Roteamento: Menu inicial");
  await shot("tenant-routing-menu");
  const changed = ok(
    await trpcQuery<{ items: { type: string; after: { routing: { mode: string } } }[] }>(operatorApi, "audit.list", {
      tenantSlug: tenant.slug,
      type: "tenant.routing_changed",
    }),
  );
  expect(changed.items.map((e) => e.after.routing.mode)).toEqual(["menu"]);
});
