import { newCustomer } from "../../fixtures/customer.ts";
import { HAVEN } from "../../fixtures/data.ts";
import { withStackDb } from "../../fixtures/db.ts";
import { onboardTenant } from "../../fixtures/tenants.ts";
import { ok, signIn, trpcMutation } from "../../fixtures/trpc.ts";
import { expect, test } from "../../fixtures/test.ts";

/** "+55 11 98765 4321" (libphonenumber's international format) from newCustomer's digits. */
const formatted = (waId: string) => `+55 11 ${waId.slice(4, 9)} ${waId.slice(9)}`;

/** A booked appointment on Haven's calendar, `days` from now at 14:00 São Paulo time (17:00 UTC). */
async function bookOnHaven(customerName: string, service: string, days: number): Promise<{ id: string; conversationId: string; waId: string }> {
  const customer = newCustomer(customerName);
  return withStackDb(async (sql) => {
    const [row] = await sql<{ id: string; conversation_id: string }[]>`
      with n as (select id, tenant_id from phone_numbers where phone_number_id = ${HAVEN.phoneNumberId}),
      c as (
        insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id, customer_name)
        select tenant_id, id, ${customer.waId}, ${customer.waId}, ${customer.name} from n
        returning id, tenant_id
      )
      insert into appointments (tenant_id, conversation_id, customer_key, customer_name, service, starts_at, ends_at)
      select c.tenant_id, c.id, ${customer.waId}, ${customer.name}, ${service},
             (date_trunc('day', now() at time zone 'UTC') + make_interval(days => ${days}, hours => 17)) at time zone 'UTC',
             (date_trunc('day', now() at time zone 'UTC') + make_interval(days => ${days}, hours => 18)) at time zone 'UTC'
      from c
      returning id, conversation_id`;
    return { id: row?.id ?? "", conversationId: row?.conversation_id ?? "", waId: customer.waId };
  });
}

test("[APPOINTMENTS]: the client sees Haven's upcoming appointments in Haven's time zone, read-only", async ({ page, apiSignin, shot }) => {
  const booked = await bookOnHaven("Agenda Cliente", "Limpeza de pele", 3);
  await apiSignin("client");
  await page.goto("/client/metrics");
  await page.getByRole("link", { name: "Agendamentos" }).click();
  await expect(page).toHaveURL(/\/client\/appointments$/);
  const view = page.getByTestId("appointments");
  await expect(view.getByTestId("appointments-zone")).toHaveText("Horários em America/Sao_Paulo");
  // The customer's number in the console's one phone format ("+55 11 98765 4321").
  const row = view.getByTestId("appointment").filter({ hasText: formatted(booked.waId) });
  await expect(row).toContainText("Limpeza de pele");
  await expect(row).toContainText("Marcado");
  // 17:00 UTC is 14:00 in São Paulo.
  await expect(row).toContainText("14:00");
  await expect(row.getByRole("button", { name: "Cancelar" })).toHaveCount(0);
  await shot("client-appointments");
});

