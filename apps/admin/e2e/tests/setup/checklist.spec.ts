import { request as playwrightRequest } from "@playwright/test";

import { customerSays, newCustomer } from "../../fixtures/customer.ts";
import { CLIENT, HAVEN } from "../../fixtures/data.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, signIn, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";

type Checklist = { items: { key: string; status: string; evidence: string | null }[]; complete: boolean };

test("[SETUP]: the tenant page shows the checklist the system computes, item by item, until the setup is delivered", async ({
  page,
  apiSignin,
  operatorApi,
  request,
  baseURL,
  shot,
}) => {
  test.setTimeout(120_000);
  // Evidence produced through the product itself: a customer's message answered on the sandbox
  // number, and Haven's client signing in.
  const customer = newCustomer("Setup");
  await customerSays(request, customer, "Oi, tudo bem?");
  const client = await playwrightRequest.newContext({ baseURL });
  await signIn(client, CLIENT);
  await client.dispose();
  await expect
    .poll(
      async () => {
        const checklist = ok(
          await trpcQuery<Checklist>(operatorApi, "setup.checklist", { tenantSlug: HAVEN.slug }),
        );
        return checklist.items.find((i) => i.key === "number_answered")?.status;
      },
      { timeout: 30_000 },
    )
    .toBe("sandbox");

  await apiSignin("operator");
  await page.goto(`/tenants/${HAVEN.slug}`);
  const card = page.getByTestId("setup-checklist");
  await expect(card.getByRole("heading", { name: "Checklist de entrega" })).toBeVisible();
  const item = (key: string) => card.locator(`[data-testid="setup-item"][data-key="${key}"]`);
  await expect(item("number_answered")).toHaveAttribute("data-status", "sandbox");
  await expect(item("number_answered")).toContainText("Feito no sandbox (demo)");
  // The number written as the numbers card writes it (formatPhone), not as it was typed.
  await expect(item("number_answered").getByTestId("setup-evidence")).toContainText("+55 11 99999 0001 · ");
  await expect(item("number_answered")).not.toContainText("99999-0001");
  await expect(item("version_active")).toHaveAttribute("data-status", "done");
  await expect(item("version_active")).toContainText(/recepcao v\d+\.\d+\.\d+/);
  await expect(item("client_login")).toHaveAttribute("data-status", "done");
  await expect(item("client_login")).toContainText(CLIENT.email);
  await shot("setup-checklist");

  // The client looks at their metrics and the handoff test passes: the checklist is complete, with the
  // number labelled as the sandbox's (the demo has no official number).
  const clientApi = await playwrightRequest.newContext({ baseURL });
  await signIn(clientApi, CLIENT);
  ok(await trpcQuery(clientApi, "metrics.tenant", { tenantSlug: HAVEN.slug }));
  await clientApi.dispose();
  const handoff = ok(
    await trpcMutation<{ passed: boolean; failure: unknown }>(operatorApi, "sandbox.handoffTest", {
      tenantSlug: HAVEN.slug,
      agentSlug: HAVEN.agent,
    }),
  );
  expect(handoff.failure).toBeNull();
  await page.reload();
  await expect(item("client_metrics")).toHaveAttribute("data-status", "done");
  await expect(item("handoff_test")).toHaveAttribute("data-status", "done");
  await expect(card.getByTestId("setup-complete")).toHaveText("Setup entregue (número só no sandbox)");
  await shot("setup-checklist-complete");

  // The same checklist has its own page, linked from the tenant's shortcuts.
  await page.getByRole("link", { name: "Checklist de entrega" }).click();
  await expect(page).toHaveURL(new RegExp(`/tenants/${HAVEN.slug}/setup$`));
  await expect(page.getByRole("heading", { name: "Checklist de entrega", level: 1 })).toBeVisible();
  await expect(page.getByTestId("setup-item")).toHaveCount(5);
});
