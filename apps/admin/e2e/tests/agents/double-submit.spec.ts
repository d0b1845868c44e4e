import type { APIRequestContext } from "@playwright/test";

import { expect, test } from "../../fixtures/test.ts";
import { onboardTenant } from "../../fixtures/tenants.ts";
import { ok, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";
import { failTrpc } from "../../fixtures/trpc-routes.ts";

type VersionRow = { version: string; active: boolean };

// Two clicks in one tick both reached the handler before the button could be disabled (TanStack
// sets isPending on a later task): a double click on a rollback's confirmation walked back two
// versions, 1.0.2 → 1.0.1 → 1.0.0, with two toasts.
/** A tenant of its own whose agent went live at 1.0.0, then 1.0.1, then 1.0.2 (no client login: no approval gate). */
async function threeVersions(operatorApi: APIRequestContext, prefix: string) {
  const tenant = await onboardTenant(operatorApi, prefix);
  const scope = { tenantSlug: tenant.slug, agentSlug: "atendimento" };
  const spec = (goal: string) => ({
    specVersion: 1,
    agent: { name: "Bia", role: "general", language: "pt-BR", timezone: "America/Sao_Paulo" },
    business: { name: tenant.name, description: "Clínica de fisioterapia." },
    goals: [goal],
    handoff: { keywords: ["atendente"], allowModelRequest: true, message: "Já chamo alguém." },
  });
  for (const [version, goal] of [
    ["1.0.1", "Agendar uma avaliação no mesmo dia"],
    ["1.0.2", "Agendar uma avaliação na mesma semana"],
  ] as const) {
    ok(await trpcMutation(operatorApi, "versions.publish", { ...scope, spec: spec(goal), bump: "patch", changelog: `Objetivo: ${goal}` }));
    ok(await trpcMutation(operatorApi, "versions.activate", { ...scope, version, force: true }));
  }
  return { tenant, scope };
}

test("[VERSIONS]: a double click on the rollback's confirmation rolls back once", async ({ page, apiSignin, operatorApi }) => {
  test.setTimeout(120_000);
  const { tenant, scope } = await threeVersions(operatorApi, "duplo-clique");
  await apiSignin("operator");
  await page.goto(`/tenants/${tenant.slug}/agents/atendimento/versions`);
  const rollbackButton = page.getByTestId("rollback-button");
  await expect(rollbackButton).toHaveText("↶ Reverter para v1.0.1");
  await rollbackButton.click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("v1.0.1 volta a responder às próximas mensagens no lugar da v1.0.2.");
  await dialog.getByTestId("confirm-button").dblclick();
  await expect(page.getByTestId("toast-success").filter({ hasText: "Revertido: v1.0.2 → v1.0.1" })).toBeVisible();
  await expect(page.getByTestId("version-row-1.0.1").getByTestId("active-badge")).toBeVisible();

  const versions = ok(await trpcQuery<VersionRow[]>(operatorApi, "versions.list", scope));
  expect(versions.find((v) => v.active)?.version).toBe("1.0.1");
  const audit = ok(
    await trpcQuery<{ items: { type: string }[] }>(operatorApi, "audit.list", { tenantSlug: tenant.slug, type: "version.rolled_back" }),
  );
  expect(audit.items.filter((e) => e.type === "version.rolled_back")).toHaveLength(1);
  await expect(page.getByTestId("toast-success").filter({ hasText: "Revertido" })).toHaveCount(1);
});

// A rollback is relative ("the version live before the current one"): confirmed on a page loaded
// before another operator's switch, it restored the opposite of what its confirmation named.
test("[VERSIONS]: a rollback confirmed on a stale page switches nothing and says what is live now", async ({ page, apiSignin, operatorApi }) => {
  test.setTimeout(120_000);
  const { tenant, scope } = await threeVersions(operatorApi, "pagina-velha");
  await apiSignin("operator");
  await page.goto(`/tenants/${tenant.slug}/agents/atendimento/versions`);
  const rollbackButton = page.getByTestId("rollback-button");
  await expect(rollbackButton).toHaveText("↶ Reverter para v1.0.1");
  // No client login on this tenant: nobody's approval is awaited, and the list does not say it is.
  await expect(page.getByTestId("version-row-1.0.2").getByTestId("approval-badge")).toHaveText("Aprovação não exigida");

  // Another operator activates 1.0.1 meanwhile; this page still offers 1.0.2 → 1.0.1.
  ok(await trpcMutation(operatorApi, "versions.activate", { ...scope, version: "1.0.1", force: true }));
  await rollbackButton.click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("v1.0.1 volta a responder às próximas mensagens no lugar da v1.0.2.");
  await dialog.getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-error")).toContainText(
    "Nada foi revertido: a versão ativa mudou enquanto esta página estava aberta. Agora a v1.0.1 está no ar, e reverter restauraria a v1.0.2. Confira a lista e tente de novo.",
  );
  // The list catches up: 1.0.1 live, and the button now names 1.0.2.
  await expect(page.getByTestId("version-row-1.0.1").getByTestId("active-badge")).toBeVisible();
  await expect(rollbackButton).toHaveText("↶ Reverter para v1.0.2");
  const versions = ok(await trpcQuery<VersionRow[]>(operatorApi, "versions.list", scope));
  expect(versions.find((v) => v.active)?.version).toBe("1.0.1");
});

