import { randomInt } from "node:crypto";

import { customerSays } from "../../fixtures/customer.ts";
import { HAVEN } from "../../fixtures/data.ts";
import { onboardTenant } from "../../fixtures/tenants.ts";
import { expect, test } from "../../fixtures/test.ts";

/** "+55 11 98765 4321" (libphonenumber's international format) from the digits. */
const formatted = (waId: string) => `+55 11 ${waId.slice(4, 9)} ${waId.slice(9)}`;

test("[INBOX]: customers who share a profile name are told apart by their formatted number, in the list and the thread header", async ({
  page,
  apiSignin,
  request,
  shot,
}) => {
  // Two customers whose WhatsApp profile name is the same.
  const name = `Sandbox ${randomInt(100_000, 999_999)}`;
  const customers = [0, 1].map(() => ({ waId: `5511987${randomInt(100_000, 999_999)}`, name }));
  for (const customer of customers) {
    await customerSays(request, customer, "Oi, quero marcar uma aula");
  }
  await apiSignin("operator");
  await page.goto(`/tenants/${HAVEN.slug}/conversations?q=${encodeURIComponent(name)}`);
  const rows = page.getByTestId("conversation-row");
  await expect(rows).toHaveCount(2, { timeout: 30_000 });
  for (const customer of customers) {
    const row = rows.filter({ hasText: formatted(customer.waId) });
    await expect(row).toHaveCount(1);
    await expect(row.getByTestId("conversation-number")).toHaveText(formatted(customer.waId));
  }
  // The chips count what the search lists.
  const modes = page.getByRole("group", { name: "Modo" });
  await expect(modes.getByRole("button", { name: /^Todas/ })).toHaveText(/Todas\s*2$/);

  await rows.filter({ hasText: formatted(customers[0]!.waId) }).click();
  const header = page.getByTestId("thread-header");
  // The customer's number and the business number in the same format.
  await expect(header.getByTestId("customer-number")).toHaveText(formatted(customers[0]!.waId));
  await expect(header).toContainText(/Número: \+55 \d{2} \d{4,5} \d{4}/);
  await expect(header).not.toContainText(`+${customers[0]!.waId}`);
  await shot("inbox-same-name-customers");
});

test("[INBOX]: the empty list says why — nothing yet, a search without hits (with its counts), filters without hits — and offers the way back", async ({
  page,
  apiSignin,
  operatorApi,
  shot,
}) => {
  // A tenant with no conversation at all.
  const tenant = await onboardTenant(operatorApi, "vazia");
  await apiSignin("operator");
  await page.goto(`/tenants/${tenant.slug}/conversations`);
  const list = page.getByTestId("conversation-list");
  await expect(list).toContainText("Nenhuma conversa ainda.");
  await expect(list).not.toContainText("com estes filtros");

  // A search without hits in a tenant that has conversations: said so, with counts of zero.
  await page.goto(`/tenants/${HAVEN.slug}/conversations`);
  await expect(page.getByTestId("conversation-row").first()).toBeVisible({ timeout: 30_000 });
  const query = `ninguém-${randomInt(100_000, 999_999)}`;
  await page.getByLabel("Buscar", { exact: true }).fill(query);
  await page.getByRole("button", { name: "Buscar" }).click();
  await expect(list).toContainText(`Nenhuma conversa encontrada para “${query}”.`);
  await expect(list).not.toContainText("quando um cliente escreve");
  const modes = page.getByRole("group", { name: "Modo" });
  await expect(modes.getByRole("button", { name: /^Todas/ })).toHaveText(/Todas\s*0$/);
  await shot("inbox-search-no-hits");
  await list.getByRole("button", { name: "Limpar busca" }).click();
  await expect(page).not.toHaveURL(/q=/);
  await expect(page.getByTestId("conversation-row").first()).toBeVisible();
  await expect(page.getByLabel("Buscar", { exact: true })).toHaveValue("");

  // A filter without hits (the new tenant has no closed conversation).
  await page.goto(`/tenants/${tenant.slug}/conversations?mode=closed`);
  await expect(list).toContainText("Nenhuma conversa com estes filtros.");
  await list.getByRole("button", { name: "Limpar filtros" }).click();
  await expect(page).not.toHaveURL(/mode=/);
  await expect(list).toContainText("Nenhuma conversa ainda.");
});
