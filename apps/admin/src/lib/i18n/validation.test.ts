import { readFileSync } from "node:fs";

import { describe, expect, it } from "vitest";

import { compile } from "@lx/shared";

import {
  parseAgentSpec,
  parseApplyFile,
  parseOnboardingInput,
  ZAddNumberInput,
  ZCreatePasswordLinkInput,
  ZCreateTemplateInput,
  ZCreateUserInput,
  ZCustomerRefInput,
  ZDescribePasswordLinkInput,
  ZEraseCustomerInput,
  ZSetPasswordWithLinkInput,
  ZSetCrmTokenInput,
  ZSetRetentionInput,
  ZSetWebhookSecretInput,
  ZTestCaseBody,
  type FieldError,
  type TAgentSpec,
  type TOnboardTenantInput,
} from "@lx/shared/schemas";
import { havenApplyFile, havenSpec } from "@lx/shared/testing";

import { MESSAGES } from "./messages.ts";
import { validationMessage, validationMessagePt } from "./validation.ts";

const spec = (patch: (s: Record<string, unknown>) => void): unknown => {
  const s = structuredClone(havenSpec) as unknown as Record<string, unknown>;
  patch(s);
  return s;
};
const specErrors = (input: unknown): FieldError[] => {
  const parsed = parseAgentSpec(input);
  return parsed.ok ? [] : parsed.errors;
};
const applyErrors = (input: unknown): FieldError[] => {
  const parsed = parseApplyFile(input);
  return parsed.ok ? [] : parsed.errors;
};
const at = (o: Record<string, unknown>, key: string) => o[key] as Record<string, unknown>;

