import { describe, expect } from "vitest";

import { havenApplyFile, havenSpec, minimalSpec } from "@lx/shared/testing";

import {
  dbTest,
  seedNumber,
  seedTenant,
  TEST_ACTOR,
  TEST_SECRET_KEY,
  uniqueSuffix,
} from "../testing/index.ts";
import { onboardTenant } from "./onboarding.ts";

const actor = { type: "user" as const, id: null, label: "ana@agency.test" };

/** Haven's templates (the spec names retomada_v1 and lembrete_consulta_v1). */
const templates = (havenApplyFile.templates ?? []).map((t) => ({
  ...t,
  purpose: t.purpose ?? ("other" as const),
}));

const uniqueNumberId = () => `77${Date.now() % 1_000_000_000}${Math.floor(Math.random() * 1000)}`;

function intake(slug: string, overrides: Record<string, unknown> = {}) {
  return {
    tenant: { slug, name: "Clínica Sol" },
    agents: [{ slug: "atendimento", spec: { ...havenSpec, agent: { ...havenSpec.agent, name: "Sol" } } }],
    templates,
    activate: true,
    numbers: [
      {
        phoneNumberId: uniqueNumberId(),
        displayPhoneNumber: "+55 11 98888-0001",
        accessToken: "EAAG-secret-token",
        kind: "sandbox" as const,
      },
    ],
    ...overrides,
  };
}

