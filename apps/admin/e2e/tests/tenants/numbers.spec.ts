import { randomInt } from "node:crypto";

import type { Page } from "@playwright/test";

import { conversationAnswered, customerSays, newCustomer } from "../../fixtures/customer.ts";
import { expectFitsLaptopScreen } from "../../fixtures/layout.ts";
import { expect, test } from "../../fixtures/test.ts";
import { onboardTenant } from "../../fixtures/tenants.ts";
import { ok, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";

test("[NUMBERS]: an operator adds a number to a tenant after onboarding and its customers are answered at once; then changes its display and replaces its token, which is never shown back", async ({
  page,
  apiSignin,
  operatorApi,
  request,
  shot,
}) => {
  test.setTimeout(90_000);
  const suffix = String(randomInt(100_000, 999_999));
  const tenant = await onboardTenant(operatorApi, "numeros", { agentSlug: "recepcao" });
  await apiSignin("operator");
  await page.goto(`/tenants/${tenant.slug}`);
  const card = page.getByTestId("numbers-card");
  await expect(card.getByText("Nenhum número")).toBeVisible();

  const phoneNumberId = `10990${suffix}0001`;
  await card.getByRole("button", { name: "+ Novo número" }).click();
  const dialog = page.getByRole("dialog", { name: "Novo número" });
  // Nothing is red on a fresh form; a field left empty says so once left, in one wording.
  await expect(dialog.getByTestId("field-errors")).toHaveCount(0);
  await dialog.getByLabel("phone_number_id (Meta)").focus();
  await dialog.getByLabel("Número exibido").focus();
  await dialog.getByLabel("Token de acesso (Graph API)").focus();
  await dialog.getByLabel("Tipo").focus();
  await expect(dialog.getByTestId("field-errors")).toHaveText(["obrigatório", "obrigatório", "obrigatório"]);
  await dialog.getByLabel("phone_number_id (Meta)").fill("+55 11 9");
  await dialog.getByLabel("Número exibido").fill(`+55 11 96${suffix}`);
  await dialog.getByLabel("Token de acesso (Graph API)").fill("env:WA_TOKEN");
  await dialog.getByRole("button", { name: "Adicionar número" }).click();
  await expect(dialog.getByTestId("field-errors")).toHaveText([
    "deve ter só dígitos (o phone_number_id da Meta)",
    "cole o próprio token, não uma referência env:",
  ]);
  await dialog.getByLabel("phone_number_id (Meta)").fill(phoneNumberId);
  await dialog.getByLabel("Token de acesso (Graph API)").fill("EAAG-primeiro-token");
  await dialog.getByLabel("Tipo").selectOption({ label: "Sandbox (teste)" });
  await dialog.getByRole("button", { name: "Adicionar número" }).click();
  await expect(dialog).toBeHidden();
  const row = card.locator(`[data-testid="number-row"][data-phone-number-id="${phoneNumberId}"]`);
  await expect(row).toContainText(`+55 11 96${suffix}`);
  await expect(row).toContainText("recepcao");
  await expect(row.getByTestId("number-state")).toHaveText("Ainda não respondeu");
  await expect(page.getByRole("main")).toContainText("Números: 1");

  // The webhook knows it at once: a customer writing to it is answered by the tenant's agent.
  const customer = newCustomer("Numero");
  await customerSays(request, customer, "Oi, vocês atendem sábado?", phoneNumberId);
  await conversationAnswered(operatorApi, customer, tenant.slug);

  // Changed: a new display and a new token; the token field starts empty and stays so.
  await row.getByRole("button", { name: `Editar +55 11 96${suffix}` }).click();
  const edit = page.getByRole("dialog", { name: `Editar +55 11 96${suffix}` });
  await expect(edit.getByLabel("phone_number_id (Meta)")).toHaveAttribute("readonly", "");
  await expect(edit.getByLabel("Novo token de acesso")).toHaveValue("");
  await edit.getByLabel("Número exibido").fill(`+55 11 95${suffix}`);
  await edit.getByLabel("Novo token de acesso").fill("EAAG-segundo-token");
  await edit.getByRole("button", { name: "Salvar" }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText(`+55 11 95${suffix}`);

  // Its sending paused (as the sender does after Meta's 190, an expired token): once the token is
  // replaced, the operator resumes it from here.
  const [added] = ok(await trpcQuery<{ id: string; phoneNumberId: string }[]>(operatorApi, "numbers.list", { tenantSlug: tenant.slug }));
  ok(await trpcMutation(operatorApi, "operations.pauseNumber", { numberId: added?.id, reason: "token expirado (190)" }));
  await page.reload();
  await expect(row.getByTestId("number-state")).toHaveText("Envio pausado: token expirado (190)");
  // A customer wrote to it: it can no longer be removed, only paused.
  const removeButton = row.getByRole("button", { name: `Remover +55 11 95${suffix}` });
  await expect(removeButton).toBeDisabled();
  // Why, on screen (a disabled button takes no focus, so a tooltip would reach no keyboard user).
  const why = row.getByTestId("number-not-removable");
  await expect(why).toHaveText("Clientes já escreveram para este número: pause-o em vez de removê-lo.");
  await expect(removeButton).toHaveAttribute("aria-describedby", (await why.getAttribute("id")) ?? "");
  await expectFitsLaptopScreen(page, card.getByTestId("numbers-table"), row.getByRole("button", { name: /^Editar/ }));
  await shot("tenant-numbers");
  await row.getByRole("button", { name: `Retomar +55 11 95${suffix}` }).click();
  const resume = page.getByRole("dialog", { name: `Retomar os envios de +55 11 95${suffix}?` });
  await resume.getByTestId("confirm-button").click();
  await expect(resume).toBeHidden();
  await expect(row.getByTestId("number-state")).toHaveText(/^Respondeu pela API em /);

  // The same Meta id again: refused in words.
  await card.getByRole("button", { name: "+ Novo número" }).click();
  await dialog.getByLabel("phone_number_id (Meta)").fill(phoneNumberId);
  await dialog.getByLabel("Número exibido").fill("+55 11 90000-0000");
  await dialog.getByLabel("Token de acesso (Graph API)").fill("EAAG-outro");
  await dialog.getByRole("button", { name: "Adicionar número" }).click();
  await expect(dialog.getByTestId("form-error")).toHaveText(`O phone_number_id ${phoneNumberId} já está em uso.`);
  await dialog.getByRole("button", { name: "Cancelar" }).click();

  // Audited, never with the token; nor does the page or its API answer carry it.
  const events = ok(
    await trpcQuery<{ items: { type: string; before: unknown; after: unknown }[] }>(operatorApi, "audit.list", { tenantSlug: tenant.slug, type: "number." }),
  );
  // (The customer's message also recorded the number's WABA, as Meta names it.)
  expect(events.items.map((e) => e.type).sort()).toEqual(["number.added", "number.paused", "number.unpaused", "number.updated", "number.waba_recorded"]);
  expect(events.items.find((e) => e.type === "number.updated")?.after).toEqual({ displayPhoneNumber: `+55 11 95${suffix}`, accessToken: "replaced" });
  expect(JSON.stringify(events)).not.toContain("EAAG");
  expect(JSON.stringify(ok(await trpcQuery(operatorApi, "numbers.list", { tenantSlug: tenant.slug })))).not.toContain("EAAG");
  await expect(page.getByRole("main")).not.toContainText("EAAG");
});

/** Adds a meta number through the card's "+ Novo número" dialog. */
async function addNumber(page: Page, number: { id: string; display: string }) {
  await page.getByTestId("numbers-card").getByRole("button", { name: "+ Novo número" }).click();
  const dialog = page.getByRole("dialog", { name: "Novo número" });
  await dialog.getByLabel("phone_number_id (Meta)").fill(number.id);
  await dialog.getByLabel("Número exibido").fill(number.display);
  await dialog.getByLabel("Token de acesso (Graph API)").fill("EAAG-token");
  await dialog.getByRole("button", { name: "Adicionar número" }).click();
  await expect(dialog).toBeHidden();
}

test("[NUMBERS]: an operator removes a number added with a mistyped Meta id, then adds the right one", async ({ page, apiSignin, operatorApi }) => {
  const suffix = String(randomInt(100_000, 999_999));
  const tenant = await onboardTenant(operatorApi, "numero-errado", { agentSlug: "recepcao" });
  await apiSignin("operator");
  await page.goto(`/tenants/${tenant.slug}`);
  const card = page.getByTestId("numbers-card");
  const display = `+55 11 94${suffix}`;
  const [typo, right] = [`10991${suffix}0001`, `10991${suffix}0010`];

  await addNumber(page, { id: typo, display });
  const wrong = card.locator(`[data-testid="number-row"][data-phone-number-id="${typo}"]`);
  await wrong.getByRole("button", { name: `Remover ${display}` }).click();
  const confirm = page.getByRole("dialog", { name: `Remover ${display}?` });
  await expect(confirm).toContainText(`O phone_number_id ${typo} fica livre`);
  await confirm.getByTestId("confirm-button").click();
  await expect(confirm).toBeHidden();
  await expect(page.getByText(`Número ${display} removido.`)).toBeVisible();
  await expect(card.getByText("Nenhum número")).toBeVisible();

  await addNumber(page, { id: right, display });
  await expect(card.getByTestId("number-row")).toHaveCount(1);
  await expect(card.locator(`[data-testid="number-row"][data-phone-number-id="${right}"]`)).toContainText(display);
  const events = ok(await trpcQuery<{ items: { type: string; before: unknown }[] }>(operatorApi, "audit.list", { tenantSlug: tenant.slug, type: "number.removed" }));
  expect(events.items).toEqual([expect.objectContaining({ before: expect.objectContaining({ phoneNumberId: typo }) })]);
});
