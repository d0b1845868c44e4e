import { randomInt } from "node:crypto";

import type { Page } from "@playwright/test";

import { newCustomer } from "../../fixtures/customer.ts";
import { HAVEN } from "../../fixtures/data.ts";
import { seedConversation, withStackDb } from "../../fixtures/db.ts";
import { expect, test } from "../../fixtures/test.ts";
import { patchTrpcData, recordRequests } from "../../fixtures/trpc-routes.ts";

const label = (i: number) => `Mensagem ${String(i).padStart(2, "0")}`;

/** Two Ctrl+Enter key presses in one tick (before React re-renders), as a bouncing key or double press sends. */
async function pressSendTwiceInOneTick(page: Page, textbox: ReturnType<Page["getByRole"]>) {
  await textbox.evaluate((el) => {
    for (let i = 0; i < 2; i++) {
      el.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", ctrlKey: true, bubbles: true, cancelable: true }));
    }
  });
}

test("[INBOX]: when another operator took the conversation first, \"Assumir\" warns who has it and the composer says so", async ({
  page,
  apiSignin,
}) => {
  const customer = newCustomer("Disputa");
  const conversationId = await seedConversation(customer, 2);
  const suffix = String(randomInt(100_000, 999_999));
  const other = { email: `carla-${suffix}@haven.local`, name: `Carla ${suffix}` };

  await apiSignin("operator");
  // The page still shows the conversation with the bot, as it did a moment before the other click.
  let stale = true;
  await patchTrpcData<{ conversation: Record<string, unknown> }>(page, "conversations.byId", (data) =>
    stale ? { ...data, conversation: { ...data.conversation, mode: "bot", assignedTo: null, assignedName: null } } : data,
  );
  await page.goto(`/tenants/${HAVEN.slug}/conversations?c=${conversationId}`);
  const panel = page.getByTestId("conversation-panel");
  await expect(panel.getByTestId("mode-badge")).toHaveText("Bot");

  // Another operator takes it meanwhile.
  await withStackDb(async (sql) => {
    await sql`
      with u as (
        insert into users (email, name, password_hash, role) values (${other.email}, ${other.name}, 'x', 'operator')
        returning id
      )
      update conversations set mode = 'human', assigned_user_id = (select id from u), handoff_started_at = now()
      where id = ${conversationId}`;
  });
  stale = false;
  await panel.getByRole("button", { name: "Assumir" }).click();

  const conflict = panel.getByTestId("takeover-conflict");
  await expect(conflict).toHaveText(
    new RegExp(`A conversa já está com ${other.name} \\(${other.email}\\): ela não foi assumida por você\\.`),
  );
  await expect(page.getByTestId("toast-success")).toHaveCount(0);
  // The thread shows the real owner, and the composer warns before a second human answers.
  await expect(panel.getByTestId("mode-badge")).toHaveText("Humano");
  await expect(panel.getByTestId("assigned-badge")).toHaveText(`Com ${other.name} (${other.email})`);
  await expect(panel.getByTestId("owner-warning")).toContainText(`Esta conversa está com ${other.name}`);
});

