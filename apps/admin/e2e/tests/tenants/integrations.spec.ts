import { createHmac, randomInt } from "node:crypto";
import { createServer } from "node:http";

import { customerSays, newCustomer } from "../../fixtures/customer.ts";
import { expectFitsLaptopScreen } from "../../fixtures/layout.ts";
import { expect, test } from "../../fixtures/test.ts";
import { onboardTenant } from "../../fixtures/tenants.ts";
import { ok, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";

type Received = { signature: string; previous: string | null; raw: string; body: { event?: string; tenant?: string; conversation?: { waId?: string } } };

/** The tenant's handoff receiver (an n8n flow, say): keeps each POST's raw body, X-LX-Signature and X-LX-Signature-Previous. */
async function startReceiver() {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const previous = req.headers["x-lx-signature-previous"];
      received.push({
        signature: String(req.headers["x-lx-signature"] ?? ""),
        previous: typeof previous === "string" ? previous : null,
        raw,
        body: JSON.parse(raw) as Received["body"],
      });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/webhook/handoff`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** How the receiver verifies (CONTRACT.md "Outgoing webhooks"). */
const signatureOf = (secret: string, raw: string) => `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;

test("[INTEGRATIONS]: an operator pastes the receiver's secret, then generates a new one shown once, and the handoff notices are signed with each (the replaced one in X-LX-Signature-Previous during the overlap, none when it leaked); sets, replaces and removes the CRM token, never shown back", async ({
  page,
  apiSignin,
  operatorApi,
  request,
  shot,
}) => {
  test.setTimeout(180_000);
  const receiver = await startReceiver();
  try {
    const suffix = String(randomInt(100_000, 999_999));
    const phoneNumberId = `10992${suffix}0001`;
    const handoff = { keywords: ["atendente"], allowModelRequest: true, message: "Já chamo alguém.", notifyWebhookUrl: receiver.url };
    const tenant = await onboardTenant(operatorApi, "integracoes", {
      agentSlug: "recepcao",
      numbers: [{ phoneNumberId, displayPhoneNumber: `+55 11 93${suffix}`, accessToken: "EAAG-integracoes", agent: "recepcao", kind: "sandbox" }],
      spec: { handoff, plugins: { crm: { backend: "pipedrive", qualifyFields: ["interesse"] } } },
    });
    await apiSignin("operator");
    await page.goto(`/tenants/${tenant.slug}`);
    const card = page.getByTestId("integrations-card");
    await expect(card.getByRole("heading", { name: "Integrações" })).toBeVisible();
    // The wizard made a secret nobody has seen; the active version sends its handoff notices signed.
    await expect(card.getByTestId("webhook-secret-state")).toHaveText("Definido");
    const use = card.locator('[data-testid="webhook-use"][data-agent="recepcao"][data-use="handoff"]');
    await expect(use).toContainText("Aviso de transferência");
    await expect(use).toContainText(receiver.url);
    await expect(card.getByTestId("signature-help")).toContainText("X-LX-Signature: sha256=<HMAC-SHA256 em hex do corpo bruto>");
    // Pipedrive without a token: warned, in amber.
    await expect(card.getByTestId("crm-token-state")).toHaveText("Não definido");
    await expect(card.getByTestId("integration-warning")).toHaveText(
      "recepcao usa o Pipedrive na versão ativa, mas não há token do CRM: as chamadas ao CRM vão falhar até ele ser definido.",
    );
    await expect(card.locator('[data-testid="crm-user"][data-agent="recepcao"]')).toContainText("URL padrão");

    // The secret the tenant's n8n already checks, pasted: env: and short ones refused in Portuguese.
    await card.getByRole("button", { name: "Usar um segredo existente" }).click();
    const paste = page.getByRole("dialog", { name: "Usar um segredo existente" });
    const pastedField = paste.getByLabel("Segredo", { exact: true });
    await expect(pastedField).toHaveAttribute("type", "password");
    await pastedField.fill("env:N8N_SECRET");
    await paste.getByRole("button", { name: "Salvar segredo" }).click();
    await expect(paste.getByTestId("field-errors")).toHaveText("cole o próprio segredo, não uma referência env:");
    await pastedField.fill("curto");
    await expect(paste.getByTestId("field-errors")).toHaveText("ao menos 16 caracteres");
    const pasted = `segredo-do-n8n-${suffix}`;
    await pastedField.fill(pasted);
    // The same overlap choice as a rotation, 24 h by default.
    await expect(paste.getByLabel("24 horas (recomendado)")).toBeChecked();
    await expect(paste.getByLabel("1 hora")).not.toBeChecked();
    await expect(paste.getByLabel("Sem sobreposição: o segredo atual vazou")).not.toBeChecked();
    await paste.getByRole("button", { name: "Salvar segredo" }).click();
    await expect(paste).toBeHidden();

    // A customer asks for a person: the notice the receiver gets verifies with the pasted secret.
    const customer = newCustomer("Integracao");
    await customerSays(request, customer, "Quero falar com um atendente", phoneNumberId);
    await expect
      .poll(() => receiver.received.find((r) => r.body.conversation?.waId === customer.waId)?.signature ?? null, { timeout: 30_000 })
      .not.toBeNull();
    const first = receiver.received.find((r) => r.body.conversation?.waId === customer.waId);
    expect(first?.body).toMatchObject({ event: "handoff.started", tenant: tenant.slug });
    expect(first?.signature).toBe(signatureOf(pasted, first?.raw ?? ""));

    // A new one, generated: the confirmation offers an overlap (24 h by default) during which the
    // secret replaced still signs X-LX-Signature-Previous; the secret is shown once.
    await card.getByRole("button", { name: "Gerar novo segredo" }).click();
    const confirm = page.getByRole("dialog", { name: "Gerar um novo segredo?" });
    await expect(confirm).toContainText("um receptor que ainda confere o antigo continua aceitando-os");
    await expect(confirm.getByLabel("24 horas (recomendado)")).toBeChecked();
    await expect(confirm.getByLabel("Sem sobreposição: o segredo atual vazou")).not.toBeChecked();
    await confirm.getByTestId("confirm-button").click();
    const shown = page.getByRole("dialog", { name: "Novo segredo dos webhooks" });
    const secretField = shown.getByTestId("new-webhook-secret-value");
    await expect(secretField).toHaveAttribute("readonly", "");
    await expect(secretField).toHaveValue(/^[A-Za-z0-9_-]{43}$/);
    const secret = await secretField.inputValue();
    expect(secret).not.toBe(pasted);
    await expect(shown).toContainText("ele não será mostrado de novo");
    await expect(shown.getByRole("button", { name: "Copiar" })).toBeVisible();
    await shot("tenant-integrations-new-secret");
    // It can never be shown again: Escape and the backdrop do not close it, and Fechar waits for
    // an explicit "I copied it" (the reason is on screen).
    await page.keyboard.press("Escape");
    await expect(shown).toBeVisible();
    await page.mouse.click(5, 5);
    await expect(shown).toBeVisible();
    const close = shown.getByRole("button", { name: "Fechar" });
    await expect(close).toBeDisabled();
    await expect(shown).toContainText("Fechar fica disponível depois de marcar acima: o segredo não pode ser mostrado de novo.");
    await shown.getByLabel("Copiei o segredo e o guardei onde o n8n ou o receptor o lê").check();
    await close.click();
    await expect(shown).toBeHidden();
    expect(await page.content()).not.toContain(secret);

    // The console's handoff test: its notice is signed with the secret shown, not the pasted one.
    const before = receiver.received.length;
    await page.goto(`/tenants/${tenant.slug}/agents/recepcao/test-chat`);
    const handoffTest = page.getByTestId("handoff-test");
    await handoffTest.getByRole("button", { name: "Rodar teste de transferência" }).click();
    await expect(handoffTest.getByTestId("handoff-result")).toHaveText("Aprovado", { timeout: 90_000 });
    await expect.poll(() => receiver.received.length, { timeout: 30_000 }).toBeGreaterThan(before);
    const notice = receiver.received.at(-1);
    expect(notice?.body).toMatchObject({ event: "handoff.started", tenant: tenant.slug });
    expect(notice?.signature).toBe(signatureOf(secret, notice?.raw ?? ""));
    expect(notice?.signature).not.toBe(signatureOf(pasted, notice?.raw ?? ""));
    // A receiver still configured with the pasted secret verifies it through X-LX-Signature-Previous.
    expect(notice?.previous).toBe(signatureOf(pasted, notice?.raw ?? ""));

    // The card says until when the previous secret is accepted (24 h from the rotation).
    await page.goto(`/tenants/${tenant.slug}`);
    await expect(card.getByTestId("webhook-secret-previous")).toContainText("Segredo anterior aceito até");
    const overlap = ok(await trpcQuery<{ webhookSecret: { previousUntil: string | null } }>(operatorApi, "integrations.get", { tenantSlug: tenant.slug }));
    const hoursLeft = (Date.parse(overlap.webhookSecret.previousUntil ?? "") - Date.now()) / 3_600_000;
    expect(hoursLeft).toBeGreaterThan(23.5);
    expect(hoursLeft).toBeLessThanOrEqual(24);

    // The secret leaked: another one, with no overlap; the previous one is gone at once.
    await card.getByRole("button", { name: "Gerar novo segredo" }).click();
    await confirm.getByLabel("Sem sobreposição: o segredo atual vazou").check();
    await expect(confirm).toContainText("O segredo atual deixa de valer na hora");
    await confirm.getByTestId("confirm-button").click();
    await expect(secretField).toHaveValue(/^[A-Za-z0-9_-]{43}$/);
    const leakedReplacement = await secretField.inputValue();
    await shown.getByLabel("Copiei o segredo e o guardei onde o n8n ou o receptor o lê").check();
    await close.click();
    await expect(shown).toBeHidden();
    await expect(card.getByTestId("webhook-secret-previous")).toHaveCount(0);

    // A pasted secret takes the overlap chosen: one hour for the one it replaces.
    await card.getByRole("button", { name: "Usar um segredo existente" }).click();
    const pastedAgain = `segredo-novo-do-n8n-${suffix}`;
    await paste.getByLabel("Segredo", { exact: true }).fill(pastedAgain);
    await paste.getByLabel("1 hora").check();
    await expect(paste.getByTestId("webhook-secret-overlap")).toContainText("O segredo atual ainda assina X-LX-Signature-Previous por 1 hora");
    await paste.getByRole("button", { name: "Salvar segredo" }).click();
    await expect(paste).toBeHidden();
    await expect(card.getByTestId("webhook-secret-previous")).toContainText("Segredo anterior aceito até");
    const pastedOverlap = ok(await trpcQuery<{ webhookSecret: { previousUntil: string | null } }>(operatorApi, "integrations.get", { tenantSlug: tenant.slug }));
    const pastedHoursLeft = (Date.parse(pastedOverlap.webhookSecret.previousUntil ?? "") - Date.now()) / 3_600_000;
    expect(pastedHoursLeft).toBeGreaterThan(0.9);
    expect(pastedHoursLeft).toBeLessThanOrEqual(1);
    // Opened again, the choice is back at its default.
    await card.getByRole("button", { name: "Usar um segredo existente" }).click();
    await expect(paste.getByLabel("24 horas (recomendado)")).toBeChecked();
    await paste.getByRole("button", { name: "Cancelar" }).click();
    await expect(paste).toBeHidden();

    // The CRM token: set (the field starts empty, a password field), the warning goes; replaced.
    await card.getByRole("button", { name: "Definir" }).click();
    const set = page.getByRole("dialog", { name: "Definir o token do CRM" });
    const tokenField = set.getByLabel("Token da API");
    await expect(tokenField).toHaveValue("");
    await expect(tokenField).toHaveAttribute("type", "password");
    await tokenField.fill("env:PIPEDRIVE_TOKEN");
    await set.getByRole("button", { name: "Salvar token" }).click();
    await expect(set.getByTestId("field-errors")).toHaveText("cole o próprio token, não uma referência env:");
    await tokenField.fill(`pd-token-primeiro-${suffix}`);
    await set.getByRole("button", { name: "Salvar token" }).click();
    await expect(set).toBeHidden();
    await expect(card.getByTestId("crm-token-state")).toHaveText("Definido");
    await expect(card.getByTestId("integration-warning")).toHaveCount(0);
    // In use by the active version: its removal is off, and says why.
    const remove = card.getByRole("button", { name: "Remover" });
    await expect(remove).toBeDisabled();
    await expect(card.getByTestId("crm-in-use")).toHaveText(
      "Em uso pela versão ativa de recepcao: ative uma versão sem esse CRM antes de remover o token.",
    );
    await card.getByRole("button", { name: "Substituir" }).click();
    const replace = page.getByRole("dialog", { name: "Substituir o token do CRM" });
    await expect(replace.getByLabel("Token da API")).toHaveValue("");
    await replace.getByLabel("Token da API").fill(`pd-token-segundo-${suffix}`);
    await replace.getByRole("button", { name: "Salvar token" }).click();
    await expect(replace).toBeHidden();
    await expectFitsLaptopScreen(page, card.getByTestId("webhook-uses"), card.getByRole("button", { name: "Substituir" }));
    await shot("tenant-integrations");

    // A version without the CRM goes live: now the token can go.
    const live = ok(
      await trpcQuery<{ spec: Record<string, unknown> }>(operatorApi, "versions.byVersion", {
        tenantSlug: tenant.slug,
        agentSlug: "recepcao",
        version: "1.0.0",
      }),
    );
    const { plugins: _plugins, ...withoutCrm } = live.spec;
    const published = ok(
      await trpcMutation<{ version: string }>(operatorApi, "versions.publish", {
        tenantSlug: tenant.slug,
        agentSlug: "recepcao",
        spec: withoutCrm,
        bump: "minor",
        changelog: "sem CRM",
      }),
    );
    ok(await trpcMutation(operatorApi, "versions.activate", { tenantSlug: tenant.slug, agentSlug: "recepcao", version: published.version }));
    await page.reload();
    await expect(card.getByTestId("crm-in-use")).toHaveCount(0);
    await card.getByRole("button", { name: "Remover" }).click();
    const removeDialog = page.getByRole("dialog", { name: "Remover o token do CRM?" });
    await removeDialog.getByTestId("confirm-button").click();
    await expect(removeDialog).toBeHidden();
    await expect(card.getByTestId("crm-token-state")).toHaveText("Não definido");
    await expect(card.getByRole("button", { name: "Definir" })).toBeVisible();

    // Audited, never with a secret; neither the page nor the card's API answer carries one.
    const events = ok(
      await trpcQuery<{ items: { type: string; data: unknown }[] }>(operatorApi, "audit.list", { tenantSlug: tenant.slug, type: "tenant." }),
    );
    expect(events.items.map((e) => e.type).sort()).toEqual([
      "tenant.crm_token_cleared",
      "tenant.crm_token_set",
      "tenant.crm_token_set",
      "tenant.onboarded",
      "tenant.webhook_secret_rotated",
      "tenant.webhook_secret_rotated",
      "tenant.webhook_secret_rotated",
      "tenant.webhook_secret_rotated",
    ]);
    expect(events.items.filter((e) => e.type === "tenant.webhook_secret_rotated").map((e) => e.data)).toEqual([
      { source: "given", overlapHours: 1 },
      { source: "generated", overlapHours: 0 },
      { source: "generated", overlapHours: 24 },
      { source: "given", overlapHours: 24 },
    ]);
    const answers = JSON.stringify([events, ok(await trpcQuery(operatorApi, "integrations.get", { tenantSlug: tenant.slug }))]);
    const html = await page.content();
    for (const value of [secret, pasted, leakedReplacement, pastedAgain, `pd-token-primeiro-${suffix}`, `pd-token-segundo-${suffix}`]) {
      expect(answers).not.toContain(value);
      expect(html).not.toContain(value);
    }
  } finally {
    await receiver.close();
  }
});