test("[APPOINTMENTS]: an operator opens them from the tenant page and cancels one; it stays listed as cancelled and is audited", async ({
  page,
  apiSignin,
}) => {
  const booked = await bookOnHaven("Agenda Operador", "Consulta dermatológica", 4);
  await apiSignin("operator");
  await page.goto(`/tenants/${HAVEN.slug}`);
  await page.getByRole("link", { name: "Agendamentos" }).click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${HAVEN.slug}/appointments$`));
  const row = page.getByTestId("appointment").filter({ hasText: formatted(booked.waId) });
  await expect(row).toContainText("Consulta dermatológica");
  await row.getByRole("button", { name: "Cancelar" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("O horário volta a ficar livre");
  // Telling the customer is on by default.
  await expect(dialog.getByLabel("Avisar o cliente pelo WhatsApp")).toBeChecked();
  await dialog.getByRole("button", { name: "Cancelar agendamento" }).click();
  await expect(page.getByText("Agendamento cancelado; o cliente foi avisado")).toBeVisible();
  await expect(row).toContainText("Cancelado");
  await expect(row.getByRole("button", { name: "Cancelar" })).toHaveCount(0);
  const audited = await withStackDb(
    (sql) => sql<{ n: number }[]>`select count(*)::int as n from audit_events where type = 'appointment.cancelled' and subject_id = ${booked.id}`,
  );
  expect(audited[0]?.n).toBe(1);
  const notices = await withStackDb(
    (sql) => sql<{ body: string }[]>`select body from messages where conversation_id = ${booked.conversationId} and author = 'human'`,
  );
  expect(notices.map((n) => n.body)).toEqual([expect.stringContaining("foi cancelado")]);
  // Its conversation is one click away.
  await row.getByRole("link", { name: "Abrir conversa" }).click();
  await expect(page).toHaveURL(new RegExp(`conversations\\?c=${booked.conversationId}`));
});

test("[LEADS]: the client reads the deals Haven's agents recorded in the CRM, with the qualifying answers; the operator links to the conversation", async ({
  page,
  apiSignin,
}) => {
  const customer = newCustomer("Lead");
  const conversationId = await withStackDb(async (sql) => {
    const [row] = await sql<{ id: string }[]>`
      with n as (select id, tenant_id from phone_numbers where phone_number_id = ${HAVEN.phoneNumberId}),
      c as (
        insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id, customer_name)
        select tenant_id, id, ${customer.waId}, ${customer.waId}, ${customer.name} from n
        returning id, tenant_id
      ),
      d as (
        insert into crm_deals (tenant_id, conversation_id, title, fields, backend, external_id)
        select c.tenant_id, c.id, ${`${customer.name} - Botox`}, ${sql.json({ interesse: "botox", orcamento: "R$ 1.000" })}, 'pipedrive', '4242'
        from c
      )
      select id from c`;
    return row?.id ?? "";
  });
  await apiSignin("client");
  await page.goto("/client/metrics");
  await page.getByRole("link", { name: "Leads" }).click();
  const row = page.getByTestId("deal").filter({ hasText: customer.name });
  await expect(row).toContainText(`${customer.name} - Botox`);
  await expect(row).toContainText("botox");
  await expect(row).toContainText("R$ 1.000");
  await expect(row).toContainText("Pipedrive");
  await expect(row).toContainText("#4242");
  await expect(row.getByRole("link")).toHaveCount(0);

  await apiSignin("operator");
  await page.goto(`/tenants/${HAVEN.slug}`);
  await page.getByRole("link", { name: "Leads no CRM" }).click();
  await page.getByTestId("deal").filter({ hasText: "#4242" }).getByRole("link", { name: customer.name }).click();
  await expect(page).toHaveURL(new RegExp(`conversations\\?c=${conversationId}`));
});

test("[APPOINTMENTS]: with nothing yet, the client reads plain words and the operator the technical ones", async ({
  page,
  operatorApi,
  apiSignin,
  shot,
}) => {
  const tenant = await onboardTenant(operatorApi, "agenda-vazia");
  const client = { email: `cliente-${tenant.slug}@example.test`, password: "senha-do-cliente-1" };
  ok(await trpcMutation(operatorApi, "users.create", { tenantSlug: tenant.slug, ...client }));
  await signIn(page.request, client);
  for (const path of ["/client/appointments", "/client/deals"]) {
    await page.goto(path);
    const main = page.getByRole("main");
    await expect(main.getByText(/Nenhum/)).toBeVisible();
    await expect(main).not.toContainText(/plugin|spec|create_deal/);
  }
  await page.goto("/client/appointments");
  await expect(page.getByRole("main")).toContainText("Quando o seu assistente marcar um horário");
  await shot("client-appointments-empty");

  await apiSignin("operator");
  await page.goto(`/tenants/${tenant.slug}/appointments`);
  await expect(page.getByRole("main")).toContainText("plugin de calendário (local)");
});
