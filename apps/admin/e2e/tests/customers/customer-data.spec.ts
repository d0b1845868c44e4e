import { readFile } from "node:fs/promises";

import type { APIRequestContext } from "@playwright/test";

import { conversationAnswered, customerSays, newCustomer, type Customer } from "../../fixtures/customer.ts";
import { HAVEN } from "../../fixtures/data.ts";
import { withStackDb } from "../../fixtures/db.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";

// A customer's data rights (LGPD): export and erasure from the conversation panel and from the tenant
// page, and the tenant's retention window. Every test writes as a customer nobody has seen yet, so
// erasing them touches nothing another suite reads.

type Thread = {
  conversation: { erasedAt: string | null; customerWaId: string | null };
  messages: { author: string; body: string; delivery: { status: string } | null }[];
};

const AGENT = { tenantSlug: HAVEN.slug, agentSlug: HAVEN.agent };

/** The test case a test copied from its conversation: its erasure deletes it, or this does after a failure. */
let copiedCase: string | null = null;
test.afterEach(async ({ operatorApi }) => {
  if (copiedCase !== null) {
    const cases = ok(await trpcQuery<{ id: string; name: string }[]>(operatorApi, "regression.cases", AGENT));
    for (const c of cases.filter((x) => x.name === copiedCase)) {
      ok(await trpcMutation(operatorApi, "regression.deleteCase", { ...AGENT, id: c.id }));
    }
    copiedCase = null;
  }
});

/**
 * The customer writes; resolves with their conversation once the bot's answer is delivered and no job
 * of the conversation is left (an erasure while a reply is written or sent is refused, CONFLICT).
 */
async function answeredAndIdle(
  request: APIRequestContext,
  operatorApi: APIRequestContext,
  customer: Customer,
  text: string,
): Promise<string> {
  await customerSays(request, customer, text);
  const conversationId = await conversationAnswered(operatorApi, customer);
  await expect
    .poll(
      () =>
        withStackDb(async (sql) => {
          const [row] = await sql<{ n: number }[]>`
            select count(*)::int as n from message_queue
            where conversation_id = ${conversationId} and status in ('queued', 'running')`;
          return row?.n ?? -1;
        }),
      { timeout: 15_000 },
    )
    .toBe(0);
  return conversationId;
}

