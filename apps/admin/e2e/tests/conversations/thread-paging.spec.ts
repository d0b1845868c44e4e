import { newCustomer } from "../../fixtures/customer.ts";
import { HAVEN } from "../../fixtures/data.ts";
import { seedConversation, withStackDb } from "../../fixtures/db.ts";
import { expect, test } from "../../fixtures/test.ts";
import { recordRequests } from "../../fixtures/trpc-routes.ts";

/** More than the thread's first page (300, `conversations.byId`'s default limit). */
const MESSAGES = 320;

const label = (i: number) => `Mensagem ${String(i).padStart(3, "0")}`;

test("[INBOX]: a long thread shows its newest 300 messages and loads the older ones on request, keeping the reader's place", async ({
  page,
  apiSignin,
  shot,
}) => {
  // A conversation with a long history on Haven's number, written straight into the database (a
  // customer typing 320 messages through the webhook would wake the bot 320 times).
  const customer = newCustomer("Histórico");
  const conversationId = await seedConversation(customer, MESSAGES, 3);
  expect(conversationId).not.toBe("");

  await apiSignin("operator");
  await page.goto(`/tenants/${HAVEN.slug}/conversations?c=${conversationId}`);
  const panel = page.getByTestId("conversation-panel");
  await expect(panel.getByTestId("thread-header")).toContainText(customer.name);
  const messages = panel.getByTestId("message");
  const scroller = panel.getByTestId("thread-messages");

  // The newest page: 021…320, scrolled to the newest, with the control to go further back.
  await expect(messages).toHaveCount(300);
  await expect(messages.first()).toHaveText(new RegExp(label(21)));
  await expect(messages.last()).toHaveText(new RegExp(label(MESSAGES)));
  await expect(messages.last()).toBeInViewport();
  const loadOlder = panel.getByTestId("load-older");
  await expect(loadOlder).toHaveText("Carregar mensagens anteriores");

  // Read up to the top, note where the oldest loaded message sits, and load the older ones.
  await scroller.evaluate((el) => {
    el.scrollTop = 0;
  });
  const anchor = messages.filter({ hasText: label(21) });
  const before = await anchor.boundingBox();
  await loadOlder.click();

  await expect(messages).toHaveCount(MESSAGES);
  await expect(messages.first()).toHaveText(new RegExp(label(1)));
  await expect(loadOlder).toHaveCount(0);
  // The reader's place is kept: 021 is where it was on screen, and the older messages are above it.
  const after = await anchor.boundingBox();
  expect(Math.abs((after?.y ?? 0) - (before?.y ?? Number.NaN))).toBeLessThanOrEqual(2);
  expect(await scroller.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
  await expect(messages.first()).not.toBeInViewport();
  await shot("inbox-load-older");

  // The next polls read only the tail, from the anchor (message 021) on: the older page is never
  // read again, the older messages stay, and the view does not move.
  const reads = recordRequests(page, "conversations.byId");
  await page.waitForResponse((response) => response.url().includes("conversations.byId"));
  await page.waitForResponse((response) => response.url().includes("conversations.byId"));
  expect(reads.length).toBeGreaterThanOrEqual(2);
  expect(reads.filter((r) => /"cursor":\d/.test(r.url))).toEqual([]);
  expect(reads.every((r) => /"since":\d/.test(r.url))).toBe(true);
  await expect(messages).toHaveCount(MESSAGES);
  const polled = await anchor.boundingBox();
  expect(Math.abs((polled?.y ?? 0) - (before?.y ?? Number.NaN))).toBeLessThanOrEqual(2);

  // A new message arrives: it shows at the end, and the older messages stay.
  await withStackDb(async (sql) => {
    await sql`
      insert into messages (tenant_id, conversation_id, direction, author, type, body)
      select tenant_id, id, 'in', 'customer', 'text', ${label(MESSAGES + 1)} from conversations where id = ${conversationId}`;
  });
  await expect(messages).toHaveCount(MESSAGES + 1);
  await expect(messages.last()).toHaveText(new RegExp(label(MESSAGES + 1)));

  // Every message once, in order.
  const bodies = await messages.evaluateAll((items) =>
    items.map((item) => /Mensagem \d{3}/.exec(item.textContent ?? "")?.[0] ?? ""),
  );
  expect(bodies).toEqual(Array.from({ length: MESSAGES + 1 }, (_, i) => label(i + 1)));
});
