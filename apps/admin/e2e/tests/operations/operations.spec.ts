import type { APIRequestContext } from "@playwright/test";

import { customerSays, newCustomer, type Customer } from "../../fixtures/customer.ts";
import { HAVEN } from "../../fixtures/data.ts";
import { withStackDb } from "../../fixtures/db.ts";
import { expectFitsLaptopScreen } from "../../fixtures/layout.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";

type Thread = {
  conversation: { mode: string };
  messages: {
    id: number;
    author: string;
    body: string;
    answersUpToId: number | null;
    delivery: { outboxId: number; status: string } | null;
  }[];
};

async function conversationOf(api: APIRequestContext, customer: Customer): Promise<string> {
  let id = "";
  await expect
    .poll(async () => {
      const list = ok(
        await trpcQuery<{ items: { id: string }[] }>(api, "conversations.list", {
          tenantSlug: HAVEN.slug,
          search: customer.name,
        }),
      );
      id = list.items[0]?.id ?? "";
      return id;
    })
    .not.toBe("");
  return id;
}

async function threadOf(api: APIRequestContext, conversationId: string): Promise<Thread> {
  return ok(await trpcQuery<Thread>(api, "conversations.byId", { tenantSlug: HAVEN.slug, conversationId }));
}

test("[OPERATIONS]: pauses a number (the bot's reply is held), resumes it, and retries a dead send until it is delivered", async ({
  page,
  apiSignin,
  operatorApi,
  request,
  shot,
}) => {
  await apiSignin("operator");
  await page.goto("/operations");
  await expect(page.getByRole("heading", { name: "Operações", level: 1 })).toBeVisible();
  await expect(page.getByTestId("queue-overview")).toContainText("Prontos para rodar");
  // The send counters read as counts ("Enviados"), not as one message's status ("Enviada").
  for (const label of ["Enviados", "Entregues", "Lidos"]) {
    await expect(page.getByTestId("sends-overview").getByText(label, { exact: true })).toBeVisible();
  }
  await page.getByLabel("Empresa").selectOption(HAVEN.slug);
  await expect(page).toHaveURL(/tenant=haven/);

  // Pause Haven's sandbox number, with a reason.
  const numberRow = page.locator(`[data-testid="number-row"][data-phone-number-id="${HAVEN.phoneNumberId}"]`);
  await expect(numberRow.getByTestId("pause-state")).toHaveText("Ativo");
  // The number in the console's one phone format, as the inbox shows it.
  await expect(numberRow).toContainText("+55 11 99999 0001");
  await numberRow.getByRole("button", { name: "Pausar" }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByTestId("confirm-button").click();
  await expect(dialog.getByTestId("field-errors")).toHaveText("obrigatório");
  await dialog.getByLabel("Motivo").fill("Teste de pausa (e2e)");
  await dialog.getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-success").filter({ hasText: "pausados" })).toBeVisible();
  await expect(numberRow.getByTestId("pause-state")).toHaveText("Pausado");
  await expect(numberRow).toContainText("Teste de pausa (e2e)");

  // A customer writes: the bot answers, but the reply waits in the outbox.
  const customer = newCustomer("Pausa");
  await customerSays(request, customer, "Qual o endereço da clínica?");
  const conversationId = await conversationOf(operatorApi, customer);
  await expect
    .poll(
      async () =>
        (await threadOf(operatorApi, conversationId)).messages.find((m) => m.author === "bot")?.delivery
          ?.status,
    )
    .toBe("queued");
  await expect(numberRow.getByRole("cell").nth(4)).not.toHaveText("0");
  await shot("operations-paused");

  // A human reply queued behind it is given up on (as after six failed attempts at Meta).
  ok(
    await trpcMutation(operatorApi, "conversations.reply", {
      tenantSlug: HAVEN.slug,
      conversationId,
      text: "Rua dos Pinheiros, 1200.",
    }),
  );
  const human = (await threadOf(operatorApi, conversationId)).messages.find((m) => m.author === "human");
  const outboxId = human?.delivery?.outboxId ?? 0;
  await withStackDb(
    (sql) => sql`update outbox_messages set status = 'dead', attempts = 6, last_error_code = 131000,
                 last_error = 'Something went wrong (simulated)' where id = ${outboxId}`,
  );

  // Resume: the held bot reply is taken out of the queue — as stale, since a human took the
  // conversation over meanwhile (replying does) — and the sender moves on.
  await numberRow.getByRole("button", { name: "Retomar" }).click();
  await page.getByRole("dialog").getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-success").filter({ hasText: "retomados" })).toBeVisible();
  await expect(numberRow.getByTestId("pause-state")).toHaveText("Ativo");
  await expect
    .poll(
      async () =>
        (await threadOf(operatorApi, conversationId)).messages.find((m) => m.author === "bot")?.delivery
          ?.status,
      {
        timeout: 20_000,
      },
    )
    .toBe("cancelled");

  // The dead send is listed with its error; retrying delivers it.
  const sendRow = page.locator(`[data-testid="failed-send-row"][data-send-id="${outboxId}"]`);
  await expect(sendRow).toContainText("Desistiu");
  await expect(sendRow).toContainText("131000 Something went wrong (simulated)");
  await expect(sendRow).toContainText("Rua dos Pinheiros, 1200.");
  await expect(sendRow).toContainText("texto");
  // The tenant by its name, as in the numbers table.
  await expect(sendRow).toContainText("Haven Clínica");
  // On a 1280 px screen the retry button is on screen, not behind a horizontal scroll.
  await expectFitsLaptopScreen(page, page.getByTestId("failed-sends"), sendRow.getByRole("button", { name: "Tentar de novo" }));
  await shot("operations");
  await sendRow.getByRole("button", { name: "Tentar de novo" }).click();
  await page.getByRole("dialog").getByTestId("confirm-button").click();
  await expect(
    page.getByTestId("toast-success").filter({ hasText: `Envio #${outboxId} de volta na fila.` }),
  ).toBeVisible();
  await expect(sendRow).toHaveCount(0);
  await expect
    .poll(
      async () =>
        (await threadOf(operatorApi, conversationId)).messages.find((m) => m.author === "human")?.delivery
          ?.status,
      {
        timeout: 20_000,
      },
    )
    .toMatch(/delivered|read/);

  const audit = ok(
    await trpcQuery<{ items: { type: string }[] }>(operatorApi, "audit.list", {
      tenantSlug: HAVEN.slug,
      limit: 20,
    }),
  );
  expect(audit.items.map((e) => e.type)).toEqual(
    expect.arrayContaining(["number.paused", "number.unpaused", "send.retried"]),
  );
});

test("[OPERATIONS]: retries a dead reply job and the customer gets the bot's answer", async ({
  page,
  apiSignin,
  operatorApi,
  request,
}) => {
  // A message the bot never answered: it came while a human had the conversation.
  const customer = newCustomer("Morto");
  await customerSays(request, customer, "Oi!");
  const conversationId = await conversationOf(operatorApi, customer);
  await expect
    .poll(async () => (await threadOf(operatorApi, conversationId)).messages.length)
    .toBeGreaterThanOrEqual(2);
  const scope = { tenantSlug: HAVEN.slug, conversationId };
  ok(await trpcMutation(operatorApi, "conversations.takeOver", scope));
  await customerSays(request, customer, "Vocês têm estacionamento?");
  let inboundId = 0;
  await expect
    .poll(async () => {
      const thread = await threadOf(operatorApi, conversationId);
      inboundId =
        thread.messages.findLast((m) => m.author === "customer" && m.body.includes("estacionamento"))?.id ??
        0;
      return inboundId;
    })
    .toBeGreaterThan(0);
  ok(await trpcMutation(operatorApi, "conversations.handBack", scope));

  // Its reply job died (as when the model is down for all eight attempts).
  const jobId = await withStackDb(async (sql) => {
    const [tenant] = await sql<{ id: string }[]>`select id from tenants where slug = ${HAVEN.slug}`;
    const [job] = await sql<{ id: string }[]>`
      insert into message_queue (tenant_id, conversation_id, task, status, attempts, max_attempts, last_error,
                                 message_id, finished_at)
      values (${tenant?.id ?? ""}, ${conversationId}, 'conversation.reply', 'dead', 8, 8,
              'LLM timeout (simulated)', ${inboundId}, now())
      returning id`;
    return Number(job?.id);
  });

  await apiSignin("operator");
  await page.goto("/operations?tenant=haven");
  const jobRow = page.locator(`[data-testid="dead-job-row"][data-job-id="${jobId}"]`);
  await expect(jobRow).toContainText("conversation.reply");
  await expect(jobRow).toContainText("8/8 tentativas");
  await expect(jobRow).toContainText("Haven Clínica");
  await expectFitsLaptopScreen(page, page.getByTestId("dead-jobs"), jobRow.getByRole("button", { name: "Tentar de novo" }));
  await expect(jobRow).toContainText("LLM timeout (simulated)");
  await jobRow.getByRole("button", { name: "Tentar de novo" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText(`Tentar o job #${jobId} de novo?`);
  await dialog.getByTestId("confirm-button").click();
  await expect(
    page.getByTestId("toast-success").filter({ hasText: `Job #${jobId} de volta na fila.` }),
  ).toBeVisible();
  await expect(jobRow).toHaveCount(0);

  await expect
    .poll(
      async () =>
        (await threadOf(operatorApi, conversationId)).messages.find(
          (m) => m.author === "bot" && m.answersUpToId === inboundId,
        )?.delivery?.status ?? "no answer",
      { timeout: 20_000 },
    )
    .toMatch(/delivered|read/);
  const audit = ok(
    await trpcQuery<{ items: { type: string; subjectId: string | null; actorLabel: string }[] }>(
      operatorApi,
      "audit.list",
      {
        tenantSlug: HAVEN.slug,
        type: "job.retried",
      },
    ),
  );
  expect(audit.items[0]).toMatchObject({ subjectId: String(jobId), actorLabel: "operador@lx.local" });
});
