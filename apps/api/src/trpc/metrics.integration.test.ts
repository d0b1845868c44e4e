import { TRPCError } from "@trpc/server";
import { describe, expect } from "vitest";

import {
  dbTest,
  seedAgent,
  seedConversation,
  seedInbound,
  seedNumber,
  seedOutbound,
  seedTenant,
  seedUser,
} from "@lx/db/testing";

import { callerFor, sessionFor } from "../testing/harness.ts";

describe("metrics and the setup checklist through the API", () => {
  dbTest(
    "the tenant's client reads its metrics (recorded once), which ticks the checklist",
    async ({ db }) => {
      const tenant = await seedTenant(db);
      const { agent, version } = await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" });
      const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id, kind: "sandbox" });
      const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id });
      const now = Date.now();
      const i = await seedInbound(db, {
        tenantId: tenant.id,
        conversationId: c.id,
        body: "oi",
        at: new Date(now - 4000),
      });
      await seedOutbound(db, {
        tenantId: tenant.id,
        conversationId: c.id,
        numberId: number.id,
        author: "bot",
        body: "olá",
        at: new Date(now - 1000),
        agentVersionId: version.id,
        answersUpToId: i.id,
        tokensIn: 10,
        tokensOut: 5,
        status: "read",
      });
      const client = await seedUser(db, { role: "client", tenantId: tenant.id });
      const operator = await seedUser(db, { role: "operator" });
      const cl = callerFor(db, await sessionFor(db, client.email, client.password)).caller;
      const op = callerFor(db, await sessionFor(db, operator.email, operator.password)).caller;

      // Before the client looks: signed in (sessionFor logs in for real), metrics not seen.
      let checklist = await op.setup.checklist({ tenantSlug: tenant.slug });
      expect(checklist.items.map((item) => [item.key, item.status])).toEqual([
        ["number_answered", "sandbox"],
        ["version_active", "done"],
        ["handoff_test", "pending"],
        ["client_login", "done"],
        ["client_metrics", "pending"],
      ]);

      // An operator's view does not tick "client saw their metrics".
      await op.metrics.tenant({ tenantSlug: tenant.slug });
      expect((await op.setup.checklist({ tenantSlug: tenant.slug })).items[4]?.status).toBe("pending");

      const metrics = await cl.metrics.tenant({ tenantSlug: tenant.slug, days: 7 });
      expect(metrics.range.days).toHaveLength(7);
      expect(metrics.range.timezone).toBe("America/Sao_Paulo");
      expect(metrics.totals).toMatchObject({
        conversations: 1,
        messagesIn: 1,
        messagesOut: 1,
        botResponses: 1,
        read: 1,
      });
      expect(metrics.totals.botFirstResponseP50Ms).toBeCloseTo(3000, -1);
      await cl.metrics.tenant({ tenantSlug: tenant.slug });
      const views = await db.$client<{ actor_label: string }[]>`
      select actor_label from audit_events where tenant_id = ${tenant.id} and type = 'metrics.viewed' order by id`;
      expect(views.map((v) => v.actor_label)).toEqual([operator.email, client.email]);
      checklist = await op.setup.checklist({ tenantSlug: tenant.slug });
      expect(checklist.items[4]).toMatchObject({
        key: "client_metrics",
        status: "done",
        evidence: client.email,
      });
    },
  );

  dbTest(
    "another tenant's client gets NOT_FOUND and records nothing; the checklist is operators only",
    async ({ db }) => {
      const tenant = await seedTenant(db);
      const other = await seedTenant(db);
      const otherClient = await seedUser(db, { role: "client", tenantId: other.id });
      const ownClient = await seedUser(db, { role: "client", tenantId: tenant.id });
      const stranger = callerFor(db, await sessionFor(db, otherClient.email, otherClient.password)).caller;
      const own = callerFor(db, await sessionFor(db, ownClient.email, ownClient.password)).caller;
      const codeOf = async (p: Promise<unknown>) =>
        p.then(
          () => "OK",
          (err: unknown) => (err instanceof TRPCError ? err.code : "THROWN"),
        );
      expect(await codeOf(stranger.metrics.tenant({ tenantSlug: tenant.slug }))).toBe("NOT_FOUND");
      expect(await codeOf(own.setup.checklist({ tenantSlug: tenant.slug }))).toBe("FORBIDDEN");
      expect(await codeOf(own.metrics.tenant({ tenantSlug: tenant.slug, days: 0 }))).toBe("BAD_REQUEST");
      const [row] = await db.$client<{ n: number }[]>`
      select count(*)::int as n from audit_events where type = 'metrics.viewed' and tenant_id = ${tenant.id}`;
      expect(row?.n).toBe(0);
    },
  );
});
