import type { APIRequestContext } from "@playwright/test";

import { uniqueEmail } from "../../fixtures/accounts.ts";
import { OTHER_TENANT } from "../../fixtures/data.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";

// The second tenant (its versions and cases are the regression suites' and this file's own), seen by
// a client login of its own made here.
const scope = { tenantSlug: OTHER_TENANT.slug, agentSlug: "recepcao" };

type Run = { id: string; status: string; passed: boolean | null };

/**
 * No cases, and the first version live: before and after, as tests/agents/regression-gate.spec.ts.
 * The tenant has client logins by now (the auth suites', this file's) and nobody approved 1.0.0, so
 * putting it back live is the operator's audited override, on purpose.
 */
async function cleanSlate(operatorApi: APIRequestContext) {
  for (const c of ok(await trpcQuery<{ id: string }[]>(operatorApi, "regression.cases", scope))) {
    ok(await trpcMutation(operatorApi, "regression.deleteCase", { ...scope, id: c.id }));
  }
  ok(await trpcMutation(operatorApi, "versions.activate", { ...scope, version: "1.0.0", force: true }));
}

test.beforeEach(async ({ operatorApi }) => {
  await cleanSlate(operatorApi);
});

test.afterAll(async ({ operatorApi }) => {
  await cleanSlate(operatorApi);
});

test("[CLIENT VERSIONS]: the client opens a version to see what changed against the one live before it, and its failed test badge opens the run", async ({
  page,
  operatorApi,
  apiSignin,
  shot,
}) => {
  test.setTimeout(120_000);
  // The agency: a renamed version with a changelog, a failing test case run on it, and (overridden) live.
  const name = `Bia ${Date.now() % 100_000}`;
  const live = ok(await trpcQuery<{ spec: { agent: Record<string, unknown> } }>(operatorApi, "versions.byVersion", { ...scope, version: "1.0.0" }));
  const published = ok(
    await trpcMutation<{ version: string }>(operatorApi, "versions.publish", {
      ...scope,
      spec: { ...live.spec, agent: { ...live.spec.agent, name } },
      changelog: `A agente passa a se chamar ${name}.`,
    }),
  );
  const version = published.version;
  ok(
    await trpcMutation(operatorApi, "regression.saveCase", {
      ...scope,
      testCase: { name: "cita a promoção", turns: [{ customer: "Oi" }], expectations: [{ kind: "contains", text: "promoção relâmpago" }] },
    }),
  );
  const started = ok(await trpcMutation<Run>(operatorApi, "regression.start", { ...scope, version, kind: "cases" }));
  await expect
    .poll(async () => ok(await trpcQuery<Run>(operatorApi, "regression.run", { ...scope, id: started.id })).status, { timeout: 30_000 })
    .toBe("done");
  ok(await trpcMutation(operatorApi, "versions.activate", { ...scope, version, force: true }));

  // The client, of this tenant only.
  const client = { email: uniqueEmail("cliente-revisao", "outra.local"), password: "senha-do-cliente-1" };
  ok(await trpcMutation(operatorApi, "users.create", { tenantSlug: OTHER_TENANT.slug, ...client }));
  await apiSignin(client);
  await page.goto("/client/versions");
  const row = page.getByTestId(`client-version-${version}`);
  await expect(row).toContainText(`A agente passa a se chamar ${name}.`);

  // Open it: what changed against 1.0.0, the version live before it.
  await row.getByRole("button", { name: `Ver o que muda na v${version}` }).click();
  const review = page.getByTestId(`version-review-${version}`);
  await expect(review.getByTestId("review-against")).toHaveText("Comparada com a v1.0.0, a versão que estava no ar antes dela.");
  await expect(review.getByTestId("review-changelog")).toHaveText(`A agente passa a se chamar ${name}.`);
  const prompt = review.getByTestId("prompt-diff-unified");
  await expect(prompt.locator('tr[data-op="add"]', { hasText: name }).first()).toBeVisible();
  await expect(prompt.locator('tr[data-op="del"]', { hasText: "Ana" }).first()).toBeVisible();
  await expect(review.getByTestId("config-diff")).toContainText("agent.name");
  await expect(review.getByTestId("review-tests")).toContainText("Algum caso de teste falhou nesta versão.");
  await shot("client-version-review");

  // Closed, then opened from the red badge: straight to the run, with why the case failed.
  await row.getByRole("button", { name: `Ver o que muda na v${version}` }).click();
  await expect(review).toHaveCount(0);
  const badge = row.getByTestId("open-gate-run");
  await expect(badge).toHaveText("Testes: falhou");
  await badge.click();
  const result = page.getByTestId("case-result-cita a promoção");
  await expect(result).toContainText("falhou");
  await expect(result).toContainText("promoção relâmpago");
  await shot("client-version-test-run");

  // The client reads, never writes: no publish, no activation on this page.
  await expect(page.getByRole("button", { name: "Ativar" })).toHaveCount(0);

  // And reads its own tenant only: Haven's versions are not found for it.
  const other = await page.request.get(
    `/trpc/versions.changes?input=${encodeURIComponent(JSON.stringify({ tenantSlug: "haven", agentSlug: "recepcao", version: "1.0.0" }))}`,
  );
  expect(other.status()).toBe(404);
});

