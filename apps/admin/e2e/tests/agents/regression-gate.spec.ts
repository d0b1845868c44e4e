import type { APIRequestContext } from "@playwright/test";

import { customerSays, newCustomer } from "../../fixtures/customer.ts";
import { OTHER_TENANT } from "../../fixtures/data.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";

// The second tenant's copy of the demo agent ("Ana", offline responder): its test cases and versions
// are this file's own, so the gate never holds back another suite's activation.
const scope = { tenantSlug: OTHER_TENANT.slug, agentSlug: "recepcao" };
const AGENT_URL = `/tenants/${scope.tenantSlug}/agents/${scope.agentSlug}`;

type Version = { version: string; active: boolean };

/** No cases, and the first version live: before (a rerun) and after (the other suites). */
async function cleanSlate(operatorApi: APIRequestContext) {
  for (const c of ok(await trpcQuery<{ id: string }[]>(operatorApi, "regression.cases", scope))) {
    ok(await trpcMutation(operatorApi, "regression.deleteCase", { ...scope, id: c.id }));
  }
  ok(await trpcMutation(operatorApi, "versions.activate", { ...scope, version: "1.0.0" }));
}

test.beforeEach(async ({ apiSignin, operatorApi }) => {
  await cleanSlate(operatorApi);
  await apiSignin("operator");
});

test.afterAll(async ({ operatorApi }) => {
  await cleanSlate(operatorApi);
});

