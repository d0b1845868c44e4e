import { getHavenDraft, resetHavenDraft } from "../../fixtures/drafts.ts";
import { expect, test } from "../../fixtures/test.ts";
import { failTrpc, recordRequests } from "../../fixtures/trpc-routes.ts";

// One retry policy for the console (apps/admin/src/lib/retry.ts): the queries' retries and the
// draft autosave's backoff disagreed on which errors are worth sending again.

test.beforeEach(async ({ apiSignin, operatorApi }) => {
  await resetHavenDraft(operatorApi);
  await apiSignin("operator");
});

test.afterEach(async ({ operatorApi }) => {
  await resetHavenDraft(operatorApi);
});

test("[RETRY]: a list refused on purpose (INVALID_STATE) is asked once and its reason shown at once, not retried", async ({
  page,
}) => {
  const why = "Esta lista não pode ser lida agora.";
  await failTrpc(page, "versions.list", {
    code: "PRECONDITION_FAILED",
    httpStatus: 412,
    appError: { code: "INVALID_STATE", userMessage: why },
  });
  const asked = recordRequests(page, "versions.list");
  await page.goto("/tenants/haven/agents/recepcao/versions");
  const failed = page.getByRole("alert").filter({ hasText: "Não foi possível carregar." });
  await expect(failed).toContainText(why);
  // Retried (as before), the error would only show after two more requests, a second apart.
  expect(asked).toHaveLength(1);
});

test("[RETRY]: an autosave answered 503 by a server still starting is retried by itself", async ({
  page,
  operatorApi,
}) => {
  const goal = `Salvo depois do 503 (${Date.now()})`;
  await page.goto("/tenants/haven/agents/recepcao/spec");
  await expect(page.getByTestId("spec-form")).toBeVisible();
  const refused = await failTrpc(page, "drafts.save", { code: "SERVICE_UNAVAILABLE", httpStatus: 503 }, { times: 1 });
  await page.getByRole("textbox", { name: "Objetivo 3", exact: true }).fill(goal);
  const status = page.getByTestId("save-status");
  // Saved a second later with nobody pressing "Tentar de novo" (or leaving and coming back to the window).
  await expect(status).toHaveAttribute("data-state", "saved", { timeout: 5_000 });
  expect(refused.failed).toBe(1);
  expect((await getHavenDraft(operatorApi)).spec.goals[2]).toBe(goal);
});
