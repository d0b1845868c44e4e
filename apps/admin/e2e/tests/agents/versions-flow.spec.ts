import { resetHavenDraft } from "../../fixtures/drafts.ts";
import { expectFitsLaptopScreen } from "../../fixtures/layout.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";

const AGENT_URL = "/tenants/haven/agents/recepcao";
const OLD_GOAL = "Agendar uma avaliação ou sessão no horário que funcione para ela";
const NEW_GOAL = "Agendar uma avaliação no mesmo dia sempre que houver horário livre";

test.beforeEach(async ({ apiSignin, operatorApi }) => {
  await resetHavenDraft(operatorApi);
  await apiSignin("operator");
});

test.afterAll(async ({ operatorApi }) => {
  await resetHavenDraft(operatorApi);
});

test("[VERSIONS]: compiles a changed goal with a diff, publishes 1.0.1, activates it and rolls back to 1.0.0", async ({
  page,
  shot,
}) => {
  test.setTimeout(120_000);

  // Edit: the second goal changes in the form view.
  await page.goto(`${AGENT_URL}/spec`);
  const goal = page.getByRole("textbox", { name: "Objetivo 2", exact: true });
  await expect(goal).toHaveValue(OLD_GOAL);
  await goal.fill(NEW_GOAL);
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");

  // Compile & diff: the changed line is removed on the left and added on the right.
  await page.getByRole("link", { name: "Compilar e comparar" }).first().click();
  await expect(page).toHaveURL(/\/compile$/);
  const result = page.getByTestId("compile-result");
  await expect(result).toBeVisible();
  await expect(result).toContainText("Comparado com a versão ativa v1.0.0");
  await expect(page.getByTestId("stat-chars")).toBeVisible();
  await expect(page.getByTestId("stat-tokens")).toContainText("vs. ativa");
  const split = page.getByTestId("prompt-diff-split");
  await expect(split.locator('td[data-op="del"]', { hasText: OLD_GOAL })).toBeVisible();
  await expect(split.locator('td[data-op="add"]', { hasText: NEW_GOAL })).toBeVisible();
  await expect(page.getByTestId("next-version")).toHaveText("Próxima versão: v1.0.1");
  await shot("compile-diff");

  await page.getByRole("button", { name: "Unificado" }).click();
  const unified = page.getByTestId("prompt-diff-unified");
  await expect(unified.locator('tr[data-op="add"]', { hasText: NEW_GOAL })).toBeVisible();
  await expect(unified.locator('tr[data-op="del"]', { hasText: OLD_GOAL })).toBeVisible();

  // Publish 1.0.1 (patch): the changelog is required (the client approves by it), said in Portuguese.
  await page.getByRole("button", { name: "Publicar" }).click();
  await expect(page.getByText("diga o que mudou: o cliente lê isto antes de aprovar a versão")).toBeVisible();
  await expect(page).toHaveURL(/\/compile$/);
  await page.getByLabel("Changelog").fill("Prioriza avaliações no mesmo dia.");
  await page.getByRole("button", { name: "Publicar" }).click();
  await expect(
    page.getByTestId("toast-success").filter({ hasText: "Versão v1.0.1 publicada" }),
  ).toBeVisible();
  await expect(page).toHaveURL(/\/versions$/);
  const v101 = page.getByTestId("version-row-1.0.1");
  const v100 = page.getByTestId("version-row-1.0.0");
  await expect(v101).toContainText("Prioriza avaliações no mesmo dia.");
  await expect(v101).toContainText("operador@lx.local");
  // The demo's first version was published by the platform itself: named in Portuguese.
  await expect(v100).toContainText("por sistema");
  await expect(v101).toContainText("Aguardando aprovação");
  await expect(v100.getByTestId("active-badge")).toBeVisible();
  await expect(v101.getByTestId("active-badge")).toHaveCount(0);

  // 1.0.0 went live first: nothing to roll back to, and the button says so.
  const rollbackButton = page.getByTestId("rollback-button");
  await expect(rollbackButton).toBeDisabled();
  await expect(page.getByTestId("rollback-unavailable")).toHaveText("Sem versão anterior para restaurar");

  // On a 1280 px screen the whole table fits: the actions column is not pushed behind a horizontal scroll.
  await expectFitsLaptopScreen(page, page.getByTestId("versions-table"), v101.getByRole("button", { name: "Ativar" }));

  // Activate 1.0.1 behind a confirmation. Haven has a client login and 1.0.1 is not approved: the
  // dialog says so and only the override (which names the gate it passes) lets it go live.
  await v101.getByRole("button", { name: "Ativar" }).click();
  const activateDialog = page.getByRole("dialog");
  await expect(activateDialog).toContainText("Ativar v1.0.1?");
  await expect(activateDialog.getByTestId("approval-warning")).toContainText("O cliente ainda não aprovou a v1.0.1.");
  await expect(activateDialog.getByTestId("confirm-button")).toBeDisabled();
  await activateDialog.getByLabel("Ativar mesmo assim, sem a aprovação do cliente (a liberação forçada fica na auditoria)").check();
  await activateDialog.getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-success").filter({ hasText: "v1.0.1 está ativa" })).toBeVisible();
  await expect(v101.getByTestId("active-badge")).toBeVisible();
  await expect(page.getByText("v1.0.1 ativa")).toBeVisible();

  // Roll back to 1.0.0 behind a confirmation that names it.
  await expect(rollbackButton).toHaveText("↶ Reverter para v1.0.0");
  await expect(page.getByTestId("rollback-unavailable")).toHaveCount(0);
  await rollbackButton.click();
  const rollbackDialog = page.getByRole("dialog");
  await expect(rollbackDialog).toContainText("Reverter para a versão ativa anterior?");
  await expect(rollbackDialog).toContainText("v1.0.0 volta a responder às próximas mensagens no lugar da v1.0.1.");
  await rollbackDialog.getByTestId("confirm-button").click();
  await expect(
    page.getByTestId("toast-success").filter({ hasText: "Revertido: v1.0.1 → v1.0.0" }),
  ).toBeVisible();
  await expect(v100.getByTestId("active-badge")).toBeVisible();
  await expect(v101.getByTestId("active-badge")).toHaveCount(0);
  // Back on the first live version: nothing earlier to restore, and the button is off, saying why.
  await expect(rollbackButton).toBeDisabled();
  await expect(page.getByTestId("rollback-unavailable")).toHaveText("Sem versão anterior para restaurar");
  await v101.getByRole("button", { name: "Expandir v1.0.1" }).click();
  await expect(page.getByText("Hash do bundle")).toBeVisible();
  // The operator sees what the version changes, as its client reviews it: the goal's line diff.
  const review = page.getByTestId("operator-version-review");
  await expect(review).toContainText("Comparada com a v1.0.0");
  await expect(review.locator('tr[data-op="add"]', { hasText: NEW_GOAL })).toBeVisible();
  await expect(review.locator('tr[data-op="del"]', { hasText: OLD_GOAL })).toBeVisible();
  await shot("versions");

  // The audit log has the three switches and the override, newest first, with their before/after.
  await page.goto("/audit?tenant=haven&type=version.");
  const rows = page.getByTestId("audit-row");
  await expect(rows.nth(0)).toHaveAttribute("data-type", "version.rolled_back");
  await expect(rows.nth(1)).toHaveAttribute("data-type", "version.activated");
  await expect(rows.nth(2)).toHaveAttribute("data-type", "version.approval_overridden");
  await expect(rows.nth(2)).toContainText("Ativada sem a aprovação do cliente");
  await expect(rows.nth(3)).toHaveAttribute("data-type", "version.published");
  await rows
    .nth(0)
    .getByRole("button", { name: /Expandir/ })
    .click();
  const details = page.getByTestId("audit-details");
  await expect(details).toContainText('"version": "1.0.1"');
  await expect(details).toContainText('"version": "1.0.0"');
  await shot("audit-version-switches");
});

