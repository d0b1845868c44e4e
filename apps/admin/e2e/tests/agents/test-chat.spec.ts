import { HAVEN } from "../../fixtures/data.ts";
import { expect, test } from "../../fixtures/test.ts";

const path = `/tenants/${HAVEN.slug}/agents/${HAVEN.agent}/test-chat`;

test.beforeEach(async ({ apiSignin }) => {
  await apiSignin("operator");
});

test("[TEST CHAT]: talks to the active version as a customer through the sandbox and gets the bot's answer, delivered", async ({
  page,
  shot,
}) => {
  await page.goto(`/tenants/${HAVEN.slug}/agents/${HAVEN.agent}`);
  await page.getByRole("link", { name: "Chat de teste" }).click();
  await expect(page).toHaveURL(new RegExp(`${path}$`));
  const chat = page.getByTestId("test-chat");
  await expect(chat).toContainText("Número sandbox +55 11 99999 0001");
  // A fresh customer, so the conversation starts empty whatever ran before.
  await chat.getByRole("button", { name: "Novo cliente" }).click();
  await expect(chat).toContainText("Mande uma mensagem para começar.");

  const box = chat.getByRole("textbox", { name: "Mensagem como cliente" });
  // The inbox's send key: Enter adds a line, Ctrl+Enter sends; both composers say so alike.
  await expect(chat.getByTestId("send-hint")).toHaveText("Ctrl+Enter envia · Enter quebra a linha");
  await box.fill("Olá!");
  await box.press("Enter");
  await box.pressSequentially("Qual o endereço da clínica?");
  await expect(box).toHaveValue("Olá!\nQual o endereço da clínica?");
  await expect(chat.locator('[data-testid="message"][data-author="customer"]')).toHaveCount(0);
  await box.press("Control+Enter");
  await expect(chat.locator('[data-testid="message"][data-author="customer"]')).toContainText(
    "Qual o endereço da clínica?",
  );
  const bot = chat.locator('[data-testid="message"][data-author="bot"]').first();
  await expect(bot).toBeVisible({ timeout: 20_000 });
  await expect(bot.getByTestId("message-version")).toHaveText(/^recepcao v\d+\.\d+\.\d+$/);
  await expect(bot.getByTestId("delivery-status")).toHaveText(/Entregue|Lida/, { timeout: 20_000 });
  await expect(chat.getByTestId("mode-badge")).toHaveText("Bot");
  await shot("test-chat");

  // The same conversation is in the inbox.
  await chat.getByRole("link", { name: "Abrir na caixa de entrada" }).click();
  await expect(page).toHaveURL(/\/conversations\?c=/);
  await expect(page.getByTestId("conversation-panel")).toContainText("Qual o endereço da clínica?");
});

test("[HANDOFF TEST]: runs the guided handoff test end to end; it passes, is audited and ticks the setup checklist", async ({
  page,
  shot,
}) => {
  test.setTimeout(120_000);
  await page.goto(path);
  const card = page.getByTestId("handoff-test");
  await expect(card).toContainText("Palavra-chave usada: “atendente”");
  await card.getByRole("button", { name: "Rodar teste de transferência" }).click();
  await expect(card.getByRole("button", { name: /Rodando/ })).toBeVisible();
  await expect(card.getByTestId("handoff-result")).toHaveText("Aprovado", { timeout: 90_000 });
  const steps = card.getByTestId("handoff-step");
  await expect(steps).toHaveCount(6);
  for (const state of await steps.evaluateAll((els) => els.map((el) => el.getAttribute("data-state")))) {
    expect(state).toBe("ok");
  }
  await expect(card.getByTestId("handoff-history").locator("li").first()).toContainText("Aprovado");
  await shot("handoff-test");

  // The test conversation went through every state; it is back with the bot.
  await card.getByRole("link", { name: "Abrir na caixa de entrada" }).click();
  const panel = page.getByTestId("conversation-panel");
  await expect(panel.getByTestId("mode-badge")).toHaveText("Bot");
  await expect(panel.locator('[data-testid="message"][data-author="human"]')).toContainText(
    "teste de transferência",
  );

  await page.goto(`/tenants/${HAVEN.slug}`);
  const item = page
    .getByTestId("setup-checklist")
    .locator('[data-testid="setup-item"][data-key="handoff_test"]');
  await expect(item).toHaveAttribute("data-status", "done");
  await expect(item).toContainText("operador@lx.local");
});
