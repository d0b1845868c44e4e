import type { APIRequestContext } from "@playwright/test";

import { OTHER_TENANT } from "../../fixtures/data.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";

// The second tenant's copy of the demo agent ("Ana", offline responder), as regression-gate.spec.ts
// uses it: its cases, draft and versions are these suites' own, so no other suite is held back.
const scope = { tenantSlug: OTHER_TENANT.slug, agentSlug: "recepcao" };
const AGENT_URL = `/tenants/${scope.tenantSlug}/agents/${scope.agentSlug}`;

type Spec = { agent: Record<string, unknown> } & Record<string, unknown>;
type Version = { version: string; active: boolean; gate: string };

/** No cases, no draft, and the first version live: before (a rerun) and after (the other suites). */
async function cleanSlate(operatorApi: APIRequestContext) {
  for (const c of ok(await trpcQuery<{ id: string }[]>(operatorApi, "regression.cases", scope))) {
    ok(await trpcMutation(operatorApi, "regression.deleteCase", { ...scope, id: c.id }));
  }
  ok(await trpcMutation(operatorApi, "drafts.discard", scope));
  ok(await trpcMutation(operatorApi, "versions.activate", { ...scope, version: "1.0.0" }));
}

/** The live spec with the agent renamed, saved as the agent's draft (the offline responder says the name). */
async function saveDraftNamed(operatorApi: APIRequestContext, name: string) {
  const live = ok(await trpcQuery<{ spec: Spec }>(operatorApi, "versions.byVersion", { ...scope, version: "1.0.0" }));
  ok(
    await trpcMutation(operatorApi, "drafts.save", {
      ...scope,
      spec: { ...live.spec, agent: { ...live.spec.agent, name } },
      baseVersion: "1.0.0",
    }),
  );
}

test.beforeEach(async ({ apiSignin, operatorApi }) => {
  await cleanSlate(operatorApi);
  await apiSignin("operator");
});

test.afterAll(async ({ operatorApi }) => {
  await cleanSlate(operatorApi);
});

test("[REGRESSION DRAFT]: the cases run on the saved draft before publishing, and the version published from it is already passed", async ({
  page,
  operatorApi,
  shot,
}) => {
  test.setTimeout(120_000);
  // The case expects the draft's new name: it fails on the live 1.0.0 (Ana), passes on the draft.
  ok(
    await trpcMutation(operatorApi, "regression.saveCase", {
      ...scope,
      testCase: {
        name: "apresentação da Clara",
        turns: [{ customer: "Oi, tudo bem?" }],
        expectations: [{ kind: "contains", text: "aqui é clara" }],
      },
    }),
  );

  const latest = ok(await trpcQuery<Version[]>(operatorApi, "versions.list", scope))[0]?.version;

  // A draft with errors (an empty name): the console warns, and the API's refusal is shown.
  await saveDraftNamed(operatorApi, "");
  await page.goto(`${AGENT_URL}/tests`);
  const target = page.getByLabel("Versão");
  // Versions stay the default target; the draft is offered first.
  await expect(target.locator("option").first()).toHaveText("Rascunho atual");
  await expect(target).toHaveValue(latest ?? "");
  await expect(page.getByTestId("run-draft-hint")).toHaveCount(0);
  await target.selectOption({ label: "Rascunho atual" });
  const hint = page.getByTestId("run-draft-hint");
  await expect(hint).toContainText("compilado agora e fica congelado na execução");
  await expect(hint).toContainText("O rascunho tem erros de validação");
  await page.getByRole("button", { name: "Rodar os casos" }).click();
  await expect(page.getByTestId("toast-error").filter({ hasText: "O rascunho tem erros: corrija-os no editor da spec antes de rodar." })).toBeVisible();
  await expect(page.getByTestId("run-row-draft-cases")).toHaveCount(0);

  // The draft renamed to Clara: run the cases on it.
  await saveDraftNamed(operatorApi, "Clara");
  await page.reload();
  await target.selectOption({ label: "Rascunho atual" });
  await expect(hint).not.toContainText("O rascunho tem erros");
  await page.getByRole("button", { name: "Rodar os casos" }).click();
  const run = page.getByTestId("run-row-draft-cases").first();
  await expect(run.getByTestId("run-draft")).toHaveText("rascunho");
  await expect(run.getByTestId("run-status")).toHaveText("passou", { timeout: 30_000 });
  await expect(run).toContainText("1 de 1 passaram");
  await run.getByRole("button", { name: "Ver resultado" }).click();
  await expect(page.getByTestId("case-result-apresentação da Clara")).toContainText("Aqui é Clara");
  await shot("regression-draft");
  // The live version never ran the case.
  await target.selectOption("1.0.0");
  await expect(page.getByTestId("gate-badge")).toHaveText("Testes: não rodados");

  // Publish the draft from the compile tab: the new version is already passed, no second run.
  await page.getByRole("link", { name: "Compilar e comparar" }).first().click();
  await expect(page.getByTestId("compile-result")).toBeVisible();
  const next = ((await page.getByTestId("next-version").textContent()) ?? "").replace("Próxima versão: v", "");
  expect(next).toMatch(/^\d+\.\d+\.\d+$/);
  await page.getByLabel("Changelog").fill("A agente passa a se chamar Clara.");
  await page.getByRole("button", { name: "Publicar" }).click();
  await expect(page.getByTestId("toast-success").filter({ hasText: `Versão v${next} publicada` })).toBeVisible();
  await expect(page).toHaveURL(/\/versions$/);
  const row = page.getByTestId(`version-row-${next}`);
  await expect(row.getByTestId("gate-badge")).toHaveText("Testes: passou");
  await expect(page.getByTestId("version-row-1.0.0").getByTestId("gate-badge")).toHaveText("Testes: não rodados");
  const runs = ok(await trpcQuery<{ items: { version: string | null }[] }>(operatorApi, "regression.runs", scope));
  expect(runs.items.map((r) => r.version)).toEqual([null]);
  // Nothing holds it back.
  await row.getByRole("button", { name: "Ativar" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("gate-warning")).toHaveCount(0);
  await dialog.getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-success").filter({ hasText: `v${next} está ativa` })).toBeVisible();
  const versions = ok(await trpcQuery<Version[]>(operatorApi, "versions.list", scope));
  expect(versions.find((v) => v.active)?.version).toBe(next);

  // The draft discarded meanwhile (another operator, another tab): the run is refused and the option goes.
  await page.getByRole("link", { name: "Testes" }).click();
  await target.selectOption({ label: "Rascunho atual" });
  ok(await trpcMutation(operatorApi, "drafts.discard", scope));
  await page.getByRole("button", { name: "Reproduzir conversas reais" }).click();
  await expect(page.getByTestId("toast-error").filter({ hasText: "Este agente não tem mais um rascunho salvo" })).toBeVisible();
  await expect(target.locator("option", { hasText: "Rascunho atual" })).toHaveCount(0);
  await expect(page.getByTestId("run-row-draft-replay")).toHaveCount(0);
});