test("[INBOX]: a short outage keeps the open conversation, the list and the half-typed reply on screen, with a notice, and the draft survives a reload", async ({
  page,
  apiSignin,
}) => {
  const customer = newCustomer("Queda");
  const conversationId = await seedConversation(customer, 3);
  await apiSignin("operator");
  await page.goto(`/tenants/${HAVEN.slug}/conversations?c=${conversationId}`);
  const panel = page.getByTestId("conversation-panel");
  await expect(panel.getByTestId("message").last()).toContainText(label(3));
  const box = panel.getByRole("textbox", { name: "Responder como humano" });
  await box.fill("Oi, estou verificando a sua");

  // The server cannot be reached: every poll fails.
  await page.route("**/trpc/**", (route) => route.abort("connectionrefused"));
  await expect(panel.getByTestId("offline-notice")).toContainText("Sem conexão com o servidor", { timeout: 30_000 });
  await expect(page.getByTestId("offline-notice")).toHaveCount(2, { timeout: 30_000 });
  await expect(panel.getByTestId("message").last()).toContainText(label(3));
  await expect(page.getByTestId("conversation-row").filter({ hasText: customer.name })).toBeVisible();
  await expect(box).toHaveValue("Oi, estou verificando a sua");
  await box.pressSequentially(" consulta");

  // Back: the notices go by themselves (the polls keep trying).
  await page.unroute("**/trpc/**");
  await expect(page.getByTestId("offline-notice")).toHaveCount(0, { timeout: 20_000 });
  await expect(box).toHaveValue("Oi, estou verificando a sua consulta");

  // The draft belongs to this conversation and outlives the panel.
  await page.reload();
  await expect(page.getByRole("textbox", { name: "Responder como humano" })).toHaveValue(
    "Oi, estou verificando a sua consulta",
  );
});

test("[INBOX]: Ctrl+Enter pressed twice in one tick sends the reply once", async ({ page, apiSignin }) => {
  const customer = newCustomer("Duplo");
  const conversationId = await seedConversation(customer, 1);
  await apiSignin("operator");
  const replies = recordRequests(page, "/trpc/conversations.reply");
  await page.goto(`/tenants/${HAVEN.slug}/conversations?c=${conversationId}`);
  const panel = page.getByTestId("conversation-panel");
  const box = panel.getByRole("textbox", { name: "Responder como humano" });
  const text = `Resposta única ${customer.name}`;
  await box.fill(text);
  await pressSendTwiceInOneTick(page, box);
  const human = panel.locator('[data-testid="message"][data-author="human"]');
  await expect(human.filter({ hasText: text })).toHaveCount(1);
  await expect(box).toHaveValue("");
  // A poll later, still one.
  await page.waitForTimeout(3_000);
  await expect(human.filter({ hasText: text })).toHaveCount(1);
  expect(replies).toHaveLength(1);
});

test("[TEST CHAT]: Ctrl+Enter pressed twice in one tick sends the message once", async ({ page, apiSignin }) => {
  await apiSignin("operator");
  const sends = recordRequests(page, "/trpc/sandbox.send");
  await page.goto(`/tenants/${HAVEN.slug}/agents/${HAVEN.agent}/test-chat`);
  const chat = page.getByTestId("test-chat");
  await chat.getByRole("button", { name: "Novo cliente" }).click();
  await expect(chat).toContainText("Mande uma mensagem para começar.");
  const box = chat.getByRole("textbox", { name: "Mensagem como cliente" });
  await box.fill("Vocês abrem no feriado?");
  await pressSendTwiceInOneTick(page, box);
  await expect(chat.locator('[data-testid="message"][data-author="customer"]')).toHaveCount(1);
  await page.waitForTimeout(2_000);
  await expect(chat.locator('[data-testid="message"][data-author="customer"]')).toHaveCount(1);
  expect(sends).toHaveLength(1);
});

test.describe("on a phone", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("[INBOX]: a conversation opens at its newest message with the composer in view", async ({ page, apiSignin }) => {
    const customer = newCustomer("Celular");
    const conversationId = await seedConversation(customer, 40);
    await apiSignin("operator");
    await page.goto(`/tenants/${HAVEN.slug}/conversations?c=${conversationId}`);
    const panel = page.getByTestId("conversation-panel");
    await expect(panel.getByTestId("message")).toHaveCount(40);
    await expect(panel.getByTestId("message").last()).toContainText(label(40));
    await expect(panel.getByTestId("message").last()).toBeInViewport();
    await expect(panel.getByRole("textbox", { name: "Responder como humano" })).toBeInViewport();
    await expect(panel.getByTestId("message").first()).not.toBeInViewport();
  });
});