test("[REGRESSION GATE]: write cases, run them on a version, a new version is held back until it passes or is overridden, and a replay shows what changes", async ({
  page,
  operatorApi,
  request,
  shot,
}) => {
  test.setTimeout(120_000);
  // A real conversation for the replay, answered by the live version.
  const replayCustomer = newCustomer("Replay");
  await customerSays(request, replayCustomer, "Oi, vocês abrem sábado?", OTHER_TENANT.phoneNumberId);

  await page.goto(AGENT_URL);
  await page.getByRole("link", { name: "Testes" }).click();
  await expect(page).toHaveURL(new RegExp(`${AGENT_URL}/tests$`));
  await expect(page.getByText("Nenhum caso ainda.")).toBeVisible();

  // Case 1: the bot introduces itself as Ana. The form checks the case before sending it.
  await page.getByRole("button", { name: "Novo caso" }).click();
  const editor = page.getByTestId("case-editor");
  await editor.getByRole("button", { name: "Salvar caso" }).click();
  await expect(editor.getByText("Confira os campos destacados.")).toBeVisible();
  // The API's own schema says why, in the console's language.
  await expect(editor.getByTestId("field-errors").first()).toHaveText("obrigatório");
  await editor.getByRole("textbox", { name: "Nome" }).fill("apresentação");
  await editor.getByRole("textbox", { name: "Mensagem 1" }).fill("Oi, tudo bem?");
  await editor.getByLabel("Texto").fill("aqui é ana");
  await editor.getByRole("button", { name: "Salvar caso" }).click();
  await expect(page.getByTestId("toast-success").filter({ hasText: "Caso salvo" })).toBeVisible();

  // Case 2: asking for a person hands off, and the bot never says it is offline there.
  await page.getByRole("button", { name: "Novo caso" }).click();
  await editor.getByRole("textbox", { name: "Nome" }).fill("pede atendente");
  await editor.getByRole("textbox", { name: "Mensagem 1" }).fill("Quero falar com um atendente");
  await editor.getByRole("combobox", { name: "Expectativas 1" }).selectOption("handoff");
  await editor.getByRole("button", { name: "Salvar caso" }).click();
  await expect(page.getByTestId("case-row-pede atendente")).toContainText("Transfere para humano");

  // Run on 1.0.0: both pass, with each simulated conversation to read.
  await page.getByLabel("Versão").selectOption("1.0.0");
  await page.getByRole("button", { name: "Rodar os casos" }).click();
  const run100 = page.getByTestId("run-row-1.0.0-cases").first();
  await expect(run100.getByTestId("run-status")).toHaveText("passou", { timeout: 30_000 });
  await expect(run100).toContainText("2 de 2 passaram");
  await run100.getByRole("button", { name: "Ver resultado" }).click();
  const intro = page.getByTestId("case-result-apresentação");
  await expect(intro).toContainText("Aqui é Ana");
  await expect(page.getByTestId("case-result-pede atendente")).toContainText('transferida (Palavra-chave): "atendente"');
  await shot("regression-cases");

  // A new version where the agent is called Bia: published through the API, shown as not run.
  const detail = ok(await trpcQuery<{ spec: { agent: Record<string, unknown> } }>(operatorApi, "versions.byVersion", { ...scope, version: "1.0.0" }));
  const published = ok(
    await trpcMutation<{ version: string }>(operatorApi, "versions.publish", {
      ...scope,
      spec: { ...detail.spec, agent: { ...detail.spec.agent, name: "Bia" } },
      bump: "minor",
      changelog: "A agente passa a se chamar Bia.",
    }),
  );
  const candidate = published.version;

  // Published outside this page: load the versions afresh.
  await page.goto(`${AGENT_URL}/versions`);
  const row = page.getByTestId(`version-row-${candidate}`);
  await expect(row.getByTestId("gate-badge")).toHaveText("Testes: não rodados");
  await expect(page.getByTestId("version-row-1.0.0").getByTestId("gate-badge")).toHaveText("Testes: passou");
  await row.getByRole("button", { name: "Ativar" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("gate-warning")).toContainText(`Os casos de teste atuais ainda não rodaram na v${candidate}.`);
  await expect(dialog.getByTestId("confirm-button")).toBeDisabled();
  await dialog.getByRole("button", { name: "Cancelar" }).click();

  // Run on the candidate: the introduction case fails, and says why.
  await page.getByRole("link", { name: "Testes" }).click();
  await page.getByLabel("Versão").selectOption(candidate);
  await page.getByRole("button", { name: "Rodar os casos" }).click();
  const runNew = page.getByTestId(`run-row-${candidate}-cases`).first();
  await expect(runNew.getByTestId("run-status")).toHaveText("falhou", { timeout: 30_000 });
  await expect(runNew).toContainText("1 de 2 passaram");
  // The finished run updates the version's gate where it is shown, without a reload.
  await expect(page.getByTestId("gate-badge")).toHaveText("Testes: falhou");
  await runNew.getByRole("button", { name: "Ver resultado" }).click();
  await expect(page.getByTestId("case-result-apresentação").last()).toContainText("nenhuma resposta contém");

  // Replay the latest real conversations on the candidate: the name changes in every reply.
  await page.getByRole("button", { name: "Reproduzir conversas reais" }).click();
  const replay = page.getByTestId(`run-row-${candidate}-replay`).first();
  await expect(replay.getByTestId("run-status")).toHaveText("concluída", { timeout: 30_000 });
  await expect(replay).toContainText(/[1-9]\d* de [1-9]\d* respostas mudaram/);
  await replay.getByRole("button", { name: "Ver resultado" }).click();
  const replayed = page.getByTestId("replay-reply").filter({ hasText: "vocês abrem sábado?" }).first();
  await expect(replayed).toContainText("mudou");
  await expect(replayed.getByTestId("replay-candidate")).toContainText("Aqui é Bia");
  await shot("regression-replay");

  // Activate anyway: the override is ticked on purpose, and audited.
  await page.getByRole("link", { name: "Versões" }).click();
  await expect(row.getByTestId("gate-badge")).toHaveText("Testes: falhou");
  await row.getByRole("button", { name: "Ativar" }).click();
  await expect(dialog.getByTestId("gate-warning")).toContainText(`A última execução dos casos de teste na v${candidate} falhou.`);
  await dialog.getByLabel("Ativar mesmo assim (a liberação forçada fica na auditoria)").check();
  await dialog.getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-success").filter({ hasText: `v${candidate} está ativa` })).toBeVisible();
  const audit = ok(
    await trpcQuery<{ items: { type: string; data: unknown }[] }>(operatorApi, "audit.list", {
      tenantSlug: scope.tenantSlug,
      type: "version.gate_overridden",
    }),
  );
  expect(audit.items[0]?.data).toEqual({ version: candidate, gate: "failed" });
  const versions = ok(await trpcQuery<Version[]>(operatorApi, "versions.list", scope));
  expect(versions.find((v) => v.active)?.version).toBe(candidate);

  // A real conversation becomes a test case: from its thread, the case opens with its customer messages.
  const listed = ok(
    await trpcQuery<{ items: { id: string }[] }>(operatorApi, "conversations.list", { tenantSlug: scope.tenantSlug, search: replayCustomer.name }),
  );
  await page.goto(`/tenants/${scope.tenantSlug}/conversations?c=${listed.items[0]?.id ?? ""}`);
  await page.getByTestId("thread-header").getByRole("button", { name: "Virar caso de teste" }).click();
  await expect(page).toHaveURL(new RegExp(`${AGENT_URL}/tests$`));
  await expect(editor.getByRole("textbox", { name: "Nome" })).toHaveValue(`Conversa com ${replayCustomer.name}`);
  await expect(editor.getByRole("textbox", { name: "Mensagem 1" })).toHaveValue("Oi, vocês abrem sábado?");
  await editor.getByRole("button", { name: "Salvar caso" }).click();
  await expect(page.getByTestId(`case-row-Conversa com ${replayCustomer.name}`)).toContainText("Não transfere para humano");
  // Saved: a reload does not open the draft again.
  await page.reload();
  await expect(page.getByTestId("case-editor")).toHaveCount(0);
});
