import { newCustomer, type Customer } from "../../fixtures/customer.ts";
import { HAVEN } from "../../fixtures/data.ts";
import { withStackDb } from "../../fixtures/db.ts";
import { expect, test } from "../../fixtures/test.ts";
import { patchTrpcData } from "../../fixtures/trpc-routes.ts";

type ThreadData = {
  reengagement: { read: false } | { read: true; template: { name: string; language: string; status: string | null } | null };
};

/**
 * A conversation on Haven's number whose customer last wrote two days ago (the 24-hour window is
 * closed), written straight into the database (the webhook would open the window), with a human
 * reply the worker already blocked (no re-engagement template at the time): its reason recorded as
 * the worker records it (`block_reason`), or, `legacy`, only in words, as before the reason was.
 */
async function closedWindowConversation(customer: Customer, opts: { legacy?: boolean; wroteHoursAgo?: number } = {}): Promise<string> {
  const blockReason = opts.legacy ? null : "no_template";
  const wrote = `${opts.wroteHoursAgo ?? 48} hours`;
  const replied = `${(opts.wroteHoursAgo ?? 48) - 1} hours`;
  return withStackDb(async (sql) => {
    const [row] = await sql<{ id: string }[]>`
      with n as (select id, tenant_id from phone_numbers where phone_number_id = ${HAVEN.phoneNumberId}),
      c as (
        insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id, customer_name,
                                   mode, last_message_at, last_customer_message_at)
        select tenant_id, id, ${customer.waId}, ${customer.waId}, ${customer.name}, 'human',
               now() - ${replied}::interval, now() - ${wrote}::interval from n
        returning id, tenant_id, phone_number_id
      ),
      i as (
        insert into messages (tenant_id, conversation_id, direction, author, type, body, created_at)
        select c.tenant_id, c.id, 'in', 'customer', 'text', 'Quanto custa a avaliação?', now() - ${wrote}::interval from c
        returning id
      ),
      -- After the customer's (it reads i's id), so that the reply is the conversation's last message.
      h as (
        insert into messages (tenant_id, conversation_id, direction, author, type, body, created_at)
        select c.tenant_id, c.id, 'out', 'human', 'text', 'Ainda está aí?', now() - ${replied}::interval from c, i
        returning id, tenant_id, conversation_id
      ),
      o as (
        insert into outbox_messages (tenant_id, conversation_id, phone_number_id, message_id, kind, recipient, payload,
                                     status, attempts, last_error_code, last_error, block_reason, failed_at)
        select h.tenant_id, h.conversation_id, c.phone_number_id, h.id, 'text', ${customer.waId},
               '{"type":"text","text":{"body":"Ainda está aí?"}}'::jsonb, 'blocked', 1, 131047,
               'outside the 24-hour window and no re-engagement template', ${blockReason}, now() - ${replied}::interval
        from h, c
      )
      select id from c`;
    return row?.id ?? "";
  });
}

test("[INBOX]: outside the 24-hour window the composer says the reply goes as the re-engagement template, and the thread shows what was sent instead (or why nothing was), in words", async ({
  page,
  apiSignin,
  shot,
}) => {
  const customer = newCustomer("Janela");
  const conversationId = await closedWindowConversation(customer);
  expect(conversationId).not.toBe("");

  await apiSignin("operator");
  await page.goto(`/tenants/${HAVEN.slug}/conversations?q=${encodeURIComponent(customer.name)}&c=${conversationId}`);
  const panel = page.getByTestId("conversation-panel");
  await expect(panel.getByTestId("thread-header")).toContainText(customer.name);
  // The list's preview does not show the blocked reply as if the customer had read it.
  const preview = page.locator(`[data-testid="conversation-row"][data-conversation-id="${conversationId}"]`).getByTestId("last-message");
  await expect(preview).toHaveText("Humano: Não enviada: Ainda está aí?");
  await expect(preview).toHaveAttribute("data-sent", "blocked");

  // Haven's agent names retomada_v1, approved: said before sending, in the header and the composer.
  await expect(panel.getByTestId("window-badge")).toHaveText(
    "Janela de 24 h fechada: respostas livres irão como o template retomada_v1",
  );
  const notice = panel.getByTestId("window-notice");
  await expect(notice).toHaveAttribute("data-plan", "template");
  await expect(notice).toContainText("o cliente não receberá este texto");
  await expect(notice).toContainText("template de retomada retomada_v1 (aprovado)");

  // The reply blocked earlier says why, on the bubble, in Portuguese (not only in a tooltip).
  const blocked = panel.locator('[data-testid="message"][data-author="human"]').filter({ hasText: "Ainda está aí?" });
  await expect(blocked.getByTestId("not-sent")).toHaveText(
    "Não enviada: fora da janela de 24 horas e o agente não tem template de retomada.",
  );
  // Read from the worker's structured reason, not from its English sentence.
  await expect(blocked.getByTestId("not-sent")).toHaveAttribute("data-block-reason", "no_template");
  await expect(blocked.getByTestId("delivery-status")).toHaveText("Bloqueada");

  // A reply now: the worker sends the template; the thread says the text was not sent, and the ticks
  // are the template's.
  const offer = `Temos 20% de desconto para ${customer.name} hoje!`;
  await panel.getByRole("textbox", { name: "Responder como humano" }).fill(offer);
  await panel.getByRole("button", { name: "Enviar" }).click();
  const sent = panel.locator('[data-testid="message"][data-author="human"]').filter({ hasText: offer });
  await expect(sent.getByTestId("not-sent")).toHaveText(
    "Não enviada: fora da janela de 24 horas; foi enviado o template retomada_v1",
    { timeout: 20_000 },
  );
  await expect(sent.getByTestId("delivery-status")).toHaveText(/^Template retomada_v1: (✓ Enviada|✓✓ Entregue|✓✓ Lida)$/, {
    timeout: 20_000,
  });
  // The list says what the customer got: the template, not the operator's text.
  await expect(preview).toHaveText("Humano: Template retomada_v1 enviado", { timeout: 20_000 });
  await expect(preview).toHaveAttribute("data-sent", "template");
  await expect(preview).not.toContainText(offer);
  await shot("inbox-window-template");
});

