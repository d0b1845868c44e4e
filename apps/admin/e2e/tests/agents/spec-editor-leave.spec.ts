import { OTHER_TENANT } from "../../fixtures/data.ts";
import { withStackDb } from "../../fixtures/db.ts";
import { getHavenDraft, resetHavenDraft } from "../../fixtures/drafts.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";

const AGENT_URL = "/tenants/haven/agents/recepcao";
const SPEC_URL = `${AGENT_URL}/spec`;

test.beforeEach(async ({ apiSignin, operatorApi }) => {
  await resetHavenDraft(operatorApi);
  await apiSignin("operator");
});

test.afterEach(async ({ operatorApi }) => {
  await resetHavenDraft(operatorApi);
});

test("[SPEC]: unsaved JSON is never thrown away without asking: tabs, sidebar, back and closing the tab ask first", async ({
  page,
  operatorApi,
  shot,
}) => {
  await page.goto(`${AGENT_URL}/versions`);
  await page.getByRole("link", { name: "Spec", exact: true }).click();
  await page.getByRole("button", { name: "JSON", exact: true }).click();
  const editor = page.getByTestId("spec-json");
  const valid = await editor.inputValue();

  // The name changed and the JSON left broken (a trailing comma): not saved, said with line and column.
  const broken = valid.replace(/"name": "Ana"/, '"name": "Ana Paula",').replace(/,\s*\n(\s*)"role"/, ",,\n$1\"role\"");
  await editor.fill(broken);
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "invalid-json");
  await expect(page.getByTestId("json-syntax-error")).toContainText(/^JSON inválido na linha \d+, coluna \d+\./);
  await expect(page.getByTestId("json-syntax-detail")).toContainText("Detalhe do navegador:");

  // A tab: asked; staying keeps the text.
  await page.getByRole("link", { name: "Versões", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: "Sair sem salvar?" });
  await expect(dialog).toContainText("O JSON tem um erro e não foi salvo");
  await shot("spec-leave-dialog");
  await dialog.getByRole("button", { name: "Continuar editando" }).click();
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(/\/spec\?view=json$/);
  await expect(editor).toHaveValue(broken);

  // The switch to the form is refused too (the text stays).
  await page.getByRole("button", { name: "Formulário", exact: true }).click();
  await expect(page.getByTestId("toast-error")).toContainText("Corrija o JSON");
  await expect(editor).toHaveValue(broken);

  // The sidebar (another page of the console): asked.
  await page.getByRole("navigation", { name: "Navegação principal" }).getByRole("link", { name: "Auditoria" }).click();
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Continuar editando" }).click();
  await expect(page).toHaveURL(/\/spec\?view=json$/);

  // The browser's back: asked.
  await page.goBack();
  await expect(dialog).toBeVisible();
  await dialog.getByRole("button", { name: "Continuar editando" }).click();
  await expect(page).toHaveURL(/\/spec\?view=json$/);
  await expect(editor).toHaveValue(broken);

  // Closing (or reloading) the tab: the browser asks.
  const beforeUnload = page.waitForEvent("dialog");
  await page.close({ runBeforeUnload: true });
  const prompt = await beforeUnload;
  expect(prompt.type()).toBe("beforeunload");
  await prompt.dismiss();
  expect(page.isClosed()).toBe(false);
  await expect(editor).toHaveValue(broken);

  // Leaving on purpose drops the broken text: nothing of it was saved.
  await page.getByRole("link", { name: "Versões", exact: true }).click();
  await dialog.getByRole("button", { name: "Sair e descartar" }).click();
  await expect(page).toHaveURL(/\/versions$/);
  expect((await getHavenDraft(operatorApi)).source).toBe("active");
});

test("[SPEC]: a valid edit still being saved goes with the navigation, no question asked", async ({ page, operatorApi }) => {
  const goal = `Confirmar o convênio (${Date.now()})`;
  await page.goto(SPEC_URL);
  await page.getByRole("textbox", { name: "Objetivo 3", exact: true }).fill(goal);
  // Straight away, inside the autosave's wait: saved first, then the tab opens.
  await page.getByRole("link", { name: "Versões", exact: true }).click();
  await expect(page).toHaveURL(/\/versions$/);
  await expect(page.getByRole("dialog", { name: "Sair sem salvar?" })).toHaveCount(0);
  expect((await getHavenDraft(operatorApi)).spec.goals[2]).toBe(goal);
});

test("[SPEC]: a draft written by lx apply is named as such, never '?'", async ({ page, operatorApi }) => {
  // The second tenant's draft as `lx apply` leaves it: saved with no user behind it (the integration
  // test apps/api/src/trpc/drafts.integration.test.ts makes it through apply itself).
  const scope = { tenantSlug: OTHER_TENANT.slug, agentSlug: "recepcao" };
  const current = ok(await trpcQuery<{ spec: Record<string, unknown>; baseVersion: string | null }>(operatorApi, "drafts.get", scope));
  ok(await trpcMutation(operatorApi, "drafts.save", { ...scope, spec: current.spec, baseVersion: current.baseVersion }));
  await withStackDb(
    (sql) => sql`update spec_drafts set updated_by_id = null, source = 'apply' where agent_id =
      (select a.id from agents a join tenants t on t.id = a.tenant_id where t.slug = ${OTHER_TENANT.slug} and a.slug = 'recepcao')`,
  );
  try {
    await page.goto(`/tenants/${OTHER_TENANT.slug}/agents/recepcao/spec`);
    const status = page.getByTestId("save-status");
    await expect(status).toContainText(/^Rascunho gravado pelo lx apply · \d{2}\/\d{2}\/\d{4}/);
    await expect(status).not.toContainText("?");
  } finally {
    ok(await trpcMutation(operatorApi, "drafts.discard", scope));
  }
});
