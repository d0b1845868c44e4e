import { OPERATOR } from "../../fixtures/data.ts";
import { getHavenDraft, resetHavenDraft, saveHavenDraft } from "../../fixtures/drafts.ts";
import { ok, trpcQuery } from "../../fixtures/trpc.ts";
import { expect, test } from "../../fixtures/test.ts";

/** `datetime-local` value (browser and runner share the machine's time zone). */
function localInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

test("[AUDIT]: filters by tenant, type, actor and time, pages with a cursor and expands before/after", async ({
  page,
  apiSignin,
  operatorApi,
  shot,
}) => {
  // Twelve audited draft saves by the operator, so two pages of ten exist.
  const draft = await getHavenDraft(operatorApi);
  for (let i = 0; i < 12; i++) {
    await saveHavenDraft(
      operatorApi,
      { ...draft.spec, goals: [...draft.spec.goals, `objetivo ${i}`] },
      draft.baseVersion,
    );
  }
  await resetHavenDraft(operatorApi);
  await apiSignin("operator");

  await page.goto("/audit");
  await expect(page.getByTestId("audit-table")).toBeVisible();
  const filters = page.getByRole("form", { name: "Filtros" });
  await filters.getByLabel("Empresa").selectOption("haven");
  await filters.getByLabel("Tipo").fill("draft.saved");
  await filters.getByLabel("Ator").fill(OPERATOR.email);
  await filters.getByLabel("Por página").selectOption("10");
  await filters.getByRole("button", { name: "Aplicar" }).click();
  await expect(page).toHaveURL(/tenant=haven/);

  const rows = page.getByTestId("audit-row");
  await expect(rows).toHaveCount(10);
  for (const type of await rows.evaluateAll((els) => els.map((el) => el.getAttribute("data-type")))) {
    expect(type).toBe("draft.saved");
  }
  await expect(page.getByTestId("audit-page")).toHaveText("Página 1");
  const firstPageIds = await rows.allInnerTexts();

  await page.getByRole("button", { name: /Próxima/ }).click();
  await expect(page.getByTestId("audit-page")).toHaveText("Página 2");
  // The page number changes at once; the rows follow when the next page arrives (the previous page
  // stays on screen meanwhile), so wait for them rather than read them right away.
  await expect.poll(() => rows.allInnerTexts()).not.toEqual(firstPageIds);
  const secondPageIds = await rows.allInnerTexts();
  expect(secondPageIds.length).toBeGreaterThanOrEqual(2);
  await page.getByRole("button", { name: /Anterior/ }).click();
  await expect(page.getByTestId("audit-page")).toHaveText("Página 1");
  await expect(rows).toHaveCount(10);

  // Before/after and data of one event.
  await rows
    .first()
    .getByRole("button", { name: /Expandir/ })
    .click();
  const details = page.getByTestId("audit-details");
  await expect(details).toContainText("Antes");
  await expect(details).toContainText("Depois");
  await expect(details).toContainText('"agentSlug": "recepcao"');
  // Actor type, subject and request id in Portuguese, not the stored codes ("user", "agent").
  await expect(rows.first().getByTestId("actor-type")).toHaveText("usuário");
  await expect(rows.first()).toContainText("agente: recepcao");
  await expect(details).toContainText("ID da requisição");
  await expect(page.getByRole("navigation", { name: "Paginação" })).toBeVisible();
  await shot("audit-log");

  // Time range: a window in the future is empty, one around now is not.
  const now = new Date();
  await filters.getByLabel("De").fill(localInput(new Date(now.getTime() + 24 * 3600_000)));
  await filters.getByRole("button", { name: "Aplicar" }).click();
  await expect(page.getByText("Nenhum evento com estes filtros.")).toBeVisible();
  await filters.getByLabel("De").fill(localInput(new Date(now.getTime() - 3600_000)));
  await filters.getByLabel("Até").fill(localInput(new Date(now.getTime() + 3600_000)));
  await filters.getByRole("button", { name: "Aplicar" }).click();
  await expect(rows).toHaveCount(10);

  // Another tenant: none of these events (only its own draft saves, which an earlier suite may have made).
  await filters.getByLabel("Empresa").selectOption("outra-clinica");
  await filters.getByRole("button", { name: "Aplicar" }).click();
  await expect(page).toHaveURL(/tenant=outra-clinica/);
  await expect(rows.filter({ hasNotText: "outra-clinica" })).toHaveCount(0);

  // A prefix type across every tenant includes the discard.
  await filters.getByRole("button", { name: "Limpar" }).click();
  await filters.getByLabel("Tipo").fill("draft.");
  await filters.getByRole("button", { name: "Aplicar" }).click();
  await expect(rows.first()).toHaveAttribute("data-type", "draft.discarded");
});

