import { OPERATOR } from "../../fixtures/data.ts";
import { withStackDb } from "../../fixtures/db.ts";
import { getHavenDraft, resetHavenDraft } from "../../fixtures/drafts.ts";
import { expect, test } from "../../fixtures/test.ts";

const SPEC_URL = "/tenants/haven/agents/recepcao/spec";

/** The autosave's save, alone or in a batch (`/trpc/a,b?batch=1`). */
const isSave = (url: URL) =>
  url.pathname.startsWith("/trpc/") && decodeURIComponent(url.pathname).includes("drafts.save");

test.beforeEach(async ({ apiSignin, operatorApi }) => {
  await resetHavenDraft(operatorApi);
  await apiSignin("operator");
});

test.afterEach(async ({ operatorApi }) => {
  await resetHavenDraft(operatorApi);
});

test("[SPEC]: two tabs on one draft: the stale tab's save is refused in words, nothing is overwritten, and it loads the newer draft", async ({
  page,
  operatorApi,
}) => {
  const goalA = `Objetivo da aba A (${Date.now()})`;
  const goalB = `Objetivo da aba B (${Date.now()})`;
  await page.goto(SPEC_URL);
  const tabB = await page.context().newPage();
  await tabB.goto(SPEC_URL);
  await expect(tabB.getByTestId("spec-form")).toBeVisible();

  // Tab A saves first.
  await page.getByRole("textbox", { name: "Objetivo 1", exact: true }).fill(goalA);
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");

  // Tab B, loaded before A's save, edits another goal: refused, not "Rascunho salvo".
  await tabB.getByRole("textbox", { name: "Objetivo 2", exact: true }).fill(goalB);
  const status = tabB.getByTestId("save-status");
  await expect(status).toHaveAttribute("data-state", "conflict");
  await expect(status).toContainText("Não salvo: há um rascunho mais novo");
  const banner = tabB.getByTestId("draft-conflict");
  await expect(banner).toContainText("Outra pessoa salvou este rascunho depois que você o abriu");
  await expect(tabB.getByTestId("draft-conflict-who")).toContainText(
    new RegExp(`^${OPERATOR.email.replace(/\./g, "\\.")} salvou uma versão mais nova às \\d{2}:\\d{2}`),
  );

  // The server kept A's edit, and B's never landed.
  let draft = await getHavenDraft(operatorApi);
  expect(draft.spec.goals[0]).toBe(goalA);
  expect(draft.spec.goals[1]).not.toBe(goalB);

  // Further edits in B are not sent either; its text is there to copy.
  await banner.getByText("Seu texto (não salvo)").click();
  await expect(tabB.getByTestId("draft-conflict-mine")).toHaveValue(
    new RegExp(goalB.replace(/[()]/g, "\\$&")),
  );

  // Loading the newer draft shows A's edit in B; B's old text stays visible to copy.
  await tabB.getByTestId("draft-conflict-load").click();
  await expect(tabB.getByRole("textbox", { name: "Objetivo 1", exact: true })).toHaveValue(goalA);
  await expect(banner).toHaveAttribute("data-state", "loaded");
  await expect(tabB.getByTestId("draft-conflict-mine")).toHaveValue(
    new RegExp(goalB.replace(/[()]/g, "\\$&")),
  );

  // From the newer draft, B's edit saves — on top of A's.
  await tabB.getByRole("textbox", { name: "Objetivo 2", exact: true }).fill(goalB);
  await expect(status).toHaveAttribute("data-state", "saved");
  draft = await getHavenDraft(operatorApi);
  expect(draft.spec.goals.slice(0, 2)).toEqual([goalA, goalB]);
  await tabB.close();
});

test("[SPEC]: a save that failed while the API was down is retried by itself once it is back", async ({
  page,
  operatorApi,
}) => {
  const goal = `Salvo depois da queda (${Date.now()})`;
  await page.goto(SPEC_URL);
  await expect(page.getByTestId("spec-form")).toBeVisible();

  // The API is unreachable for the saves.
  await page.route(isSave, (route) => route.abort("connectionrefused"));
  await page.getByRole("textbox", { name: "Objetivo 3", exact: true }).fill(goal);
  const status = page.getByTestId("save-status");
  await expect(status).toHaveAttribute("data-state", "error");
  await expect(status).toContainText("Falha ao salvar o rascunho");
  await expect(status.getByRole("button", { name: "Tentar de novo" })).toBeVisible();

  // Back: saved without anyone pressing the button.
  await page.unroute(isSave);
  await expect(status).toHaveAttribute("data-state", "saved", { timeout: 12_000 });
  expect((await getHavenDraft(operatorApi)).spec.goals[2]).toBe(goal);
});

test("[SPEC]: a failed save is retried when the window regains focus", async ({ page, operatorApi }) => {
  const goal = `Salvo ao voltar para a janela (${Date.now()})`;
  await page.goto(SPEC_URL);
  await expect(page.getByTestId("spec-form")).toBeVisible();
  // Three refused attempts (the edit, retries after 1 s and 2 s): the next one waits 4 s.
  let attempts = 0;
  await page.route(isSave, (route) => {
    attempts += 1;
    return route.abort("connectionrefused");
  });
  await page.getByRole("textbox", { name: "Objetivo 3", exact: true }).fill(goal);
  const status = page.getByTestId("save-status");
  await expect.poll(() => attempts, { timeout: 8_000 }).toBe(3);
  await expect(status).toHaveAttribute("data-state", "error");
  await page.unroute(isSave);
  // Long before that, the window's focus retries at once.
  await page.evaluate(() => window.dispatchEvent(new Event("focus")));
  await expect(status).toHaveAttribute("data-state", "saved", { timeout: 2_000 });
  expect((await getHavenDraft(operatorApi)).spec.goals[2]).toBe(goal);
});

test("[SPEC]: a draft from the onboarding wizard is named as the wizard's, with its operator", async ({
  page,
}) => {
  await page.goto(SPEC_URL);
  await page.getByRole("textbox", { name: "Objetivo 3", exact: true }).fill(`Do assistente (${Date.now()})`);
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");
  // As the wizard leaves it (apps/api/src/trpc/drafts.integration.test.ts goes through the wizard itself).
  await withStackDb(
    (sql) => sql`update spec_drafts set source = 'wizard' where agent_id =
      (select a.id from agents a join tenants t on t.id = a.tenant_id where t.slug = 'haven' and a.slug = 'recepcao')`,
  );
  await page.reload();
  const status = page.getByTestId("save-status");
  await expect(status).toContainText(
    new RegExp(`^Rascunho criado no assistente de onboarding por ${OPERATOR.email.replace(/\./g, "\\.")} · `),
  );
  await expect(status).not.toContainText("lx apply");
});