/** Broken inputs that make the shared schemas say each kind of thing they say. */
function everyKindOfError(): FieldError[] {
  const errors = [
    ...specErrors(spec((s) => delete at(s, "handoff").message)),
    ...specErrors(spec((s) => (at(s, "agent").nickname = "x"))),
    ...specErrors(spec((s) => (at(s, "agent").timezone = "Mars/Base"))),
    ...specErrors(spec((s) => (at(s, "agent").language = "português"))),
    ...specErrors(spec((s) => (at(s, "agent").role = "pirate"))),
    ...specErrors(spec((s) => (at(s, "agent").name = "  "))),
    ...specErrors(spec((s) => (at(s, "agent").name = 42))),
    ...specErrors(spec((s) => (s.goals = []))),
    ...specErrors(spec((s) => (s.goals = Array.from({ length: 21 }, (_, i) => `goal ${i}`)))),
    ...specErrors(spec((s) => (at(s, "business").hours = [{ day: "mon", open: "9h", close: "08:00" }]))),
    ...specErrors(
      spec(
        (s) =>
          (at(s, "business").hours = [
            { day: "mon", open: "10:00", close: "09:00" },
            { day: "tue", open: "08:00", close: "12:00" },
            { day: "tue", open: "11:00", close: "13:00" },
          ]),
      ),
    ),
    ...specErrors(spec((s) => (s.plugins = { calendar: { backend: "webhook" } }))),
    ...specErrors(spec((s) => (s.plugins = { calendar: { backend: "webhook", webhookUrl: "ftp://x" } }))),
    ...specErrors(spec((s) => (s.plugins = { calendar: { backend: "webhook", webhookUrl: "https://user:pass@n8n.example/cal" } }))),
    ...specErrors(spec((s) => (s.plugins = { reminders: { offsetsMinutes: [] } }))),
    ...specErrors(spec((s) => (s.plugins = { reminders: { offsetsMinutes: [60, 60] } }))),
    ...specErrors(spec((s) => (s.plugins = { crm: { backend: "webhook", webhookUrl: "https://x.example", qualifyFields: ["a"], customFields: { a: "1" } } }))),
    ...specErrors(spec((s) => (s.plugins = { crm: { backend: "pipedrive", qualifyFields: ["a"], customFields: { b: "1" } } }))),
    ...specErrors(spec((s) => (s.plugins = { crm: { backend: "pipedrive", baseUrl: "https://collector.example", qualifyFields: ["a"] } }))),
    ...specErrors(spec((s) => (s.plugins = { crm: { backend: "rdstation", baseUrl: "https://collector.example", qualifyFields: ["a"] } }))),
    ...specErrors(spec((s) => (at(s, "policies").maxReplyChars = 5000))),
    ...specErrors(spec((s) => (at(s, "policies").allowedLinkDomains = ["not a domain"]))),
    ...specErrors(spec((s) => (s.templates = { reengagement: { name: "Bad Name", language: "Portuguese" } }))),
    ...specErrors(null),
    ...applyErrors({ ...havenApplyFile, agents: [] }),
    ...applyErrors({ ...havenApplyFile, tenant: { slug: "Haven Clinic", name: "x" } }),
    ...applyErrors({ ...havenApplyFile, routing: { mode: "round-robin" } }),
    ...applyErrors({ ...havenApplyFile, numbers: [{ phoneNumberId: "abc", displayPhoneNumber: "+55", agent: "nobody" }] }),
    ...applyErrors({ ...havenApplyFile, agents: [...havenApplyFile.agents, ...havenApplyFile.agents] }),
  ];
  const onboarding = parseOnboardingInput({
    tenant: { slug: "clinica", name: "Clínica" },
    agents: [{ slug: "recepcao", spec: { ...havenSpec, templates: { reengagement: { name: "nao_existe", language: "pt_BR" } } } }],
    templates: [
      { name: "t1", language: "pt_BR", purpose: "reminder", body: "Olá {{nome}}" },
      { name: "t2", language: "pt_BR", purpose: "reminder", body: "Olá {{1}} {{3}}" },
      { name: "t3", language: "pt_BR", purpose: "reengagement", body: "Olá {{1}} {{2}}" },
    ],
  } as TOnboardTenantInput);
  if (!onboarding.ok) {
    errors.push(...onboarding.errors);
  }
  const noWarning = parseOnboardingInput({ tenant: { slug: "c", name: "C" }, agents: [{ slug: "a", spec: { ...havenSpec, templates: {} } }] });
  errors.push(...noWarning.warnings);
  const testCase = ZTestCaseBody.safeParse({ name: "", turns: [], expectations: [{ kind: "contains", text: "" }] });
  if (!testCase.success) {
    errors.push(...testCase.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })));
  }
  // A customer's data rights (the conversation panel's erase dialog, the tenant page's card).
  const customerRequests = [
    ZCustomerRefInput.safeParse({ tenantSlug: "haven" }),
    ZCustomerRefInput.safeParse({ tenantSlug: "haven", conversationId: "not-a-uuid", customer: "ab" }),
    ZCustomerRefInput.safeParse({ tenantSlug: "haven", customer: "5".repeat(129) }),
    ZEraseCustomerInput.safeParse({ tenantSlug: "haven", customer: "+55 11 91234-5678", confirm: "apagar" }),
    ZSetRetentionInput.safeParse({ tenantSlug: "haven", days: 3 }),
    ZSetRetentionInput.safeParse({ tenantSlug: "haven", days: 4000 }),
    ZSetRetentionInput.safeParse({ tenantSlug: "haven", days: 30.5 }),
    ZSetRetentionInput.safeParse({ tenantSlug: "haven", days: "30" }),
  ];
  // Console access: a new account, and the one-time password links (the accounts card, the /password page).
  const accessRequests = [
    ZCreateUserInput.safeParse({ email: "not-an-email", name: "n".repeat(121), password: "short" }),
    ZCreatePasswordLinkInput.safeParse({ userId: "not-a-uuid" }),
    ZCreatePasswordLinkInput.safeParse({}),
    ZDescribePasswordLinkInput.safeParse({ token: "x".repeat(44) }),
    ZSetPasswordWithLinkInput.safeParse({ token: "garbled token", password: "short" }),
    ZSetPasswordWithLinkInput.safeParse({ token: "A".repeat(43), password: "p".repeat(201) }),
    ZSetPasswordWithLinkInput.safeParse({ token: 42 }),
  ];
  // The tenant page's template, number and integration forms.
  const tenantSetup = [
    ZSetWebhookSecretInput.safeParse({ tenantSlug: "haven", secret: "env:N8N_SECRET" }),
    ZSetWebhookSecretInput.safeParse({ tenantSlug: "haven", secret: "curto" }),
    ZSetCrmTokenInput.safeParse({ tenantSlug: "haven", token: "  " }),
    ZCreateTemplateInput.safeParse({ tenantSlug: "haven", template: { name: "Promo Natal", language: "Portuguese", category: "news", body: " " } }),
    ZAddNumberInput.safeParse({
      tenantSlug: "haven",
      number: { phoneNumberId: "abc", displayPhoneNumber: "", wabaId: "WABA-1", accessToken: "env:WA_TOKEN", kind: "meta", agentSlug: "recepcao" },
    }),
    ZAddNumberInput.safeParse({
      tenantSlug: "haven",
      number: { phoneNumberId: "1065", displayPhoneNumber: "+55", accessToken: " ", kind: "meta", agentSlug: "recepcao" },
    }),
  ];
  for (const parsed of [...customerRequests, ...accessRequests, ...tenantSetup]) {
    expect(parsed.success).toBe(false);
    if (!parsed.success) {
      errors.push(
        ...parsed.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
      );
    }
  }
  return errors;
}

