import { conversationAnswered, customerSays, newCustomer } from "../../fixtures/customer.ts";
import { HAVEN } from "../../fixtures/data.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcQuery } from "../../fixtures/trpc.ts";


test("[INBOX]: shows a customer's conversation with the bot's answer, version and delivery status; take over, reply as a human (delivered) and hand back", async ({
  page,
  apiSignin,
  operatorApi,
  request,
  shot,
}) => {
  const customer = newCustomer("Inbox");
  await customerSays(request, customer, "Olá! Vocês atendem aos sábados?");

  // The worker answers through the offline model and the Meta sandbox within seconds.
  const conversationId = await conversationAnswered(operatorApi, customer);

  await apiSignin("operator");
  await page.goto(`/tenants/${HAVEN.slug}`);
  await page.getByRole("link", { name: "Conversas" }).click();
  await expect(page.getByRole("heading", { name: "Conversas", level: 1 })).toBeVisible();

  // Search by the customer's name, open the thread.
  await page.getByLabel("Buscar", { exact: true }).fill(customer.name);
  await page.getByRole("button", { name: "Buscar" }).click();
  const rows = page.getByTestId("conversation-row");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(customer.name);
  await rows.first().click();
  await expect(page).toHaveURL(new RegExp(`c=${conversationId}`));

  const panel = page.getByTestId("conversation-panel");
  await expect(panel.getByTestId("thread-header")).toContainText(customer.name);
  await expect(panel.getByTestId("mode-badge")).toHaveText("Bot");
  const customerMessage = panel.locator('[data-testid="message"][data-author="customer"]');
  await expect(customerMessage.first()).toContainText("Vocês atendem aos sábados?");
  const botMessage = panel.locator('[data-testid="message"][data-author="bot"]').first();
  await expect(botMessage.getByTestId("message-version")).toHaveText(/^recepcao v\d+\.\d+\.\d+$/);
  await expect(botMessage.getByTestId("delivery-status")).toHaveText(/Entregue|Lida/);
  // Token counts in the locale's digits (the demo prompt alone is over a thousand tokens: "1.398", not "1398").
  await expect(botMessage).toContainText(/\d{1,3}(\.\d{3})* → \d{1,3}(\.\d{3})* tokens/);
  await expect(botMessage).not.toContainText(/\d{4} →/);

  // Take over: the conversation is the human's.
  await panel.getByRole("button", { name: "Assumir" }).click();
  await expect(
    page.getByTestId("toast-success").filter({ hasText: "Você assumiu a conversa." }),
  ).toBeVisible();
  await expect(panel.getByTestId("mode-badge")).toHaveText("Humano");

  // Reply as a human: it goes through the outbox and the sandbox reports it delivered.
  const reply = `Oi ${customer.name}, aqui é a Carla da recepção. Atendemos sim, das 9h às 13h.`;
  await panel.getByRole("textbox", { name: "Responder como humano" }).fill(reply);
  await panel.getByRole("button", { name: "Enviar" }).click();
  const humanMessage = panel.locator('[data-testid="message"][data-author="human"]').last();
  await expect(humanMessage).toContainText(reply);
  await expect(humanMessage).toContainText("Operador Demo");
  await expect(humanMessage.getByTestId("delivery-status")).toHaveText(/Entregue|Lida/, { timeout: 20_000 });
  await shot("inbox-human-reply");

  // The mode filter finds it among the human-owned conversations.
  await page
    .getByRole("group", { name: "Modo" })
    .getByRole("button", { name: /^Humano/ })
    .click();
  await expect(page).toHaveURL(/mode=human/);
  await expect(rows.filter({ hasText: customer.name })).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute("data-mode", "human");

  // Hand back: the bot owns it again; the handoff is listed with its end.
  await panel.getByRole("button", { name: "Devolver ao bot" }).click();
  await expect(
    page.getByTestId("toast-success").filter({ hasText: "Conversa devolvida ao bot." }),
  ).toBeVisible();
  await expect(panel.getByTestId("mode-badge")).toHaveText("Bot");
  await panel.getByText(/Transferências \(1\)/).click();
  await expect(panel.getByTestId("handoffs")).toContainText("Operador");
  // The end reason in words, not the stored code ("human").
  await expect(panel.getByTestId("handoffs")).toContainText("encerrada (devolvida ao bot)");

  const audit = ok(
    await trpcQuery<{ items: { type: string; subjectId: string | null }[] }>(operatorApi, "audit.list", {
      tenantSlug: HAVEN.slug,
      type: "handoff.",
      limit: 20,
    }),
  );
  const types = audit.items.filter((e) => e.subjectId === conversationId).map((e) => e.type);
  expect(types).toEqual(expect.arrayContaining(["handoff.taken_over", "handoff.ended"]));
});

test("[INBOX]: a customer's handoff keyword puts the conversation in the waiting-for-a-human filter", async ({
  page,
  apiSignin,
  request,
  shot,
}) => {
  const customer = newCustomer("Espera");
  await customerSays(request, customer, "Quero falar com um atendente, por favor");
  await apiSignin("operator");
  await page.goto(`/tenants/${HAVEN.slug}/conversations?mode=pending_human`);
  const row = page.getByTestId("conversation-row").filter({ hasText: customer.name });
  await expect(row).toHaveCount(1, { timeout: 30_000 });
  await row.click();
  const panel = page.getByTestId("conversation-panel");
  await expect(panel.getByTestId("mode-badge")).toHaveText("Aguardando humano");
  const handoffMessage = panel.locator('[data-testid="message"][data-author="system"]').first();
  await expect(handoffMessage).toContainText("Vou chamar alguém da nossa equipe");
  await expect(handoffMessage.getByTestId("delivery-status")).toHaveText(/Entregue|Lida/, {
    timeout: 20_000,
  });
  await expect(panel.getByRole("button", { name: "Assumir" })).toBeVisible();
  await shot("inbox-pending-human");
});