test("[CLIENT VERSIONS]: the client sees its own decision and note again, and changes its mind", async ({
  page,
  operatorApi,
  apiSignin,
  shot,
}) => {
  test.setTimeout(120_000);
  const name = `Duda ${Date.now() % 100_000}`;
  const live = ok(await trpcQuery<{ spec: { agent: Record<string, unknown> } }>(operatorApi, "versions.byVersion", { ...scope, version: "1.0.0" }));
  const { version } = ok(
    await trpcMutation<{ version: string }>(operatorApi, "versions.publish", {
      ...scope,
      spec: { ...live.spec, agent: { ...live.spec.agent, name } },
      changelog: `A agente passa a se chamar ${name}.`,
    }),
  );
  const client = { email: uniqueEmail("cliente-decisao", "outra.local"), password: "senha-do-cliente-1" };
  ok(await trpcMutation(operatorApi, "users.create", { tenantSlug: OTHER_TENANT.slug, ...client }));
  await apiSignin(client);
  await page.goto("/client/versions");
  const row = page.getByTestId(`client-version-${version}`);
  await expect(row.getByTestId("approval-badge")).toHaveText("Aguardando aprovação");
  await expect(row.getByTestId("client-decision")).toHaveCount(0);

  // Rejected with a note: the row says so, by whom and when, with the note.
  await row.getByRole("button", { name: "Rejeitar" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("change-mind")).toHaveCount(0);
  // Not live: nothing to say about staying on the air.
  await expect(dialog.getByTestId("reject-live")).toHaveCount(0);
  await dialog.getByLabel("Observação").fill("O nome Duda não combina com a clínica.");
  await dialog.getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-success")).toContainText(`v${version} rejeitada`);
  const decision = row.getByTestId("client-decision");
  await expect(decision).toContainText(`Rejeitada por você (${client.email}) em `);
  await expect(row.getByTestId("rejected-still-live")).toHaveCount(0);
  await expect(row.getByTestId("client-decision-note")).toHaveText("Observação: “O nome Duda não combina com a clínica.”");

  // Still there on another visit: it comes from the server, not from this page's memory.
  await page.reload();
  await expect(row.getByTestId("client-decision-note")).toHaveText("Observação: “O nome Duda não combina com a clínica.”");
  await expect(row.getByRole("button", { name: "Rejeitar" })).toBeDisabled();
  await shot("client-version-decision");

  // Changing its mind: the confirmation recalls the rejection, and the approval replaces it.
  await row.getByRole("button", { name: "Aprovar" }).click();
  await expect(dialog.getByTestId("change-mind")).toContainText(
    `Rejeitada por você (${client.email}) em `,
  );
  await expect(dialog.getByTestId("change-mind")).toContainText("Confirmar troca a rejeição pela aprovação.");
  await expect(dialog.getByTestId("change-mind")).toContainText("O nome Duda não combina com a clínica.");
  await dialog.getByLabel("Observação").fill("Pensando melhor, pode ficar.");
  await dialog.getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-success")).toContainText(`v${version} aprovada`);
  await expect(decision).toContainText(`Aprovada por você (${client.email}) em `);
  await expect(row.getByTestId("client-decision-note")).toHaveText("Observação: “Pensando melhor, pode ficar.”");
  await expect(row.getByRole("button", { name: "Aprovar" })).toBeDisabled();

  // The operator's list has the same standing decision.
  const versions = ok(
    await trpcQuery<{ version: string; approvalStatus: string; decision: { status: string; byLabel: string; note: string | null } | null }[]>(
      operatorApi,
      "versions.list",
      scope,
    ),
  );
  expect(versions.find((v) => v.version === version)).toMatchObject({
    approvalStatus: "approved",
    decision: { status: "approved", byLabel: client.email, note: "Pensando melhor, pode ficar." },
  });
});

test("[CLIENT VERSIONS]: rejecting the live version says it stays live until the agency rolls back or activates another", async ({
  page,
  operatorApi,
  apiSignin,
  shot,
}) => {
  test.setTimeout(120_000);
  // The agency puts a new version live (overriding the client's approval, audited).
  const name = `Lia ${Date.now() % 100_000}`;
  const live = ok(await trpcQuery<{ spec: { agent: Record<string, unknown> } }>(operatorApi, "versions.byVersion", { ...scope, version: "1.0.0" }));
  const { version } = ok(
    await trpcMutation<{ version: string }>(operatorApi, "versions.publish", {
      ...scope,
      spec: { ...live.spec, agent: { ...live.spec.agent, name } },
      changelog: `A agente passa a se chamar ${name}.`,
    }),
  );
  ok(await trpcMutation(operatorApi, "versions.activate", { ...scope, version, force: true }));

  const client = { email: uniqueEmail("cliente-no-ar", "outra.local"), password: "senha-do-cliente-1" };
  ok(await trpcMutation(operatorApi, "users.create", { tenantSlug: OTHER_TENANT.slug, ...client }));
  await apiSignin(client);
  await page.goto("/client/versions");
  const row = page.getByTestId(`client-version-${version}`);
  await expect(row).toContainText("Ativa");
  await expect(row.getByTestId("rejected-still-live")).toHaveCount(0);

  // The confirmation says that rejecting does not take it off the air, and who does.
  await row.getByRole("button", { name: "Rejeitar" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("reject-live")).toHaveText(
    `A v${version} está no ar e continua respondendo aos seus clientes depois de rejeitada: ela só sai do ar quando a agência reverter para a versão anterior ou ativar outra. A agência vê a rejeição e a sua observação na lista de versões dela, sem aviso à parte; se for urgente, fale com ela.`,
  );
  await shot("client-reject-live-version");
  await dialog.getByLabel("Observação").fill("Prefiro o nome antigo.");
  await dialog.getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-success").filter({ hasText: `v${version} rejeitada` })).toBeVisible();

  // The row says it too: rejected, and still live.
  await expect(row.getByTestId("approval-badge")).toHaveText("Rejeitada");
  await expect(row.getByTestId("rejected-still-live")).toHaveText(
    "Continua no ar até a agência reverter para a versão anterior ou ativar outra.",
  );
  // As it is: the agent still answers with it.
  const agents = ok(await trpcQuery<{ slug: string; activeVersion: { version: string } | null }[]>(operatorApi, "agents.list", { tenantSlug: OTHER_TENANT.slug }));
  expect(agents.find((a) => a.slug === scope.agentSlug)?.activeVersion?.version).toBe(version);

  // Approving it again: no such warning (it is already live, and stays so).
  await row.getByRole("button", { name: "Aprovar" }).click();
  await expect(dialog.getByTestId("change-mind")).toBeVisible();
  await expect(dialog.getByTestId("reject-live")).toHaveCount(0);
  await dialog.getByTestId("confirm-button").click();
  await expect(page.getByTestId("toast-success").filter({ hasText: `v${version} aprovada` })).toBeVisible();
  await expect(row.getByTestId("rejected-still-live")).toHaveCount(0);

  // The agency rolls back: the rejected version is no longer live, and the row no longer says it is.
  await row.getByRole("button", { name: "Rejeitar" }).click();
  await dialog.getByTestId("confirm-button").click();
  await expect(row.getByTestId("rejected-still-live")).toBeVisible();
  ok(await trpcMutation(operatorApi, "versions.activate", { ...scope, version: "1.0.0", force: true }));
  await page.reload();
  await expect(row.getByTestId("approval-badge")).toHaveText("Rejeitada");
  await expect(row.getByTestId("rejected-still-live")).toHaveCount(0);
});