test("[VERSIONS]: a rollback refused by the server (the list was stale) says why, in words, and the button follows", async ({
  page,
  operatorApi,
}) => {
  const scope = { tenantSlug: "haven", agentSlug: "recepcao" };
  const versions = ok(await trpcQuery<{ version: string; active: boolean }[]>(operatorApi, "versions.list", scope));
  const first = versions.at(-1)?.version ?? "1.0.0";
  // The version the first test published (the agent has at least two).
  const newer = versions.find((v) => v.version !== first)?.version;
  expect(newer).toBeDefined();
  ok(await trpcMutation(operatorApi, "versions.activate", { ...scope, version: newer ?? "", force: true }));
  await page.goto(`${AGENT_URL}/versions`);
  const rollbackButton = page.getByTestId("rollback-button");
  await expect(rollbackButton).toHaveText(`↶ Reverter para v${first}`);

  // Someone else rolls back meanwhile: this page still offers it.
  ok(await trpcMutation(operatorApi, "versions.rollback", scope));
  await rollbackButton.click();
  await page.getByRole("dialog").getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-error")).toContainText(
    `Não há versão para restaurar: nenhuma versão estava no ar antes da v${first}.`,
  );
  await expect(page.getByTestId("toast-error")).not.toContainText("Esta ação não é possível");
  await expect(rollbackButton).toBeDisabled();
  await expect(page.getByTestId("rollback-unavailable")).toHaveText("Sem versão anterior para restaurar");
});

