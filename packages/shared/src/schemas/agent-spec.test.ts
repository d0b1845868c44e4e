import { describe, expect, it } from "vitest";

import { havenSpec, minimalSpec } from "../testing/fixtures.ts";
import { REMOVE, withChanges } from "../testing/mutate.ts";
import { agentSpecJsonSchema, formatSpecErrors, isValidTimeZone, parseAgentSpec } from "./agent-spec.ts";

/** A deep copy of the Haven spec as plain JSON, optionally broken on purpose. */
function haven(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return withChanges(havenSpec, changes);
}

function errorsOf(input: unknown): string[] {
  const result = parseAgentSpec(input);
  if (result.ok) {
    return [];
  }
  return formatSpecErrors(result.errors).split("\n");
}

describe("parseAgentSpec", () => {
  it("accepts the full pt-BR Haven spec and returns it unchanged (defaults stay in the compiler)", () => {
    const result = parseAgentSpec(haven());
    expect(result).toEqual({ ok: true, spec: havenSpec });
  });

  it("accepts the minimal spec", () => {
    expect(parseAgentSpec(minimalSpec).ok).toBe(true);
  });

  it("reports a missing key as `path: required`", () => {
    const spec = haven({ "handoff.message": REMOVE });
    expect(errorsOf(spec)).toEqual(["handoff.message: required"]);
  });

  it("reports an invalid hour once: no `must be after open` for an hour that is not one", () => {
    expect(errorsOf(haven({ "business.hours.0.open": "25:00" }))).toEqual(["business.hours.0.open: must be HH:MM (00:00–23:59)"]);
    expect(errorsOf(haven({ "business.hours.0.close": "7pm" }))).toEqual(["business.hours.0.close: must be HH:MM (00:01–24:00)"]);
    expect(errorsOf(haven({ "business.hours.0.open": "18:00", "business.hours.0.close": "08:00" }))).toEqual(["business.hours.0.close: must be after open"]);
  });

  it("names array indexes in paths", () => {
    const spec = haven({ "services.0.name": "   ", "faq.2.answer": REMOVE });
    expect(errorsOf(spec)).toEqual(["services.0.name: must not be empty", "faq.2.answer: required"]);
  });

  it("rejects unknown keys at the root and nested, each with its own path", () => {
    const spec = haven({ version: 2, "agent.nickname": "Aninha", "plugins.calendar.color": "blue" });
    expect(errorsOf(spec)).toEqual([
      "agent.nickname: unknown key",
      "plugins.calendar.color: unknown key",
      "version: unknown key",
    ]);
  });

  it("requires webhookUrl when the calendar backend is webhook", () => {
    const spec = haven({ "plugins.calendar": { backend: "webhook" } });
    expect(errorsOf(spec)).toEqual(['plugins.calendar.webhookUrl: required when backend is "webhook"']);
    const fixed = haven({
      "plugins.calendar": { backend: "webhook", webhookUrl: "https://n8n.haven.test/webhook/calendar" },
    });
    expect(parseAgentSpec(fixed).ok).toBe(true);
  });

  it("refuses credentials in any URL of the spec (user:password@), as a field error on that URL", () => {
    const message = "must not hold a user name or password (user:password@): the spec is not a place for credentials";
    expect(
      errorsOf(
        haven({
          "handoff.notifyWebhookUrl": "https://ops:s3cret@n8n.haven.test/webhook/handoff",
          "plugins.calendar": { backend: "webhook", webhookUrl: "https://token@n8n.haven.test/webhook/calendar" },
          "plugins.crm": { backend: "webhook", webhookUrl: "http://:pw@n8n.haven.test/crm", qualifyFields: ["interesse"] },
          "business.website": "https://admin:admin@haven.test",
        }),
      ).sort(),
    ).toEqual(
      [
        `business.website: ${message}`,
        `handoff.notifyWebhookUrl: ${message}`,
        `plugins.calendar.webhookUrl: ${message}`,
        `plugins.crm.webhookUrl: ${message}`,
      ].sort(),
    );
    expect(errorsOf(haven({ "plugins.crm": { backend: "pipedrive", baseUrl: "https://u:p@haven.pipedrive.com", qualifyFields: ["interesse"] } }))).toEqual([
      `plugins.crm.baseUrl: ${message}`,
    ]);
    // An @ in the path or the query is not userinfo.
    expect(parseAgentSpec(haven({ "handoff.notifyWebhookUrl": "https://n8n.haven.test/webhook/a@b?to=ops@haven.test" })).ok).toBe(true);
  });

  it("requires webhookUrl for a webhook CRM but not for pipedrive, which may take a baseUrl", () => {
    expect(errorsOf(haven({ "plugins.crm": { backend: "webhook", qualifyFields: ["interesse"] } }))).toEqual(['plugins.crm.webhookUrl: required when backend is "webhook"']);
    const pipedrive = haven({
      "plugins.crm": {
        backend: "pipedrive",
        baseUrl: "https://haven.pipedrive.com/api/v1",
        qualifyFields: ["interesse", "orçamento"],
      },
    });
    expect(parseAgentSpec(pipedrive).ok).toBe(true);
  });

  it("takes a Pipedrive / RD Station baseUrl only on the CRM's own https API hosts (the token goes there), or an address the worker decides on", () => {
    const crm = (backend: string, baseUrl: string) => haven({ "plugins.crm": { backend, baseUrl, qualifyFields: ["interesse"] } });
    for (const [backend, url] of [
      ["pipedrive", "https://api.pipedrive.com"],
      ["pipedrive", "https://haven.pipedrive.com/api"],
      ["rdstation", "https://crm.rdstation.com"],
      ["rdstation", "https://api.rd.services"],
      // Addresses and localhost: LX_EGRESS_ALLOW (the worker's) decides (a local CRM proxy, the tests' fakes).
      ["pipedrive", "http://127.0.0.1:4010"],
      ["rdstation", "http://localhost:4010"],
    ] as const) {
      expect(errorsOf(crm(backend, url)), url).toEqual([]);
    }
    const pipedrive = "plugins.crm.baseUrl: must be an https URL of Pipedrive's API (api.pipedrive.com or <company>.pipedrive.com): the CRM token is sent there";
    expect(errorsOf(crm("pipedrive", "https://collector.example/v1"))).toEqual([pipedrive]);
    expect(errorsOf(crm("pipedrive", "http://api.pipedrive.com"))).toEqual([pipedrive]);
    expect(errorsOf(crm("pipedrive", "https://api.pipedrive.com.collector.example"))).toEqual([pipedrive]);
    expect(errorsOf(crm("rdstation", "https://api.pipedrive.com"))).toEqual([
      "plugins.crm.baseUrl: must be an https URL of RD Station's API (crm.rdstation.com or api.rd.services): the CRM token is sent there",
    ]);
    // The error says which rule in `params` too, for a client to word it (the console, in Portuguese).
    const refused = parseAgentSpec(crm("rdstation", "https://collector.example"));
    expect(refused.ok ? [] : refused.errors).toEqual([
      {
        path: "plugins.crm.baseUrl",
        message: "must be an https URL of RD Station's API (crm.rdstation.com or api.rd.services): the CRM token is sent there",
        params: { issue: "crm.base_url_host", backend: "rdstation" },
      },
    ]);
    // The webhook backend sends no token: its baseUrl (unused) is not checked.
    expect(errorsOf(haven({ "plugins.crm": { backend: "webhook", webhookUrl: "https://n8n.test/crm", baseUrl: "https://x.example", qualifyFields: [] } }))).toEqual([]);
  });

  it("maps qualify fields to the CRM's custom fields only for Pipedrive / RD Station, and only fields it qualifies", () => {
    const crm = (over: Record<string, unknown>) =>
      haven({ "plugins.crm": { backend: "pipedrive", qualifyFields: ["interesse", "orcamento"], ...over } });
    expect(parseAgentSpec(crm({ customFields: { orcamento: "9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e" } })).ok).toBe(true);
    expect(errorsOf(crm({ customFields: { cidade: "abc" } }))).toEqual(["plugins.crm.customFields.cidade: must be one of qualifyFields"]);
    expect(errorsOf(crm({ backend: "webhook", webhookUrl: "https://n8n.test/crm", customFields: { interesse: "x" } }))).toEqual([
      'plugins.crm.customFields: only for the "pipedrive" and "rdstation" backends (n8n gets every field by name)',
    ]);
  });

  it.each<[string, Record<string, unknown>]>([
    ["agent.timezone", { "agent.timezone": "America/Sao_Paolo" }],
    ["agent.timezone", { "agent.timezone": "+03:00" }],
    ["agent.language", { "agent.language": "pt_BR" }],
    ["agent.role", { "agent.role": "doctor" }],
    ["specVersion", { specVersion: 2 }],
    ["business.website", { "business.website": "havenclinica.com.br" }],
    ["business.hours.0.open", { "business.hours.0.open": "8:00" }],
    ["business.hours.2.close", { "business.hours.2.close": "07:00" }],
    ["business.hours.1", { "business.hours.1.open": "11:00" }],
    ["goals", { goals: [] }],
    ["goals", { goals: "agendar" }],
    ["policies.maxReplyChars", { "policies.maxReplyChars": 5000 }],
    ["policies.maxReplyChars", { "policies.maxReplyChars": 12.5 }],
    ["policies.allowedLinkDomains.0", { "policies.allowedLinkDomains": ["https://x.com"] }],
    ["handoff.notifyWebhookUrl", { "handoff.notifyWebhookUrl": "ftp://haven.test" }],
    ["handoff.keywords.1", { "handoff.keywords.1": "" }],
    ["handoff.allowModelRequest", { "handoff.allowModelRequest": "yes" }],
    ["templates.reminder.language", { "templates.reminder.language": "pt-BR" }],
    ["templates.reengagement.name", { "templates.reengagement.name": "Retomada V1" }],
    ["plugins.reminders.offsetsMinutes", { "plugins.reminders.offsetsMinutes": [120, 120] }],
    ["model.temperature", { "model.temperature": 3 }],
    ["services.1.durationMinutes", { "services.1.durationMinutes": -5 }],
  ])("names the path %s", (path, changes) => {
    const result = parseAgentSpec(haven(changes));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.errors.map((error) => error.path)).toEqual([path]);
      expect(result.errors[0]?.message).not.toBe("");
    }
  });

  it("reads errors on the document itself as (root)", () => {
    expect(errorsOf(null)).toEqual(["(root): expected object, received null"]);
  });

  it("formats one `path: message` per line", () => {
    expect(
      formatSpecErrors([
        { path: "handoff.message", message: "required" },
        { path: "services.0.name", message: "must not be empty" },
      ]),
    ).toBe("handoff.message: required\nservices.0.name: must not be empty");
  });
});

describe("isValidTimeZone", () => {
  it("accepts IANA names and refuses offsets and typos", () => {
    expect(isValidTimeZone("America/Sao_Paulo")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("America/Argentina/Buenos_Aires")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidTimeZone("-03:00")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
  });
});

describe("agentSpecJsonSchema", () => {
  it("describes the spec for the editor: required keys, closed objects, enums", () => {
    const schema = agentSpecJsonSchema() as {
      type: string;
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { required?: string[]; properties?: Record<string, { enum?: string[] }> }>;
    };
    expect(schema.type).toBe("object");
    expect(schema.required).toEqual(["specVersion", "agent", "business", "goals", "handoff"]);
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.handoff?.required).toEqual(["keywords", "allowModelRequest", "message"]);
    expect(schema.properties.agent?.properties?.role?.enum).toEqual(["sales", "support", "receptionist", "general"]);
  });

  it("returns a fresh copy each time", () => {
    const first = agentSpecJsonSchema();
    first.title = "changed";
    expect(agentSpecJsonSchema().title).toBe("AgentSpec v1");
  });
});