describe("onboarding", () => {
  dbTest("creates the tenant, its first agent at 1.0.0 (active) and its numbers, audited", async ({ db }) => {
    const slug = `sol-${uniqueSuffix()}`;
    const input = intake(slug);
    const report = await onboardTenant(db, {
      input,
      secretKey: TEST_SECRET_KEY,
      actor,
      requestId: "req-wizard",
    });
    expect(report).toMatchObject({ tenant: slug, agentSlugs: ["atendimento"], changed: true });
    expect(report.changes.map((c) => `${c.kind}:${c.action}`)).toEqual(
      expect.arrayContaining([
        "tenant:created",
        "agent:created",
        "version:published",
        "activation:activated",
        "number:created",
      ]),
    );
    const [row] = await db.$client<
      {
        name: string;
        routing: unknown;
        agent: string;
        active: string | null;
        kind: string;
        token_enc: string;
      }[]
    >`
      select t.name, t.routing, a.slug as agent, v.version as active, n.kind, n.access_token_enc as token_enc
      from tenants t join agents a on a.tenant_id = t.id
      left join agent_versions v on v.id = a.active_version_id
      join phone_numbers n on n.tenant_id = t.id
      where t.slug = ${slug}`;
    expect(row).toMatchObject({
      name: "Clínica Sol",
      routing: { mode: "number" },
      agent: "atendimento",
      active: "1.0.0",
      kind: "sandbox",
    });
    // The token is stored encrypted, never in clear.
    expect(row?.token_enc).not.toContain("EAAG-secret-token");
    const events = await db.$client<{ type: string; actor_label: string; request_id: string | null }[]>`
      select e.type, e.actor_label, e.request_id from audit_events e join tenants t on t.id = e.tenant_id
      where t.slug = ${slug} and e.type in ('apply.completed', 'tenant.onboarded') order by e.id`;
    expect(events).toEqual([
      { type: "apply.completed", actor_label: actor.label, request_id: null },
      { type: "tenant.onboarded", actor_label: actor.label, request_id: "req-wizard" },
    ]);
  });

  dbTest(
    "several agents routed by a menu, with their templates; the tenant's time zone is the first agent's",
    async ({ db }) => {
      const slug = `sol-${uniqueSuffix()}`;
      const sales = { ...minimalSpec, agent: { ...minimalSpec.agent, timezone: "America/Manaus" } };
      const menu = {
        mode: "menu" as const,
        prompt: "Olá! Com quem você quer falar?",
        options: [
          { title: "Agendar consulta", agent: "atendimento" },
          { title: "Planos", agent: "vendas" },
        ],
      };
      const [sandbox, official] = [uniqueNumberId(), uniqueNumberId()];
      const numbers = [
        {
          phoneNumberId: sandbox,
          displayPhoneNumber: "+55 11 98888-0002",
          accessToken: "t1",
          kind: "sandbox",
        },
        {
          phoneNumberId: official,
          displayPhoneNumber: "+55 11 98888-0003",
          accessToken: "t2",
          kind: "meta",
          agent: "vendas",
        },
      ];
      const input = intake(slug, {
        agents: [
          {
            slug: "atendimento",
            spec: { ...havenSpec, agent: { ...havenSpec.agent, timezone: "America/Recife" } },
          },
          { slug: "vendas", spec: sales },
        ],
        routing: menu,
        numbers,
      });
      const report = await onboardTenant(db, { input, secretKey: TEST_SECRET_KEY, actor });
      expect(report.agentSlugs).toEqual(["atendimento", "vendas"]);
      expect(report.changes.filter((c) => c.kind === "template").map((c) => c.subject)).toEqual([
        "retomada_v1 (pt_BR)",
        "lembrete_consulta_v1 (pt_BR)",
      ]);

      const [tenant] = await db.$client<{ id: string; routing: unknown; time_zone: string }[]>`
        select id, routing, time_zone from tenants where slug = ${slug}`;
      expect(tenant).toMatchObject({ routing: menu, time_zone: "America/Recife" });
      const agents = await db.$client<{ slug: string; active: string | null }[]>`
        select a.slug, v.version as active from agents a left join agent_versions v on v.id = a.active_version_id
        where a.tenant_id = ${tenant?.id ?? ""} order by a.slug`;
      expect(agents).toEqual([
        { slug: "atendimento", active: "1.0.0" },
        { slug: "vendas", active: "1.0.0" },
      ]);
      const routed = await db.$client<{ phone_number_id: string; agent: string }[]>`
        select n.phone_number_id, a.slug as agent from phone_numbers n join agents a on a.id = n.agent_id
        where n.tenant_id = ${tenant?.id ?? ""} order by n.display_phone_number`;
      expect(routed).toEqual([
        { phone_number_id: sandbox, agent: "atendimento" },
        { phone_number_id: official, agent: "vendas" },
      ]);
      const stored = await db.$client<{ name: string; purpose: string; body: string; status: string }[]>`
        select name, purpose, body, status from templates where tenant_id = ${tenant?.id ?? ""} order by name desc`;
      expect(stored).toEqual(
        templates.map((t) => ({ name: t.name, purpose: t.purpose, body: t.body, status: "approved" })),
      );
      // The version the receptionist runs carries its re-engagement template (the 24-hour path).
      const [bundle] = await db.$client<{ templates: unknown }[]>`
        select v.bundle -> 'templates' as templates from agents a join agent_versions v on v.id = a.active_version_id
        where a.tenant_id = ${tenant?.id ?? ""} and a.slug = 'atendimento'`;
      expect(bundle?.templates).toMatchObject({ reengagement: { name: "retomada_v1", language: "pt_BR" } });
      const [event] = await db.$client<{ data: unknown }[]>`
        select data from audit_events where tenant_id = ${tenant?.id ?? ""} and type = 'tenant.onboarded'`;
      expect(event?.data).toMatchObject({
        agents: ["atendimento", "vendas"],
        routing: "menu",
        templates: [
          { name: "retomada_v1", language: "pt_BR", purpose: "reengagement" },
          { name: "lembrete_consulta_v1", language: "pt_BR", purpose: "reminder" },
        ],
      });
    },
  );

  dbTest("activate: false publishes 1.0.0 without making it live", async ({ db }) => {
    const slug = `sol-${uniqueSuffix()}`;
    await onboardTenant(db, {
      input: intake(slug, { activate: false, numbers: [] }),
      secretKey: TEST_SECRET_KEY,
      actor,
    });
    const [row] = await db.$client<{ versions: number; active: string | null }[]>`
      select (select count(*)::int from agent_versions v where v.agent_id = a.id) as versions, a.active_version_id as active
      from agents a join tenants t on t.id = a.tenant_id where t.slug = ${slug}`;
    expect(row).toEqual({ versions: 1, active: null });
  });

  dbTest(
    "bad input names every path; a taken slug or number is CONFLICT; nothing is written",
    async ({ db }) => {
      const existing = await seedTenant(db);
      const number = await seedNumber(db, { tenantId: existing.id, kind: "sandbox" });
      const before = await db.$client<{ n: number }[]>`select count(*)::int as n from tenants`;

      const broken = intake("Sol Clinica", {
        agents: [
          { slug: "atendimento", spec: { ...havenSpec, handoff: { ...havenSpec.handoff, message: "" } } },
        ],
        numbers: [{ phoneNumberId: "12ab", displayPhoneNumber: "", accessToken: "x", kind: "meta" }],
      });
      const error = await onboardTenant(db, { input: broken, secretKey: TEST_SECRET_KEY, actor }).catch(
        (err: unknown) => err,
      );
      expect(error).toMatchObject({ code: "INVALID_INPUT" });
      const message = (error as Error).message;
      for (const path of [
        "tenant.slug",
        "agents.0.spec.handoff.message",
        "numbers.0.phoneNumberId",
        "numbers.0.displayPhoneNumber",
      ]) {
        expect(message).toContain(`${path}:`);
      }

      // The wizard's own checks run on the server too: a template the spec names must be there,
      // the menu must name existing agents, bodies use numbered parameters.
      const unwired = intake(`sol-${uniqueSuffix()}`, {
        templates: [{ ...templates[1], body: "Olá {{1}}, sua consulta em {{3}}" }],
        routing: { mode: "menu", prompt: "Oi!", options: [{ title: "Vendas", agent: "vendas" }] },
      });
      await expect(
        onboardTenant(db, { input: unwired, secretKey: TEST_SECRET_KEY, actor }),
      ).rejects.toMatchObject({
        code: "INVALID_INPUT",
        userMessage: [
          // The body rule is the template schema's own now (the apply file's), so it comes first.
          "templates.0.body: parameters must be {{1}}, {{2}}… without gaps (found {{1}}, {{3}})",
          'routing.options.0.agent: unknown agent "vendas" (agents: atendimento)',
          'agents.0.spec.templates.reengagement.name: template "retomada_v1" (pt_BR) is not among the templates',
        ].join("; "),
      });

      await expect(
        onboardTenant(db, { input: intake(existing.slug), secretKey: TEST_SECRET_KEY, actor }),
      ).rejects.toMatchObject({
        code: "CONFLICT",
        userMessage: `tenant.slug: "${existing.slug}" is already taken`,
      });
      const reused = intake(`sol-${uniqueSuffix()}`, {
        numbers: [
          {
            phoneNumberId: number.phoneNumberId,
            displayPhoneNumber: "+55",
            accessToken: "t",
            kind: "sandbox",
          },
        ],
      });
      await expect(
        onboardTenant(db, { input: reused, secretKey: TEST_SECRET_KEY, actor: TEST_ACTOR }),
      ).rejects.toMatchObject({
        code: "CONFLICT",
        userMessage: `numbers.0.phoneNumberId: ${number.phoneNumberId} is already registered`,
      });
      expect(await db.$client<{ n: number }[]>`select count(*)::int as n from tenants`).toEqual(before);
    },
  );
});