test("[VERSIONS]: the client rejects a version (the operator sees the note and the gate), then approves it, and it goes live without an override", async ({
  page,
  apiSignin,
  operatorApi,
}) => {
  const scope = { tenantSlug: "haven", agentSlug: "recepcao" };
  const versions = ok(await trpcQuery<{ version: string; active: boolean }[]>(operatorApi, "versions.list", scope));
  // The version the first test published, not live now (the second test rolled it back).
  const candidate = versions.find((v) => !v.active)?.version;
  expect(candidate).toBeDefined();
  const version = candidate ?? "";

  // The client rejects it, with a note, on its own page.
  await apiSignin("client");
  await page.goto("/client/versions");
  const clientRow = page.getByTestId(`client-version-${version}`);
  await clientRow.getByRole("button", { name: "Rejeitar" }).click();
  const decide = page.getByRole("dialog");
  await decide.getByLabel(/Observação/).fill("Preferimos manter o objetivo antigo.");
  await decide.getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-success").filter({ hasText: `v${version} rejeitada` })).toBeVisible();

  // The operator: the list shows the rejection and the client's note; activating is held back, quoting it.
  await apiSignin("operator");
  await page.goto(`${AGENT_URL}/versions`);
  const row = page.getByTestId(`version-row-${version}`);
  await expect(row.getByTestId("approval-badge")).toHaveText("Rejeitada");
  await expect(row.getByTestId("rejection-note")).toHaveText("Nota do cliente: “Preferimos manter o objetivo antigo.”");
  // No approve button for the operator: the client decides.
  await expect(page.getByRole("button", { name: "Aprovar" })).toHaveCount(0);
  await row.getByRole("button", { name: "Ativar" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("approval-warning")).toContainText(
    `O cliente rejeitou a v${version}: “Preferimos manter o objetivo antigo.”`,
  );
  await expect(dialog.getByTestId("confirm-button")).toBeDisabled();
  await dialog.getByRole("button", { name: "Cancelar" }).click();

  // The client changes its mind and approves it.
  await apiSignin("client");
  await page.goto("/client/versions");
  await page.getByTestId(`client-version-${version}`).getByRole("button", { name: "Aprovar" }).click();
  await page.getByRole("dialog").getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-success").filter({ hasText: `v${version} aprovada` })).toBeVisible();

  // Now it goes live behind the plain confirmation, no override.
  await apiSignin("operator");
  await page.goto(`${AGENT_URL}/versions`);
  await expect(row.getByTestId("approval-badge")).toHaveText("Aprovada");
  await row.getByRole("button", { name: "Ativar" }).click();
  await expect(dialog.getByTestId("approval-warning")).toHaveCount(0);
  await expect(dialog.getByRole("checkbox")).toHaveCount(0);
  await dialog.getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-success").filter({ hasText: `v${version} está ativa` })).toBeVisible();
  await expect(row.getByTestId("active-badge")).toBeVisible();

  // Back to the first version for the other suites: a rollback, which is never gated.
  ok(await trpcMutation(operatorApi, "versions.rollback", scope));
});
