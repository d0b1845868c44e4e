import { getHavenDraft, resetHavenDraft } from "../../fixtures/drafts.ts";
import { expect, test } from "../../fixtures/test.ts";

const SPEC_URL = "/tenants/haven/agents/recepcao/spec";

test.beforeEach(async ({ apiSignin, operatorApi }) => {
  await resetHavenDraft(operatorApi);
  await apiSignin("operator");
});

test.afterEach(async ({ operatorApi }) => {
  await resetHavenDraft(operatorApi);
});

test("[SPEC]: edits a goal in the form view and autosaves the draft", async ({ page, operatorApi, shot }) => {
  const newGoal = `Confirmar o convênio antes de agendar (${Date.now()})`;
  await page.goto(SPEC_URL);
  await expect(page.getByTestId("spec-form")).toBeVisible();
  await expect(page.getByTestId("spec-validity")).toHaveText("Spec válida");
  await expect(page.getByTestId("save-status")).toContainText("Partindo da versão ativa v1.0.");

  const goal = page.getByRole("textbox", { name: "Objetivo 3", exact: true });
  await goal.fill(newGoal);
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");
  await expect(page.getByTestId("save-status")).toContainText("Rascunho salvo às");

  const draft = await getHavenDraft(operatorApi);
  expect(draft.source).toBe("draft");
  expect(draft.spec.goals[2]).toBe(newGoal);

  // An emptied required field names its path at once.
  await goal.fill("");
  await expect(page.getByTestId("spec-errors")).toContainText("goals.2");
  await expect(page.getByTestId("spec-validity")).toHaveText("1 erro");
  await goal.fill(newGoal);
  await expect(page.getByTestId("spec-validity")).toHaveText("Spec válida");
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");

  await page.reload();
  await expect(page.getByRole("textbox", { name: "Objetivo 3", exact: true })).toHaveValue(newGoal);
  await expect(page.getByTestId("save-status")).toContainText("Rascunho de operador@lx.local");
  await shot("spec-editor-form");
});

test("[SPEC]: the JSON view of the same draft shows path-named errors and never saves broken JSON", async ({
  page,
  operatorApi,
  shot,
}) => {
  await page.goto(SPEC_URL);
  await page.getByRole("button", { name: "JSON", exact: true }).click();
  await expect(page).toHaveURL(/view=json/);
  const editor = page.getByTestId("spec-json");
  const spec = JSON.parse(await editor.inputValue()) as { handoff: Record<string, unknown>; goals: string[] };
  expect(spec.goals.length).toBeGreaterThan(0);

  // Schema-invalid but well-formed: each error is named by its path (the schema's messages in
  // Portuguese), and the draft still autosaves.
  delete spec.handoff.message;
  spec.goals = [];
  await editor.fill(JSON.stringify({ ...spec, unexpected: true }, null, 2));
  const errors = page.getByTestId("spec-errors");
  await expect(errors).toContainText("handoff.message");
  const error = (path: string) => errors.getByRole("listitem").filter({ has: page.getByText(path, { exact: true }) });
  await expect(error("handoff.message")).toContainText("obrigatório");
  await expect(error("goals")).toContainText("ao menos um objetivo");
  await expect(error("unexpected")).toContainText("campo desconhecido");
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");
  expect((await getHavenDraft(operatorApi)).spec.goals).toEqual([]);
  await shot("spec-editor-json-errors");

  // Broken JSON: a syntax error, nothing saved, and the form view refuses to open.
  await editor.fill('{ "specVersion": 1, ');
  await expect(page.getByTestId("json-syntax-error")).toContainText("JSON inválido");
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "invalid-json");
  await page.getByRole("button", { name: "Formulário", exact: true }).click();
  await expect(page.getByTestId("toast-error")).toContainText("Corrija o JSON");
  await expect(page).toHaveURL(/view=json/);
  expect((await getHavenDraft(operatorApi)).spec.goals).toEqual([]);
});

test("[SPEC]: discarding the draft goes back to the live spec", async ({ page, operatorApi }) => {
  await page.goto(SPEC_URL);
  await page.getByRole("textbox", { name: "Objetivo 1", exact: true }).fill("Um objetivo temporário");
  await expect(page.getByTestId("save-status")).toHaveAttribute("data-state", "saved");
  await page.getByRole("button", { name: "Descartar rascunho" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText("Descartar o rascunho?");
  await dialog.getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-success")).toContainText("Rascunho descartado");
  await expect(page.getByRole("textbox", { name: "Objetivo 1", exact: true })).not.toHaveValue(
    "Um objetivo temporário",
  );
  expect((await getHavenDraft(operatorApi)).source).toBe("active");
});