/** How many `version.activated` events the tenant's audit has (one per activation that switched). */
async function activations(operatorApi: APIRequestContext, tenantSlug: string): Promise<number> {
  const audit = ok(
    await trpcQuery<{ items: { type: string }[] }>(operatorApi, "audit.list", { tenantSlug, type: "version.activated" }),
  );
  return audit.items.filter((e) => e.type === "version.activated").length;
}

// The confirmation ignored a second click only until it rendered again: once the mutation's
// pending state rendered, a dialog whose confirm button is not disabled by a gate
// (`confirmDisabled={false}`) took a click again while the first request was still on its way.
test("[VERSIONS]: while a slow activation is on its way, more clicks on its confirmation send nothing", async ({
  page,
  apiSignin,
  operatorApi,
}) => {
  test.setTimeout(120_000);
  const { tenant } = await threeVersions(operatorApi, "ativacao-lenta");
  const before = await activations(operatorApi, tenant.slug);
  // The server gets each activation only once the test lets it through.
  const gate: { open?: () => void } = {};
  const released = new Promise<void>((resolve) => (gate.open = resolve));
  const sent: string[] = [];
  await page.route(
    (url) => url.pathname.startsWith("/trpc/") && decodeURIComponent(url.pathname).includes("versions.activate"),
    async (route) => {
      sent.push(route.request().url());
      await released;
      await route.continue();
    },
  );
  await apiSignin("operator");
  await page.goto(`/tenants/${tenant.slug}/agents/atendimento/versions`);
  await page.getByTestId("version-row-1.0.0").getByRole("button", { name: "Ativar" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("Ativar v1.0.0?");
  const confirm = dialog.getByTestId("confirm-button");
  await confirm.dblclick();
  // Pending: the button says so and takes no click (forced, as an impatient user's would land).
  await expect(confirm).toHaveAttribute("aria-busy", "true");
  await expect(confirm).toBeDisabled();
  await confirm.click({ force: true });
  await expect.poll(() => sent.length).toBe(1);
  gate.open?.();
  await expect(page.getByTestId("toast-success").filter({ hasText: "v1.0.0 está ativa" })).toBeVisible();
  await expect(dialog).toBeHidden();
  expect(sent).toHaveLength(1);
  expect(await activations(operatorApi, tenant.slug)).toBe(before + 1);
  await expect(page.getByTestId("toast-success")).toHaveCount(1);
});

test("[VERSIONS]: after an activation failed, its confirmation is enabled again and a second try goes through", async ({
  page,
  apiSignin,
  operatorApi,
}) => {
  test.setTimeout(120_000);
  const { tenant, scope } = await threeVersions(operatorApi, "ativacao-falha");
  const before = await activations(operatorApi, tenant.slug);
  const failed = await failTrpc(page, "versions.activate", { code: "INTERNAL_SERVER_ERROR", httpStatus: 500 }, { times: 1 });
  await apiSignin("operator");
  await page.goto(`/tenants/${tenant.slug}/agents/atendimento/versions`);
  await page.getByTestId("version-row-1.0.0").getByRole("button", { name: "Ativar" }).click();
  const dialog = page.getByRole("dialog");
  const confirm = dialog.getByTestId("confirm-button");
  await confirm.click();
  // Said as before (a toast), the dialog still open, and nothing switched.
  await expect(page.getByTestId("toast-error")).toContainText("Algo deu errado. Tente de novo.");
  await expect(dialog).toContainText("Ativar v1.0.0?");
  expect(failed.failed).toBe(1);
  expect(await activations(operatorApi, tenant.slug)).toBe(before);

  await expect(confirm).toBeEnabled();
  await confirm.click();
  await expect(page.getByTestId("toast-success").filter({ hasText: "v1.0.0 está ativa" })).toBeVisible();
  await expect(dialog).toBeHidden();
  const versions = ok(await trpcQuery<VersionRow[]>(operatorApi, "versions.list", scope));
  expect(versions.find((v) => v.active)?.version).toBe("1.0.0");
  expect(await activations(operatorApi, tenant.slug)).toBe(before + 1);
});
