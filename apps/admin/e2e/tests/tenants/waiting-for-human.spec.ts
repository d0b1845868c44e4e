import { randomInt } from "node:crypto";

import { withStackDb } from "../../fixtures/db.ts";
import { onboardTenant } from "../../fixtures/tenants.ts";
import { expect, test } from "../../fixtures/test.ts";

/** `count` conversations of a tenant's (only) number, in `mode`, straight in the stack's database. */
async function seedConversations(tenantSlug: string, mode: string, count: number): Promise<void> {
  await withStackDb(async (sql) => {
    for (let i = 0; i < count; i++) {
      const waId = `55119${String(randomInt(0, 1e8)).padStart(8, "0")}`;
      await sql`
        insert into conversations (tenant_id, phone_number_id, customer_key, customer_wa_id, customer_name, mode, last_message_at)
        select t.id, n.id, ${waId}, ${waId}, ${`Paciente ${waId.slice(-4)}`}, ${mode}, now()
        from tenants t join phone_numbers n on n.tenant_id = t.id
        where t.slug = ${tenantSlug}
        limit 1`;
    }
  });
}

function sandboxNumber(prefix: string) {
  const id = `107${String(randomInt(0, 1e10)).padStart(10, "0")}`;
  return [
    {
      phoneNumberId: id,
      displayPhoneNumber: `+55 11 9${id.slice(-8)}`,
      accessToken: `EAAG-${prefix}`,
      kind: "sandbox",
    },
  ];
}

test("[TENANTS]: customers waiting for a human show outside the inbox — the list, the tenant's Conversas, the navigation and the tab title", async ({
  page,
  apiSignin,
  operatorApi,
}) => {
  test.setTimeout(120_000);
  const waiting = await onboardTenant(operatorApi, "espera", { numbers: sandboxNumber("espera") });
  const quiet = await onboardTenant(operatorApi, "calma", { numbers: sandboxNumber("calma") });
  await seedConversations(waiting.slug, "pending_human", 2);
  await seedConversations(waiting.slug, "human", 1);
  await seedConversations(quiet.slug, "bot", 2);
  await apiSignin("operator");
  await page.goto("/tenants");

  // The list: a badge with the tenant's count (a link to its waiting conversations); none beside a
  // tenant whose customers are all with the bot.
  const waitingRow = page.locator(`[data-testid="tenant-row"][data-slug="${waiting.slug}"]`);
  const quietRow = page.locator(`[data-testid="tenant-row"][data-slug="${quiet.slug}"]`);
  await expect(waitingRow.getByTestId("tenant-waiting")).toHaveAttribute("data-count", "2");
  await expect(waitingRow.getByTestId("tenant-waiting")).toHaveAttribute(
    "title",
    "2 clientes aguardando um humano",
  );
  await expect(quietRow.getByTestId("tenant-waiting")).toHaveCount(0);
  // By name "calma" comes first; sorted by waiting customers, "espera" does.
  const order = async () =>
    page.getByTestId("tenant-row").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-slug")));
  expect((await order()).indexOf(quiet.slug)).toBeLessThan((await order()).indexOf(waiting.slug));
  await page.getByTestId("sort-by-waiting").click();
  await expect(page.getByTestId("sort-by-waiting")).toHaveAttribute("aria-pressed", "true");
  expect((await order()).indexOf(waiting.slug)).toBeLessThan((await order()).indexOf(quiet.slug));
  const counts = await page
    .getByTestId("tenant-row")
    .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("data-waiting"))));
  expect(counts).toEqual([...counts].sort((a, b) => b - a));

  // The navigation's total (every tenant's) and the tab title's "(N)" say the same; at least ours.
  const nav = page.getByTestId("sidebar").getByTestId("nav-waiting");
  await expect(nav).toBeVisible();
  const total = Number(await nav.getAttribute("data-count"));
  expect(total).toBeGreaterThanOrEqual(2);
  await expect(page).toHaveTitle(new RegExp(`^\\(${total}\\) Empresas · `));

  // The tenant page: Conversas counts its waiting customers; a takeover is seen at the next poll.
  await waitingRow.getByRole("link", { name: waiting.name }).click();
  const shortcut = page.getByTestId("tenant-side").getByRole("link", { name: /^Conversas/ });
  await expect(shortcut.getByTestId("shortcut-waiting")).toHaveAttribute("data-count", "2");
  // The tenant's own page names no page: "(N) <tenant> · LX Agent Factory", the product said once.
  const tenantName = waiting.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  await expect(page).toHaveTitle(new RegExp(`^\\(\\d+\\) ${tenantName} · LX Agent Factory$`));
  await withStackDb(async (sql) => {
    await sql`
      update conversations set mode = 'human'
      where id = (select c.id from conversations c join tenants t on t.id = c.tenant_id
                  where t.slug = ${waiting.slug} and c.mode = 'pending_human' limit 1)`;
  });
  await expect(shortcut.getByTestId("shortcut-waiting")).toHaveAttribute("data-count", "1", {
    timeout: 35_000,
  });
  await expect(page).toHaveTitle(/^\(\d+\) /);
  await page.goto(`/tenants/${quiet.slug}`);
  await expect(
    page
      .getByTestId("tenant-side")
      .getByRole("link", { name: /^Conversas/ })
      .getByTestId("shortcut-waiting"),
  ).toHaveCount(0);

  // The badge in the list leads to the tenant's waiting conversations.
  await page.goto("/tenants");
  await waitingRow.getByTestId("tenant-waiting").click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${waiting.slug}/conversations\\?mode=pending_human$`));
});

test("[TENANTS]: a client is not asked for nor shown the operators' waiting total", async ({
  page,
  apiSignin,
}) => {
  const asked: string[] = [];
  page.on("request", (req) => {
    if (req.url().includes("tenants.waitingCount")) {
      asked.push(req.url());
    }
  });
  await apiSignin("client");
  await page.goto("/client/metrics");
  await expect(page.getByTestId("sidebar")).toBeVisible();
  await expect(page.getByTestId("nav-waiting")).toHaveCount(0);
  await expect(page).not.toHaveTitle(/^\(/);
  expect(asked).toEqual([]);
});
