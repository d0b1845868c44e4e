import { describe, expect } from "vitest";

import {
  dbTest,
  NO_THROTTLE,
  seedAgent,
  seedConversation,
  seedNumber,
  seedOutbound,
  seedTenant,
  seedUser,
} from "../testing/index.ts";
import { insertAuditEvent } from "./audit.ts";
import { login } from "./auth.ts";
import { applyStatusUpdate } from "./inbound.ts";
import { getSetupChecklist } from "./setup.ts";


describe("setup delivered checklist", () => {
  dbTest("each item is computed from what the system recorded, sandbox deliveries labelled", async ({ db }) => {
    const tenant = await seedTenant(db);
    const status = async () =>
      Object.fromEntries((await getSetupChecklist(db, { tenantId: tenant.id })).items.map((i) => [i.key, i.status]));

    expect(await getSetupChecklist(db, { tenantId: tenant.id })).toEqual({
      items: [
        { key: "number_answered", status: "pending", at: null, evidence: null },
        { key: "version_active", status: "pending", at: null, evidence: null },
        { key: "handoff_test", status: "pending", at: null, evidence: null },
        { key: "client_login", status: "pending", at: null, evidence: null },
        { key: "client_metrics", status: "pending", at: null, evidence: null },
      ],
      complete: false,
      sandboxOnly: false,
    });

    // An agent with 1.0.0 active.
    const { agent } = await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" });
    const afterVersion = await getSetupChecklist(db, { tenantId: tenant.id });
    expect(afterVersion.items[1]).toMatchObject({ status: "done", evidence: "recepcao v1.0.0" });
    expect(afterVersion.items[1]?.at).toMatch(/Z$/);

    // A reply delivered on the sandbox number counts for the demo only, labelled; queued or failed ones never.
    const sandboxNumber = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id, kind: "sandbox" });
    const metaNumber = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id, kind: "meta" });
    const onSandbox = await seedConversation(db, { tenantId: tenant.id, numberId: sandboxNumber.id });
    const onMeta = await seedConversation(db, { tenantId: tenant.id, numberId: metaNumber.id });
    await seedOutbound(db, { tenantId: tenant.id, conversationId: onMeta.id, numberId: metaNumber.id, author: "bot", body: "a", status: "sent" });
    await seedOutbound(db, { tenantId: tenant.id, conversationId: onMeta.id, numberId: metaNumber.id, author: "bot", body: "b", status: "failed" });
    expect((await status()).number_answered).toBe("pending");
    await seedOutbound(db, {
      tenantId: tenant.id,
      conversationId: onSandbox.id,
      numberId: sandboxNumber.id,
      author: "bot",
      body: "c",
      status: "read",
    });
    const sandboxOnly = await getSetupChecklist(db, { tenantId: tenant.id });
    expect(sandboxOnly.items[0]).toMatchObject({ status: "sandbox", evidence: sandboxNumber.displayPhoneNumber });
    expect(sandboxOnly.sandboxOnly).toBe(true);
    // The official number's first answer reaches the customer through Meta's status callback (the
    // real path, which records it on the number); a template never counts.
    const template = await seedOutbound(db, {
      tenantId: tenant.id, conversationId: onMeta.id, numberId: metaNumber.id, author: "bot", body: "t", status: "sent", kind: "template",
    });
    const human = await seedOutbound(db, {
      tenantId: tenant.id, conversationId: onMeta.id, numberId: metaNumber.id, author: "human", body: "d", status: "sent",
    });
    const deliveredAt = new Date(Date.UTC(2026, 10, 26, 9, 30));
    // The send's own wamid: an echoed id alone never moves a send that has one (another app's collides).
    const deliver = (outbox: { id: number; wamid: string | null }) =>
      applyStatusUpdate(db, {
        tenantId: tenant.id, wamid: outbox.wamid!, status: "delivered", bizOpaque: String(outbox.id),
        at: deliveredAt, errorCode: null, errorMessage: null,
      });
    await deliver(template.outbox!);
    expect((await status()).number_answered).toBe("sandbox");
    await deliver(human.outbox!);
    const official = await getSetupChecklist(db, { tenantId: tenant.id });
    expect(official.items[0]).toMatchObject({
      status: "done", evidence: metaNumber.displayPhoneNumber, at: deliveredAt.toISOString(),
    });
    expect(official.sandboxOnly).toBe(false);

    // The handoff test: a failure does not count, a pass does.
    const system = { type: "system" as const, label: "test" };
    await insertAuditEvent(db, { tenantId: tenant.id, actor: system, type: "handoff_test.failed", data: { step: "pending_human" } });
    expect((await status()).handoff_test).toBe("pending");
    await insertAuditEvent(db, { tenantId: tenant.id, actor: { type: "user", label: "ana@agency" }, type: "handoff_test.passed" });
    expect((await getSetupChecklist(db, { tenantId: tenant.id })).items[2]).toMatchObject({
      status: "done",
      evidence: "ana@agency",
    });

    // Only a client's sign-in and a client's metrics view count (an operator's do not).
    const operator = await seedUser(db, { role: "operator" });
    const client = await seedUser(db, { role: "client", tenantId: tenant.id });
    const other = await seedTenant(db);
    const otherClient = await seedUser(db, { role: "client", tenantId: other.id });
    for (const user of [operator, otherClient]) {
      await login(db, { email: user.email, password: user.password, ip: null, userAgent: null, throttle: NO_THROTTLE });
    }
    await insertAuditEvent(db, {
      tenantId: tenant.id,
      actor: { type: "user", id: operator.id, label: operator.email },
      type: "metrics.viewed",
      data: { role: "operator" },
    });
    expect(await status()).toMatchObject({ client_login: "pending", client_metrics: "pending" });
    await login(db, { email: client.email, password: client.password, ip: null, userAgent: null, throttle: NO_THROTTLE });
    await insertAuditEvent(db, {
      tenantId: tenant.id,
      actor: { type: "user", id: client.id, label: client.email },
      type: "metrics.viewed",
      data: { role: "client" },
    });
    const done = await getSetupChecklist(db, { tenantId: tenant.id });
    expect(done.items.slice(3)).toMatchObject([
      { key: "client_login", status: "done", evidence: client.email },
      { key: "client_metrics", status: "done", evidence: client.email },
    ]);
    expect(done.complete).toBe(true);
    // The other tenant's client signed in, but nothing of theirs counts here, nor the reverse.
    expect((await getSetupChecklist(db, { tenantId: other.id })).items.map((i) => i.status)).toEqual([
      "pending",
      "pending",
      "pending",
      "done",
      "pending",
    ]);
  });
});
