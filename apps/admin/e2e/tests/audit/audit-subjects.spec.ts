import { randomInt } from "node:crypto";

import { onboardTenant } from "../../fixtures/tenants.ts";
import { ok, trpcMutation } from "../../fixtures/trpc.ts";
import { expect, test } from "../../fixtures/test.ts";

/** `datetime-local` value (browser and runner share the machine's time zone). */
function localInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

test("[AUDIT]: rows name their subjects (tenant name, number's display phone) with the full id at hand, and summarise each event in the console's language", async ({
  page,
  apiSignin,
  operatorApi,
  shot,
}) => {
  const suffix = String(randomInt(10_000_000, 99_999_999));
  const phoneNumberId = `1${suffix}000001`;
  const display = `+55 11 96${suffix.slice(0, 3)}-${suffix.slice(3, 7)}`;
  const tenant = await onboardTenant(operatorApi, "auditoria");
  // Added after onboarding: audited `number.added`, its subject Meta's phone_number_id.
  ok(
    await trpcMutation(operatorApi, "numbers.add", {
      tenantSlug: tenant.slug,
      number: { phoneNumberId, displayPhoneNumber: display, accessToken: "sandbox-token-123456", kind: "sandbox", agentSlug: "atendimento" },
    }),
  );
  await apiSignin("operator");
  await page.goto(`/audit?tenant=${tenant.slug}`);
  const rows = page.getByTestId("audit-row");

  await expect(rows.first()).toBeVisible();
  const onboarded = page.locator('[data-testid="audit-row"][data-type="tenant.onboarded"]');
  await expect(onboarded).toHaveCount(1);
  await expect(onboarded.getByTestId("audit-summary")).toHaveText("Empresa cadastrada");
  await expect(onboarded.getByTestId("audit-subject")).toHaveText(`empresa: ${tenant.name}`);

  const added = page.locator('[data-testid="audit-row"][data-type="number.added"]');
  await expect(added).toHaveCount(1);
  await expect(added.getByTestId("audit-summary")).toHaveText("Número adicionado");
  // The number by its display phone, never Meta's id cut to 8 characters; the full id on hover.
  await expect(added.getByTestId("audit-subject")).toHaveText(`número: ${display.replace("-", " ")}`);
  await expect(added.getByTestId("audit-subject")).toHaveAttribute("title", phoneNumberId);
  await added.getByRole("button", { name: /Expandir/ }).click();
  await expect(page.getByTestId("audit-subject-id")).toHaveText(phoneNumberId);
  await shot("audit-subjects");

  // English: the summaries too.
  await page.getByRole("button", { name: "Switch to English" }).click();
  await expect(added.getByTestId("audit-summary")).toHaveText("Number added");
  await page.getByRole("button", { name: "Mudar para português" }).click();
});

test("[AUDIT]: an inverted date range is caught in the form, by the field's label, before any request", async ({
  page,
  apiSignin,
}) => {
  await apiSignin("operator");
  await page.goto("/audit");
  await expect(page.getByTestId("audit-table")).toBeVisible();
  const filters = page.getByRole("form", { name: "Filtros" });
  const now = Date.now();
  await filters.getByLabel("De").fill(localInput(new Date(now)));
  await filters.getByLabel("Até").fill(localInput(new Date(now - 24 * 3600_000)));
  let requested = false;
  page.on("request", (r) => {
    if (r.url().includes("audit.list")) {
      requested = true;
    }
  });
  await filters.getByRole("button", { name: "Aplicar" }).click();
  await expect(filters.getByLabel("Até")).toHaveAttribute("aria-invalid", "true");
  await expect(filters).toContainText("o início não pode ser depois do fim");
  await expect(page.getByText("to:")).toHaveCount(0);
  await expect(page.getByText("Dados inválidos.")).toHaveCount(0);
  await expect(page).not.toHaveURL(/from=/);
  expect(requested).toBe(false);
  // Corrected, it applies.
  await filters.getByLabel("Até").fill(localInput(new Date(now + 3600_000)));
  await filters.getByRole("button", { name: "Aplicar" }).click();
  await expect(page).toHaveURL(/from=/);
  await expect(filters.getByLabel("Até")).not.toHaveAttribute("aria-invalid", "true");
});