describe("validation messages in Portuguese", () => {
  it("translates the spec editor's messages", () => {
    const errors = specErrors(
      spec((s) => {
        delete at(s, "handoff").message;
        at(s, "agent").nickname = "x";
        at(s, "agent").timezone = "Mars/Base";
        s.goals = [];
      }),
    );
    expect(errors.map((e) => `${e.path}: ${validationMessagePt(e.message)}`).sort()).toEqual(
      [
        "agent.nickname: campo desconhecido",
        'agent.timezone: deve ser um fuso horário IANA, como "America/Sao_Paulo"',
        "goals: ao menos um objetivo",
        "handoff.message: obrigatório",
      ].sort(),
    );
  });

  it("words a CRM baseUrl the token may not go to from the issue's params (the backend), not from its English", () => {
    const errors = [
      ...specErrors(spec((s) => (s.plugins = { crm: { backend: "pipedrive", baseUrl: "https://collector.example", qualifyFields: ["a"] } }))),
      ...specErrors(spec((s) => (s.plugins = { crm: { backend: "rdstation", baseUrl: "http://crm.rdstation.com", qualifyFields: ["a"] } }))),
    ];
    expect(errors.map((e) => `${e.path}: ${validationMessage(e, "pt-BR")}`)).toEqual([
      "plugins.crm.baseUrl: deve ser uma URL https da API do Pipedrive (api.pipedrive.com ou <empresa>.pipedrive.com): o token do CRM é enviado para lá",
      "plugins.crm.baseUrl: deve ser uma URL https da API do RD Station (crm.rdstation.com ou api.rd.services): o token do CRM é enviado para lá",
    ]);
    // English: the schema's own sentence, as the API and `lx` say it.
    expect(validationMessage(errors[0] ?? "", "en")).toBe(errors[0]?.message);
    // The params decide, whatever the English says (a reworded message needs no new rule here)…
    expect(validationMessagePt({ message: "the CRM token may not go there", params: { issue: "crm.base_url_host", backend: "rdstation" } })).toBe(
      "deve ser uma URL https da API do RD Station (crm.rdstation.com ou api.rd.services): o token do CRM é enviado para lá",
    );
    // …and the English alone is no longer parsed; params this build does not know fall back to the rules.
    expect(validationMessagePt(errors[0]?.message ?? "")).toBe(errors[0]?.message);
    expect(validationMessagePt({ message: "required", params: { issue: "something.new" } })).toBe("obrigatório");
  });

  it("translates zod's own messages, with or without their prefix", () => {
    expect(validationMessagePt("Invalid input: expected string, received number")).toBe("esperado texto, recebido número");
    expect(validationMessagePt("expected object, received null")).toBe("esperado objeto, recebido nulo");
    expect(validationMessagePt('Invalid option: expected one of "sales"|"support"')).toBe('esperado um destes: "sales", "support"');
    expect(validationMessagePt("Too small: expected string to have >=1 characters")).toBe("obrigatório");
    expect(validationMessagePt("Too big: expected string to have <=80 characters")).toBe("no máximo 80 caracteres");
    expect(validationMessagePt("Too small: expected array to have >=1 items")).toBe("ao menos 1 item");
    expect(validationMessagePt("Too big: expected array to have <=12 items")).toBe("no máximo 12 itens");
    expect(validationMessagePt("Too small: expected number to be >=0")).toBe("deve ser no mínimo 0");
  });

  it("says one thing for every empty required field, in both languages, as the login page does", () => {
    for (const message of ["required", "must not be empty", "Too small: expected string to have >=1 characters", "Invalid input: required"]) {
      expect(validationMessage(message, "pt-BR")).toBe("obrigatório");
      expect(validationMessage(message, "en")).toBe("required");
    }
    // The "Novo número" dialog's empty fields: one wording for each.
    const empty = ZAddNumberInput.safeParse({
      tenantSlug: "haven",
      number: { phoneNumberId: "", displayPhoneNumber: " ", accessToken: "", kind: "meta", agentSlug: "sdr" },
    });
    expect(empty.error?.issues.map((issue) => `${issue.path.join(".")}: ${validationMessage(issue.message, "pt-BR")}`)).toEqual([
      "number.displayPhoneNumber: obrigatório",
      "number.phoneNumberId: obrigatório",
      "number.accessToken: obrigatório",
    ]);
    expect(MESSAGES["pt-BR"].common.required).toBe(validationMessage("required", "pt-BR"));
    expect(MESSAGES.en.common.required).toBe(validationMessage("must not be empty", "en"));
  });

  it("leaves a message it does not know as it is, and English as English", () => {
    expect(validationMessagePt("something new the schemas say")).toBe("something new the schemas say");
    expect(validationMessage("required", "en")).toBe("required");
    expect(validationMessage("required", "pt-BR")).toBe("obrigatório");
  });

  it("translates the customer data forms' messages", () => {
    expect(validationMessagePt("type APAGAR to confirm")).toBe("digite APAGAR para confirmar");
    expect(validationMessagePt("Too small: expected number to be >=7")).toBe("deve ser no mínimo 7");
    expect(validationMessagePt("Too big: expected number to be <=3650")).toBe("deve ser no máximo 3650");
    expect(validationMessagePt("name the customer by conversationId or by customer, not both")).toBe(
      "indique o cliente pela conversa (conversationId) ou pelo número/ID (customer), não pelos dois",
    );
  });

  it("translates the integration forms' messages (a pasted secret or token)", () => {
    const issues = (parsed: { success: boolean; error?: { issues: { message: string }[] } }) =>
      parsed.error?.issues.map((issue) => validationMessagePt(issue.message));
    expect(issues(ZSetWebhookSecretInput.safeParse({ tenantSlug: "haven", secret: "env:N8N_SECRET" }))).toEqual([
      "cole o próprio segredo, não uma referência env:",
    ]);
    expect(issues(ZSetWebhookSecretInput.safeParse({ tenantSlug: "haven", secret: "curto" }))).toEqual(["ao menos 16 caracteres"]);
    expect(issues(ZSetCrmTokenInput.safeParse({ tenantSlug: "haven", token: " " }))).toEqual(["obrigatório"]);
    expect(issues(ZSetCrmTokenInput.safeParse({ tenantSlug: "haven", token: "env:PIPEDRIVE" }))).toEqual([
      "cole o próprio token, não uma referência env:",
    ]);
  });

  it("translates the password links' messages", () => {
    expect(validationMessagePt("invalid link")).toBe("link inválido");
    const parsed = ZSetPasswordWithLinkInput.safeParse({ token: "not-a-token", password: "short" });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => `${issue.path.join(".")}: ${validationMessagePt(issue.message)}`)).toEqual([
      "token: link inválido",
      "password: ao menos 8 caracteres",
    ]);
  });

  it("knows every kind of message the shared schemas give for broken specs, apply files, intakes, test cases, customer requests and password links", () => {
    const errors = everyKindOfError();
    expect(errors.length).toBeGreaterThan(30);
    const untranslated = errors.filter((e) => validationMessagePt(e) === e.message).map((e) => `${e.path}: ${e.message}`);
    expect(untranslated).toEqual([]);
  });

  it("translates every warning the compiler gives (part of the bundle, so in English) and the compile preview's template warnings", () => {
    const base: TAgentSpec = structuredClone(havenSpec);
    const warningsOf = (patch: (s: TAgentSpec) => void, docs: { title: string; content: string }[] = []) => {
      const s = structuredClone(base);
      patch(s);
      return compile(s, docs).warnings;
    };
    const long = "x".repeat(30_000);
    const warnings = [
      ...warningsOf((s) => (s.policies = { ...s.policies, maxReplyChars: 9000 })),
      ...warningsOf(() => undefined, [{ title: "Vazio", content: "  " }, { title: "Grande", content: long }]),
      ...warningsOf((s) => (s.business.hours = [])),
      ...warningsOf((s) => (s.plugins = { reminders: { offsetsMinutes: [60] } })),
      ...warningsOf((s) => (s.templates = {})),
      ...warningsOf((s) => (s.handoff = { ...s.handoff, keywords: [], allowModelRequest: false })),
      ...warningsOf((s) => (s.plugins = { ...s.plugins, crm: { backend: "webhook", webhookUrl: "https://n8n.example/crm", qualifyFields: [] } })),
      ...warningsOf((s) => (s.context = { recentMessages: 30, summarizeAfter: 20 })),
      ...warningsOf((s) => (s.policies = { ...s.policies, maxReplyChars: 20, fallbackMessage: "Uma mensagem longa demais para vinte." })),
      ...warningsOf((s) => (s.model = { provider: "openai", name: "gpt-4o-mini", maxOutputTokens: 16 })),
      "templates.reengagement names retomada_v1 (pt_BR), which the tenant has not declared: those sends will be blocked.",
      "templates.reminder names lembrete_v1 (pt_BR), which is paused at Meta: those sends are blocked until Meta approves it.",
    ];
    // Each place the compiler gives a warning was reached (a new one fails here until it is translated).
    const kinds = new Set(warnings.map((w) => w.replace(/\d+|"[^"]*"/g, "…")));
    const pushes = readFileSync(new URL("../../../../../packages/shared/src/compiler/compile.ts", import.meta.url), "utf8").match(/warnings\.push\(/g);
    expect(kinds.size).toBe((pushes?.length ?? 0) + 2);
    const untranslated = warnings.filter((w) => validationMessagePt(w) === w);
    expect(untranslated).toEqual([]);
    expect(validationMessagePt(warnings.at(-1) ?? "")).toBe(
      "templates.reminder usa lembrete_v1 (pt_BR), que está pausado na Meta: esses envios ficam bloqueados até a Meta aprovar.",
    );
  });
});