test("[INBOX]: outside the 24-hour window without an approved re-engagement template the composer says the reply will be blocked", async ({
  page,
  apiSignin,
}) => {
  const customer = newCustomer("Janela");
  // Blocked before the worker recorded a reason: the thread shows the worker's own words.
  const conversationId = await closedWindowConversation(customer, { legacy: true });
  await apiSignin("operator");

  // Haven's own template cannot be paused from a test (other specs send with it): the thread's answer
  // is rewritten, as a tenant whose agent names no template, then one Meta paused, would read.
  let reengagement: ThreadData["reengagement"] = { read: true, template: null };
  await patchTrpcData<ThreadData>(page, "conversations.byId", (data) => ({ ...data, reengagement }));
  await page.goto(`/tenants/${HAVEN.slug}/conversations?c=${conversationId}`);
  const panel = page.getByTestId("conversation-panel");
  const notice = panel.getByTestId("window-notice");
  await expect(notice).toHaveAttribute("data-plan", "blocked");
  await expect(notice).toHaveText(
    "Fora da janela de 24 horas e o agente não tem template de retomada: a resposta será bloqueada e não chegará ao cliente.",
  );
  await expect(panel.getByTestId("window-badge")).toHaveText("Janela de 24 h fechada: respostas livres serão bloqueadas");
  const blocked = panel.locator('[data-testid="message"][data-author="human"]').filter({ hasText: "Ainda está aí?" });
  await expect(blocked.getByTestId("not-sent")).toHaveText(
    "Não enviada: bloqueada (outside the 24-hour window and no re-engagement template).",
  );

  reengagement = { read: true, template: { name: "retomada_v1", language: "pt_BR", status: "paused" } };
  await expect(notice).toHaveText(
    "Fora da janela de 24 horas e o template de retomada retomada_v1 está pausado: a resposta será bloqueada e não chegará ao cliente.",
  );
});

test("[INBOX]: a browser clock hours ahead does not say the reply will be blocked while the window is open on the server", async ({
  page,
  apiSignin,
}) => {
  const customer = newCustomer("Janela");
  // The customer wrote 22 hours ago: on the server's clock the window is open two hours more, so the
  // thread does not read the template (and says so); the browser's clock runs three hours ahead.
  const conversationId = await closedWindowConversation(customer, { wroteHoursAgo: 22 });
  await apiSignin("operator");
  await page.clock.setSystemTime(Date.now() + 3 * 3600_000);
  await page.goto(`/tenants/${HAVEN.slug}/conversations?c=${conversationId}`);
  const panel = page.getByTestId("conversation-panel");
  await expect(panel.getByTestId("thread-header")).toContainText(customer.name);
  await expect(panel.getByTestId("window-badge")).toHaveText("Janela de 24 h aberta");
  await expect(panel.getByTestId("window-notice")).toHaveCount(0);
});

test("[INBOX]: a browser clock hours behind does not offer free replies after the window closed on the server", async ({
  page,
  apiSignin,
}) => {
  const customer = newCustomer("Janela");
  // The customer wrote 25 hours ago: on the server's clock the window closed an hour ago; the
  // browser's clock runs three hours behind, where it would still look open for two hours.
  const conversationId = await closedWindowConversation(customer, { wroteHoursAgo: 25 });
  await apiSignin("operator");
  await page.clock.setSystemTime(Date.now() - 3 * 3600_000);
  await page.goto(`/tenants/${HAVEN.slug}/conversations?c=${conversationId}`);
  const panel = page.getByTestId("conversation-panel");
  await expect(panel.getByTestId("thread-header")).toContainText(customer.name);
  await expect(panel.getByTestId("window-badge")).not.toHaveText("Janela de 24 h aberta");
  await expect(panel.getByTestId("window-notice")).toHaveAttribute("data-plan", "template");
});