test("[AUDIT]: the actor filter takes what the table shows, 'Até' keeps its own minute, and a date that is none is an error", async ({
  page,
  apiSignin,
  operatorApi,
}) => {
  const draft = await getHavenDraft(operatorApi);
  await saveHavenDraft(operatorApi, { ...draft.spec, goals: [...draft.spec.goals, "objetivo do minuto"] }, draft.baseVersion);
  await resetHavenDraft(operatorApi);
  const saved = ok(
    await trpcQuery<{ items: { createdAt: string }[] }>(operatorApi, "audit.list", {
      tenantSlug: "haven",
      type: "draft.saved",
      actor: OPERATOR.email,
      limit: 1,
    }),
  ).items[0];
  expect(saved).toBeDefined();
  await apiSignin("operator");

  await page.goto("/audit");
  await expect(page.getByTestId("audit-table")).toBeVisible();
  const filters = page.getByRole("form", { name: "Filtros" });
  const rows = page.getByTestId("audit-row");
  const actors = page.getByTestId("audit-actor");

  // An e-mail's start, in any case.
  await filters.getByLabel("Ator").fill(OPERATOR.email.split("@")[0]!.toUpperCase());
  await filters.getByRole("button", { name: "Aplicar" }).click();
  await expect(page).toHaveURL(/actor=OPERADOR/);
  await expect(rows.first()).toBeVisible();
  expect(new Set(await actors.allInnerTexts())).toEqual(new Set([OPERATOR.email]));

  // The word the table shows for the CLI (outra-clinica came through `lx apply`): the CLI only, not
  // "cliente@haven.local", whose label starts with the same letters.
  await filters.getByLabel("Ator").fill("CLI");
  await filters.getByRole("button", { name: "Aplicar" }).click();
  await expect(page).toHaveURL(/actor=CLI/);
  await expect(rows.first()).toBeVisible();
  expect(new Set(await actors.allInnerTexts())).toEqual(new Set(["CLI"]));

  // "De" and "Até" the draft save's minute: that whole minute, so the save is listed.
  const minute = localInput(new Date(saved!.createdAt));
  await filters.getByLabel("Ator").fill(OPERATOR.email);
  await filters.getByLabel("Tipo").fill("draft.saved");
  await filters.getByLabel("De").fill(minute);
  await filters.getByLabel("Até").fill(minute);
  await filters.getByRole("button", { name: "Aplicar" }).click();
  await expect(page).toHaveURL(/to=/);
  await expect(rows.first()).toHaveAttribute("data-type", "draft.saved");

  // A date that is none, typed into the address: said under its field, and nothing listed as if
  // the filter applied.
  await page.goto("/audit?from=2026-13-01T00:00");
  const from = filters.getByLabel("De");
  await expect(from).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("field-errors")).toHaveText("data ou hora inválida");
  await expect(page.getByText("Filtros inválidos: corrija-os acima.")).toBeVisible();
  await expect(page.getByTestId("audit-table")).toHaveCount(0);
});
