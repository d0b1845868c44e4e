import { describe, expect } from "vitest";

import { havenSpec } from "@lx/shared/testing";

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

function intake(slug: string, overrides: Record<string, unknown> = {}) {
  return {
    tenant: { slug, name: "Clínica Sol" },
    agentSlug: "atendimento",
    spec: { ...havenSpec, agent: { ...havenSpec.agent, name: "Sol" } },
    activate: true,
    numbers: [
      {
        phoneNumberId: `77${Date.now() % 1_000_000_000}${Math.floor(Math.random() * 1000)}`,
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
    expect(report).toMatchObject({ tenant: slug, agentSlug: "atendimento", changed: true });
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
        spec: { ...havenSpec, handoff: { ...havenSpec.handoff, message: "" } },
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