test("[CUSTOMERS]: exports a customer's data from the conversation panel, erases it after APAGAR is typed, and the thread shows it erased", async ({
  page,
  apiSignin,
  operatorApi,
  request,
  shot,
}) => {
  test.setTimeout(120_000);
  const customer = newCustomer("Titular");
  const said = `Oi, aqui é ${customer.name}. Meu CPF é 123.456.789-00, vocês fazem limpeza de pele?`;
  const conversationId = await answeredAndIdle(request, operatorApi, customer, said);
  // A booking in the tenant's own calendar (n8n) and a deal in its CRM, which the operator erases there.
  await withStackDb(
    (sql) => sql`
      with c as (select id, tenant_id from conversations where id = ${conversationId}),
      a as (
        insert into appointments (tenant_id, conversation_id, customer_key, customer_name, service, starts_at, ends_at, source, external_id)
        select tenant_id, id, ${customer.waId}, ${customer.name}, 'Limpeza de pele',
               now() + interval '10 days', now() + interval '10 days 1 hour', 'webhook', 'evt-e2e-1'
        from c
      )
      insert into crm_deals (tenant_id, conversation_id, title, fields, backend, external_id)
      select tenant_id, id, ${`${customer.name} - Limpeza`}, ${sql.json({ interesse: "limpeza" })}, 'pipedrive', 'deal-e2e-1'
      from c`,
  );

  await apiSignin("operator");
  // A test case copied from the conversation, saved on the agent's Testes tab: it remembers where it came from.
  copiedCase = `Conversa com ${customer.name}`;
  await page.goto(`/tenants/${HAVEN.slug}/conversations?c=${conversationId}`);
  await page.getByTestId("thread-header").getByRole("button", { name: "Virar caso de teste" }).click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${HAVEN.slug}/agents/${HAVEN.agent}/tests$`));
  await page.getByTestId("case-editor").getByRole("button", { name: "Salvar caso" }).click();
  const copiedRow = page.getByTestId(`case-row-${copiedCase}`);
  await expect(copiedRow).toContainText(said.slice(0, 20));
  await expect(copiedRow.getByTestId("case-copied")).toHaveText("De uma conversa");

  await page.goto(`/tenants/${HAVEN.slug}/conversations?c=${conversationId}`);
  const panel = page.getByTestId("conversation-panel");
  await expect(panel.getByTestId("thread-header")).toContainText(customer.name);
  await expect(panel.locator('[data-testid="message"][data-author="customer"]').first()).toContainText(said);

  // Export: a JSON file named after the number's last digits, holding what the customer said.
  await panel.getByRole("button", { name: "Dados do cliente (LGPD)" }).click();
  const area = panel.getByRole("group", { name: "Dados do cliente (LGPD)" });
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    area.getByRole("button", { name: "Exportar dados" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(
    new RegExp(`^dados-cliente-${customer.waId.slice(-4)}-\\d{4}-\\d{2}-\\d{2}\\.json$`),
  );
  const exported = JSON.parse(await readFile(await download.path(), "utf8")) as {
    tenant: { slug: string };
    customer: { identifiers: string[]; names: string[] };
    conversations: { id: string; messages: { text: string }[]; appointments: unknown[]; deals: unknown[] }[];
  };
  expect(exported.tenant.slug).toBe(HAVEN.slug);
  expect(exported.customer.identifiers).toContain(customer.waId);
  expect(exported.customer.names).toContain(customer.name);
  expect(exported.conversations.map((c) => c.id)).toEqual([conversationId]);
  expect(exported.conversations[0]?.messages.map((m) => m.text)).toContain(said);
  expect(exported.conversations[0]?.appointments).toHaveLength(1);
  expect(exported.conversations[0]?.deals).toHaveLength(1);
  await expect(
    page.getByTestId("toast-success").filter({ hasText: download.suggestedFilename() }),
  ).toBeVisible();

  // Erase: the dialog says what goes and what stays; the button waits for the exact word.
  await area.getByRole("button", { name: "Apagar dados do cliente" }).click();
  const dialog = page.getByRole("dialog", { name: `Apagar os dados de ${customer.name}?` });
  await expect(dialog).toContainText("Esta ação não pode ser desfeita.");
  await expect(dialog).toContainText("em todos os números");
  await expect(dialog).toContainText("os agendamentos futuros são cancelados");
  await expect(dialog).toContainText("as métricas não mudam");
  await expect(dialog).toContainText("Os casos de teste copiados de uma conversa deste cliente");
  const erase = dialog.getByRole("button", { name: "Apagar definitivamente" });
  await expect(erase).toBeDisabled();
  const word = dialog.getByLabel("Digite APAGAR para confirmar");
  await word.fill("apagar");
  await expect(erase).toBeDisabled();
  await word.fill("APAGA");
  await expect(erase).toBeDisabled();
  await word.fill("APAGAR");
  await expect(erase).toBeEnabled();
  const shown = await panel.getByTestId("message").count();
  await shot("customer-erase-confirm");
  await erase.click();

  // The result: what was erased, and what the operator must erase in the tenant's own systems.
  const done = page.getByRole("dialog", { name: "Dados do cliente apagados" });
  const result = done.getByTestId("erasure-result");
  await expect(result.locator('[data-testid="erasure-count"][data-key="conversations"]')).toHaveText("1");
  await expect(result.locator('[data-testid="erasure-count"][data-key="messages"]')).toHaveText(
    String(shown),
  );
  await expect(result.locator('[data-testid="erasure-count"][data-key="appointmentsCancelled"]')).toHaveText(
    "1",
  );
  await expect(result.locator('[data-testid="erasure-count"][data-key="testCasesDeleted"]')).toHaveText("1");
  await expect(result.getByTestId("erasure-test-cases")).toContainText(`agente ${HAVEN.agent}`);
  const external = result.getByTestId("erasure-external");
  await expect(external).toContainText("Apague também nos sistemas do cliente");
  await expect(external.getByTestId("erasure-external-item")).toHaveText([
    /Agendamento\s*webhook\s*evt-e2e-1/,
    /Lead\s*pipedrive\s*deal-e2e-1/,
  ]);
  await expect(
    page.getByTestId("toast-success").filter({ hasText: "Dados do cliente apagados." }),
  ).toBeVisible();
  await shot("customer-erase-result");
  await done.getByRole("button", { name: "Fechar" }).click();
  await expect(done).toBeHidden();

  // The thread: no name, no number, no text; no action is offered any more.
  const header = panel.getByTestId("thread-header");
  await expect(header.getByRole("heading", { level: 2 })).toHaveText("Cliente apagado");
  await expect(header.getByTestId("erased-badge")).toHaveText(/^Dados apagados em \d{2}\/\d{2}\/\d{4}/);
  await expect(header).not.toContainText(customer.waId);
  await expect(header.getByTestId("mode-badge")).toHaveText("Encerrada");
  await expect(panel.getByTestId("message-erased")).toHaveCount(
    await panel.locator('[data-testid="message"]:not([data-author="note"])').count(),
  );
  await expect(panel.locator('[data-testid="message"][data-author="customer"]').first()).toHaveText(
    /mensagem apagada/,
  );
  await expect(panel).not.toContainText(said);
  await expect(panel.getByRole("textbox", { name: "Responder como humano" })).toHaveCount(0);
  await expect(panel.getByTestId("erased-note")).toBeVisible();
  for (const action of ["Assumir", "Devolver ao bot", "Mover para outro agente", "Dados do cliente (LGPD)"]) {
    await expect(header.getByRole("button", { name: action })).toHaveCount(0);
  }
  const row = page.locator(`[data-testid="conversation-row"][data-conversation-id="${conversationId}"]`);
  await expect(row).toHaveAttribute("data-erased", "true");
  await expect(row).toContainText("Cliente apagado");
  await expect(row).toContainText("mensagem apagada");
  await shot("customer-erased-thread");

  const thread = ok(
    await trpcQuery<Thread>(operatorApi, "conversations.byId", { tenantSlug: HAVEN.slug, conversationId }),
  );
  expect(thread.conversation.erasedAt).not.toBeNull();
  expect(thread.conversation.customerWaId).toBeNull();
  expect(thread.messages.every((m) => m.body === "")).toBe(true);

  // The audit log lists the export and the erasure, without the customer's number or name.
  await page.goto(`/audit?tenant=${HAVEN.slug}&type=customer.`);
  const erasedRow = page
    .locator('[data-testid="audit-row"][data-type="customer.erased"]')
    .filter({ hasText: `conversa: ${conversationId.slice(0, 8)}` });
  await expect(erasedRow).toHaveCount(1);
  await expect(
    page
      .locator('[data-testid="audit-row"][data-type="customer.exported"]')
      .filter({ hasText: `conversa: ${conversationId.slice(0, 8)}` }),
  ).toHaveCount(1);
  await erasedRow.getByRole("button", { name: /Expandir/ }).click();
  const details = page.getByTestId("audit-details");
  await expect(details).toContainText(`"conversationIds"`);
  await expect(details).toContainText(conversationId);
  await expect(details).not.toContainText(customer.waId);
  await expect(details).not.toContainText(customer.name);
  await shot("customer-erased-audit");

  // The copied case went with the customer's data.
  await page.goto(`/tenants/${HAVEN.slug}/agents/${HAVEN.agent}/tests`);
  await expect(page.getByRole("heading", { name: "Casos de teste", exact: true })).toBeVisible();
  await expect(page.getByTestId(`case-row-${copiedCase}`)).toHaveCount(0);
  const cases = ok(await trpcQuery<{ name: string }[]>(operatorApi, "regression.cases", AGENT));
  expect(cases.map((c) => c.name)).not.toContain(copiedCase);
});

test("[CUSTOMERS]: the tenant page sets and clears the retention window and erases a customer named by number", async ({
  page,
  apiSignin,
  operatorApi,
  request,
  shot,
}) => {
  test.setTimeout(120_000);
  const customer = newCustomer("Pedido");
  const said = `Bom dia, sou ${customer.name} e quero apagar meus dados.`;
  const conversationId = await answeredAndIdle(request, operatorApi, customer, said);

  let retentionCalls = 0;
  page.on("request", (req) => {
    if (req.url().includes("/trpc/customers.setRetention")) {
      retentionCalls += 1;
    }
  });
  await apiSignin("operator");
  await page.goto(`/tenants/${HAVEN.slug}`);
  const card = page.getByRole("region", { name: "Dados dos clientes (LGPD)" });
  const retention = card.getByTestId("retention");
  const current = retention.getByTestId("retention-current");
  await expect(current).toHaveText("Mantidas até serem apagadas à mão.");
  await expect(retention).toContainText("A cada 10 minutos");
  await expect(retention).toContainText("com um humano atendendo espera");

  // 30 days: a window that starts erasing is confirmed first; a reload shows it.
  const days = retention.getByLabel("Dias após a última mensagem");
  await days.fill("30");
  await retention.getByRole("button", { name: "Salvar prazo" }).click();
  const confirm = page.getByRole("dialog", { name: "Apagar as conversas paradas há mais de 30 dias?" });
  await expect(confirm).toContainText("em até 10 minutos");
  await confirm.getByTestId("confirm-button").click();
  await expect(
    page.getByTestId("toast-success").filter({ hasText: "As conversas agora ficam guardadas por 30 dias." }),
  ).toBeVisible();
  await expect(current).toHaveText("Conversas mantidas por 30 dias após a última mensagem.");
  expect(retentionCalls).toBe(1);
  await page.reload();
  await expect(current).toHaveText("Conversas mantidas por 30 dias após a última mensagem.");
  await expect(days).toHaveValue("30");
  await shot("customer-data-retention");

  // 3 days: refused by the shared schema, in Portuguese, before anything is sent.
  await days.fill("3");
  await retention.getByRole("button", { name: "Salvar prazo" }).click();
  await expect(retention.getByTestId("field-errors")).toHaveText("deve ser no mínimo 7");
  await expect(confirm).toBeHidden();
  expect(retentionCalls).toBe(1);

  // Cleared: kept until erased by hand.
  await retention.getByRole("button", { name: "Manter até apagar à mão" }).click();
  await expect(current).toHaveText("Mantidas até serem apagadas à mão.");
  await expect(days).toHaveValue("");
  expect(retentionCalls).toBe(2);
  const tenant = ok(
    await trpcQuery<{ retentionDays: number | null }>(operatorApi, "tenants.bySlug", {
      tenantSlug: HAVEN.slug,
    }),
  );
  expect(tenant.retentionDays).toBeNull();

  // A data subject request by number: nobody with an unknown number.
  const dsr = card.getByTestId("customer-request");
  const who = dsr.getByLabel("Número ou ID do cliente");
  await who.fill("+55 11 90000-0001");
  await dsr.getByRole("button", { name: "Exportar dados" }).click();
  await expect(dsr.getByRole("alert")).toHaveText(
    "Nenhuma conversa com este cliente (ou os dados já foram apagados).",
  );

  // The customer's number as they wrote it: +55 11 987xx-xxxx.
  const typed = `+${customer.waId.slice(0, 2)} ${customer.waId.slice(2, 4)} ${customer.waId.slice(4, 9)}-${customer.waId.slice(9)}`;
  await who.fill(typed);
  await dsr.getByRole("button", { name: "Apagar dados" }).click();
  const dialog = page.getByRole("dialog", { name: `Apagar os dados de ${typed}?` });
  const erase = dialog.getByRole("button", { name: "Apagar definitivamente" });
  await expect(erase).toBeDisabled();
  await dialog.getByLabel("Digite APAGAR para confirmar").fill("APAGAR");

  // A reply on its way to Meta right now: refused, said in Portuguese; a few seconds later it goes through.
  const held = await withStackDb(async (sql) => {
    const [row] = await sql<{ id: string; status: string }[]>`
      select id::text, status from outbox_messages where conversation_id = ${conversationId} order by id desc limit 1`;
    if (!row) {
      throw new Error("no send to hold");
    }
    await sql`update outbox_messages set status = 'sending', locked_at = now() where id = ${row.id}`;
    return row;
  });
  try {
    await erase.click();
    await expect(dialog.getByRole("alert")).toHaveText(
      "Uma resposta a este cliente está sendo escrita ou enviada agora. Tente de novo em alguns segundos.",
    );
  } finally {
    await withStackDb(
      (sql) =>
        sql`update outbox_messages set status = ${held.status}, locked_at = null where id = ${held.id}`,
    );
  }
  await erase.click();
  const done = page.getByRole("dialog", { name: "Dados do cliente apagados" });
  await expect(done.locator('[data-testid="erasure-count"][data-key="conversations"]')).toHaveText("1");
  await expect(done.getByTestId("erasure-external")).toHaveCount(0);
  await shot("customer-data-erased-by-number");
  await done.getByRole("button", { name: "Fechar" }).click();
  await expect(who).toHaveValue("");

  const thread = ok(
    await trpcQuery<Thread>(operatorApi, "conversations.byId", { tenantSlug: HAVEN.slug, conversationId }),
  );
  expect(thread.conversation.erasedAt).not.toBeNull();
  expect(thread.messages.map((m) => m.body).join("")).toBe("");

  // Asked again: nothing left to export.
  await who.fill(customer.waId);
  await dsr.getByRole("button", { name: "Exportar dados" }).click();
  await expect(dsr.getByRole("alert")).toHaveText(
    "Nenhuma conversa com este cliente (ou os dados já foram apagados).",
  );
});
