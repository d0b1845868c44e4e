import { eq, sql } from "drizzle-orm";
import { describe, expect } from "vitest";

import { havenSpec } from "@lx/shared/testing";

import type { Database } from "../client.ts";
import { tenants } from "../schema/index.ts";
import {
  dbTest,
  seedAgent,
  seedConversation,
  seedHandoff,
  seedInbound,
  seedNumber,
  seedOutbound,
  seedTenant,
  seedUser,
  TEST_ACTOR,
} from "../testing/index.ts";
import { getTenantMetrics, recordMetricsView, type TenantMetrics } from "./metrics.ts";
import { activateVersion, publishVersion } from "./versions.ts";

const at = (iso: string) => new Date(iso);
const NOW = at("2025-03-10T12:00:00Z");

/**
 * Two conversations with every kind of row the metrics read, at known times:
 * - A, 2025-03-10, answered by v1.0.0 (gpt-4o-mini): a single message, a burst of two, a handoff
 *   keyword (system handoff message, a human reply, a customer message during the handoff), and one
 *   more after the hand-back;
 * - B, 2025-03-09, answered by v1.1.0 (claude-3-5-haiku): one bot answer, an operator take-over with a
 *   human reply, a template delivered and one failed.
 * Plus rows that must not count: before the range, after `now`, and another tenant's; and, unless
 * all traffic is asked for, T: the console's test traffic on the tenant's sandbox number (a test chat
 * answered by v1.0.0, a handoff test with its human reply, a template).
 */
async function seedScenario(db: Database) {
  const tenant = await seedTenant(db);
  const { agent, version: v1 } = await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" });
  const v2 = await publishVersion(db, {
    tenantId: tenant.id,
    agentId: agent.id,
    spec: { ...havenSpec, model: { provider: "anthropic", name: "claude-3-5-haiku-20241022" } },
    bump: "minor",
    actor: TEST_ACTOR,
  });
  await activateVersion(db, { tenantId: tenant.id, agentId: agent.id, version: v2.version, actor: TEST_ACTOR });
  const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
  const operator = await seedUser(db, { role: "operator" });
  const base = { tenantId: tenant.id, numberId: number.id };

  const a = await seedConversation(db, { ...base, name: "A" });
  const inA = (body: string, iso: string) => seedInbound(db, { tenantId: tenant.id, conversationId: a.id, body, at: at(iso) });
  const outA = { ...base, conversationId: a.id };
  const i1 = await inA("oi", "2025-03-10T10:00:00Z");
  await seedOutbound(db, {
    ...outA,
    author: "bot",
    body: "olá",
    at: at("2025-03-10T10:00:02Z"),
    agentVersionId: v1.id,
    answersUpToId: i1.id,
    tokensIn: 1000,
    tokensOut: 100,
    policyVerdicts: [{ rule: "maxReplyChars", action: "rewrite" }],
    status: "read",
  });
  await inA("quanto custa", "2025-03-10T10:01:00Z");
  const i3 = await inA("a avaliação?", "2025-03-10T10:01:03Z");
  await seedOutbound(db, {
    ...outA,
    author: "bot",
    body: "R$ 180",
    at: at("2025-03-10T10:01:05Z"),
    agentVersionId: v1.id,
    answersUpToId: i3.id,
    tokensIn: 2000,
    tokensOut: 200,
    status: "delivered",
  });
  const i4 = await inA("atendente", "2025-03-10T10:02:00Z");
  const handoffAt = at("2025-03-10T10:02:01Z");
  await seedOutbound(db, {
    ...outA,
    author: "system",
    body: "Vou chamar alguém",
    at: handoffAt,
    agentVersionId: v1.id,
    answersUpToId: i4.id,
    status: "delivered",
  });
  await seedHandoff(db, {
    tenantId: tenant.id,
    conversationId: a.id,
    trigger: "keyword",
    reason: '"atendente"',
    startedAt: handoffAt,
    firstHumanReplyAt: at("2025-03-10T10:03:01Z"),
    endedAt: at("2025-03-10T10:05:00Z"),
  });
  await seedOutbound(db, {
    ...outA,
    author: "human",
    body: "Oi, sou a Carla",
    at: at("2025-03-10T10:03:01Z"),
    authorUserId: operator.id,
    status: "failed",
  });
  await inA("obrigada", "2025-03-10T10:04:00Z");
  await seedOutbound(db, { ...outA, author: "system", type: "note", body: "[handoff ended]", at: at("2025-03-10T10:05:00Z"), outbox: false });
  const i6 = await inA("e sábado?", "2025-03-10T10:06:00Z");
  await seedOutbound(db, {
    ...outA,
    author: "bot",
    body: "sábado das 9 às 13",
    at: at("2025-03-10T10:06:10Z"),
    agentVersionId: v1.id,
    answersUpToId: i6.id,
    tokensIn: 500,
    tokensOut: 50,
    status: "sent",
  });

  const b = await seedConversation(db, { ...base, name: "B" });
  const outB = { ...base, conversationId: b.id };
  const j1 = await seedInbound(db, { tenantId: tenant.id, conversationId: b.id, body: "oi", at: at("2025-03-09T09:00:00Z") });
  await seedOutbound(db, {
    ...outB,
    author: "bot",
    body: "olá!",
    at: at("2025-03-09T09:00:04Z"),
    agentVersionId: v2.id,
    answersUpToId: j1.id,
    tokensIn: 3000,
    tokensOut: 300,
    policyVerdicts: [
      { rule: "blockedTopics", action: "block" },
      { rule: "maxReplyChars", action: "rewrite" },
    ],
    status: "read",
  });
  await seedHandoff(db, {
    tenantId: tenant.id,
    conversationId: b.id,
    trigger: "operator",
    reason: "taken over from the console",
    startedAt: at("2025-03-09T09:10:00Z"),
    firstHumanReplyAt: at("2025-03-09T09:12:00Z"),
  });
  await seedOutbound(db, { ...outB, author: "human", body: "oi!", at: at("2025-03-09T09:12:00Z"), status: "delivered" });
  await seedOutbound(db, { ...outB, author: "system", body: "lembrete", kind: "template", at: at("2025-03-09T18:00:00Z"), status: "delivered" });
  await seedOutbound(db, { ...outB, author: "system", body: "lembrete 2", kind: "template", at: at("2025-03-09T18:00:01Z"), status: "failed" });

  // T: test traffic on the tenant's sandbox number, on 2025-03-10.
  const sandbox = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id, kind: "sandbox" });
  const tc = await seedConversation(db, { tenantId: tenant.id, numberId: sandbox.id, name: "Teste de transferência" });
  const outT = { tenantId: tenant.id, numberId: sandbox.id, conversationId: tc.id };
  const t1 = await seedInbound(db, { tenantId: tenant.id, conversationId: tc.id, body: "atendente", at: at("2025-03-10T11:00:00Z") });
  await seedOutbound(db, {
    ...outT,
    author: "bot",
    body: "olá, teste",
    at: at("2025-03-10T11:00:01Z"),
    agentVersionId: v1.id,
    answersUpToId: t1.id,
    tokensIn: 7000,
    tokensOut: 700,
    policyVerdicts: [{ rule: "blockedTopics", action: "block" }],
    status: "read",
  });
  await seedHandoff(db, {
    tenantId: tenant.id,
    conversationId: tc.id,
    trigger: "keyword",
    reason: '"atendente"',
    startedAt: at("2025-03-10T11:00:02Z"),
    firstHumanReplyAt: at("2025-03-10T11:00:05Z"),
  });
  await seedOutbound(db, { ...outT, author: "human", body: "teste humano", at: at("2025-03-10T11:00:05Z"), status: "delivered" });
  await seedOutbound(db, { ...outT, author: "system", body: "lembrete", kind: "template", at: at("2025-03-10T11:01:00Z"), status: "failed" });

  // Outside the range (8 days before, and after now) or another tenant's: never counted.
  await seedInbound(db, { tenantId: tenant.id, conversationId: b.id, body: "velha", at: at("2025-03-02T09:00:00Z") });
  await seedInbound(db, { tenantId: tenant.id, conversationId: b.id, body: "futura", at: at("2025-03-10T13:00:00Z") });
  const other = await seedTenant(db);
  const otherAgent = await seedAgent(db, { tenantId: other.id });
  const otherNumber = await seedNumber(db, { tenantId: other.id, agentId: otherAgent.agent.id });
  const c = await seedConversation(db, { tenantId: other.id, numberId: otherNumber.id });
  const k1 = await seedInbound(db, { tenantId: other.id, conversationId: c.id, body: "oi", at: at("2025-03-10T10:00:00Z") });
  await seedOutbound(db, {
    tenantId: other.id,
    conversationId: c.id,
    numberId: otherNumber.id,
    author: "bot",
    body: "olá",
    at: at("2025-03-10T10:00:01Z"),
    agentVersionId: otherAgent.version.id,
    answersUpToId: k1.id,
    tokensIn: 99_999,
    tokensOut: 99_999,
  });
  return { tenant, v1, v2, sandbox };
}

/**
 * The first responses as the metrics query computed them until the audit of 2026-11: one lookup per
 * customer message of the first message answering it (a lateral join through
 * messages_conversation_idx). Kept here as the reference the query that replaced it must equal.
 */
async function firstResponsesByLookup(db: Database, tenantId: string, m: TenantMetrics) {
  const customers = m.traffic.counted === "customers";
  const rows = await db.execute<{
    day: string | null;
    version_id: string | null;
    g: number;
    answered: number;
    bot: number;
    p50: number | null;
    p90: number | null;
  }>(sql`
    with inbound as (
      select i.id, i.conversation_id, i.created_at
      from messages i
      where i.tenant_id = ${tenantId}::uuid and i.direction = 'in'
        and i.created_at >= ${m.range.fromInstant}::timestamptz and i.created_at < ${m.range.to}::timestamptz
        ${customers ? sql`and not exists (select 1 from conversations tc join phone_numbers n on n.id = tc.phone_number_id
                                        where tc.id = i.conversation_id and n.kind = 'sandbox')` : sql``}
        and not exists (
          select 1 from handoffs h
          where h.conversation_id = i.conversation_id and h.started_at <= i.created_at
            and (h.ended_at is null or h.ended_at > i.created_at)
        )
    ),
    answered as (
      select ((i.created_at) at time zone ${m.range.timezone}::text)::date::text as day, r.agent_version_id as version_id, r.author,
             extract(epoch from r.created_at - i.created_at) * 1000 as ms
      from inbound i
      join lateral (
        select o.author, o.agent_version_id, o.created_at from messages o
        where o.conversation_id = i.conversation_id and o.direction = 'out' and o.type <> 'note'
          and o.answers_up_to_id >= i.id
        order by o.id limit 1
      ) r on true
    )
    select day, version_id, grouping(day, version_id)::int as g,
           count(*)::int as answered,
           count(*) filter (where author = 'bot')::int as bot,
           percentile_cont(0.5) within group (order by ms) filter (where author = 'bot') as p50,
           percentile_cont(0.9) within group (order by ms) filter (where author = 'bot') as p90
    from answered
    group by grouping sets ((day), (version_id), ())`);
  const of = (r: (typeof rows)[number] | undefined) => ({
    answered: r?.answered ?? 0,
    botResponses: r?.bot ?? 0,
    botFirstResponseP50Ms: r?.p50 == null ? null : Math.round(r.p50),
    botFirstResponseP90Ms: r?.p90 == null ? null : Math.round(r.p90),
  });
  return {
    byDay: Object.fromEntries(m.range.days.map((d) => [d, of(rows.find((r) => r.g === 1 && r.day === d))])),
    byVersion: Object.fromEntries(m.byVersion.map((v) => [v.versionId, of(rows.find((r) => r.g === 2 && r.version_id === v.versionId))])),
    total: of(rows.find((r) => r.g === 3)),
  };
}

/** A small deterministic pseudo-random sequence (the same data set on every run). */
function lcg(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe("metrics", () => {
  dbTest("per day, per version and in total, every number exactly as defined", async ({ db }) => {
    const { tenant, v1, v2 } = await seedScenario(db);
    const m = await getTenantMetrics(db, { tenantId: tenant.id, days: 7, now: NOW });

    // The tenant has a Meta number: its customers only, by default; the sandbox's test chat is left out.
    expect(m.traffic).toEqual({ counted: "customers", hasMetaNumber: true, testConversationsExcluded: 1 });

    // Tenants default to São Paulo (UTC−3): the range starts at its local midnight.
    expect(m.range).toEqual({
      from: "2025-03-04",
      fromInstant: "2025-03-04T03:00:00.000Z",
      to: "2025-03-10T12:00:00.000Z",
      days: ["2025-03-04", "2025-03-05", "2025-03-06", "2025-03-07", "2025-03-08", "2025-03-09", "2025-03-10"],
      timezone: "America/Sao_Paulo",
    });

    const day10 = m.byDay.find((d) => d.day === "2025-03-10");
    expect(day10).toEqual({
      day: "2025-03-10",
      conversations: 1,
      messagesIn: 6,
      messagesOut: 5,
      // First responses 2 s, 5 s and 2 s (the burst), 10 s; the keyword's answer is the handoff
      // message, and the message written during the handoff is left out.
      botResponses: 4,
      botFirstResponseP50Ms: 3500,
      botFirstResponseP90Ms: 8500,
      handoffs: 1,
      handoffRate: 1,
      humanResponses: 1,
      humanFirstResponseP50Ms: 60_000,
      humanFirstResponseP90Ms: 60_000,
      // b1 read, b2 and the handoff message delivered, the human reply failed, b3 only sent.
      textSends: 5,
      delivered: 3,
      read: 1,
      deliveryRate: 0.6,
      readRate: 0.2,
      templatesSent: 0,
      templatesFailed: 0,
      policyHits: 1,
      tokensIn: 3500,
      tokensOut: 350,
      // gpt-4o-mini: 3,500 × $0.15/M + 350 × $0.60/M.
      costUsd: expect.closeTo(0.000735, 12),
      unpricedTokens: 0,
    });

    const day9 = m.byDay.find((d) => d.day === "2025-03-09");
    expect(day9).toMatchObject({
      conversations: 1,
      messagesIn: 1,
      messagesOut: 4,
      botResponses: 1,
      botFirstResponseP50Ms: 4000,
      botFirstResponseP90Ms: 4000,
      handoffs: 1,
      handoffRate: 1,
      humanFirstResponseP50Ms: 120_000,
      textSends: 2,
      delivered: 2,
      read: 1,
      deliveryRate: 1,
      readRate: 0.5,
      templatesSent: 1,
      templatesFailed: 1,
      policyHits: 2,
      tokensIn: 3000,
      tokensOut: 300,
    });
    // claude-3-5-haiku: 3,000 × $0.80/M + 300 × $4/M.
    expect(day9?.costUsd).toBeCloseTo(0.0036, 12);
    const quiet = m.byDay.find((d) => d.day === "2025-03-05");
    expect(quiet).toMatchObject({ conversations: 0, messagesIn: 0, botFirstResponseP50Ms: null, handoffRate: null, deliveryRate: null, costUsd: null });

    expect(m.totals).toMatchObject({
      conversations: 2,
      messagesIn: 7,
      messagesOut: 9,
      botResponses: 5,
      botFirstResponseP50Ms: 4000,
      botFirstResponseP90Ms: 8000,
      handoffs: 2,
      handoffRate: 1,
      humanResponses: 2,
      humanFirstResponseP50Ms: 90_000,
      humanFirstResponseP90Ms: 114_000,
      textSends: 7,
      delivered: 5,
      read: 2,
      templatesSent: 1,
      templatesFailed: 1,
      policyHits: 3,
      tokensIn: 6500,
      tokensOut: 650,
    });
    expect(m.totals.deliveryRate).toBeCloseTo(5 / 7, 12);
    expect(m.totals.readRate).toBeCloseTo(2 / 7, 12);
    expect(m.totals.costUsd).toBeCloseTo(0.004335, 12);

    // Newest version first; each with its model, what it answered and wrote.
    expect(m.byVersion.map((v) => [v.version, v.model, v.priceModel])).toEqual([
      ["1.1.0", "claude-3-5-haiku-20241022", "claude-3-5-haiku"],
      ["1.0.0", "gpt-4o-mini", "gpt-4o-mini"],
    ]);
    expect(m.byVersion[1]).toMatchObject({
      versionId: v1.id,
      agentSlug: "recepcao",
      conversations: 1,
      // i1, i2 and i3 (one answer for the burst), i4 (the handoff message), i6.
      messagesIn: 5,
      messagesOut: 4,
      botResponses: 4,
      botFirstResponseP50Ms: 3500,
      botFirstResponseP90Ms: 8500,
      handoffs: 1,
      handoffRate: 1,
      humanResponses: 0,
      humanFirstResponseP50Ms: null,
      textSends: 4,
      delivered: 3,
      read: 1,
      deliveryRate: 0.75,
      policyHits: 1,
      tokensIn: 3500,
      tokensOut: 350,
    });
    expect(m.byVersion[0]).toMatchObject({
      versionId: v2.id,
      conversations: 1,
      messagesIn: 1,
      messagesOut: 1,
      botFirstResponseP50Ms: 4000,
      // The operator's take-over is nobody's version.
      handoffs: 0,
      handoffRate: 0,
      textSends: 1,
      delivered: 1,
      read: 1,
      policyHits: 2,
    });
    expect(m.byVersion[0]?.costUsd).toBeCloseTo(0.0036, 12);

    expect(m.handoffReasons).toEqual([
      { trigger: "keyword", reason: '"atendente"', count: 1 },
      { trigger: "operator", reason: "taken over from the console", count: 1 },
    ]);
    expect(m.policyRules).toEqual([
      { rule: "maxReplyChars", action: "rewrite", count: 2 },
      { rule: "blockedTopics", action: "block", count: 1 },
    ]);
    expect(m.prices.find((p) => p.model === "gpt-4o-mini")).toMatchObject({
      model: "gpt-4o-mini",
      provider: "openai",
      inputPerMTokens: 0.15,
      outputPerMTokens: 0.6,
    });
  });

  dbTest.for(["my-finetune", "gpt-4o-2024-05-13"])(
    "an unlisted model (%s) has no price: its tokens are counted but not costed",
    async (model, { db }) => {
      const tenant = await seedTenant(db);
      const { agent, version } = await seedAgent(db, {
        tenantId: tenant.id,
        spec: { ...havenSpec, model: { provider: "openai", name: model } },
      });
      const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
      const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id });
      const i = await seedInbound(db, { tenantId: tenant.id, conversationId: c.id, body: "oi", at: at("2025-03-10T09:00:00Z") });
      await seedOutbound(db, {
        tenantId: tenant.id,
        conversationId: c.id,
        numberId: number.id,
        author: "bot",
        body: "olá",
        at: at("2025-03-10T09:00:01Z"),
        agentVersionId: version.id,
        answersUpToId: i.id,
        tokensIn: 100,
        tokensOut: 10,
      });
      const m = await getTenantMetrics(db, { tenantId: tenant.id, days: 1, now: NOW });
      expect(m.range.days).toEqual(["2025-03-10"]);
      expect(m.totals).toMatchObject({ tokensIn: 100, tokensOut: 10, costUsd: null, unpricedTokens: 110 });
      expect(m.byVersion[0]).toMatchObject({ model, priceModel: null, costUsd: null, unpricedTokens: 110 });
    },
  );

  dbTest("all traffic counts the sandbox's test conversations too; a tenant with only a sandbox number counts them by default", async ({ db }) => {
    const { tenant } = await seedScenario(db);
    const customers = await getTenantMetrics(db, { tenantId: tenant.id, days: 7, now: NOW });
    const all = await getTenantMetrics(db, { tenantId: tenant.id, days: 7, traffic: "all", now: NOW });
    expect(all.traffic).toEqual({ counted: "all", hasMetaNumber: true, testConversationsExcluded: 0 });
    // T adds one conversation, a customer message, two replies and a template, a handoff with a human
    // answer after 3 s, its tokens and its policy hit — to the day, the version and the totals.
    expect(all.totals).toMatchObject({
      conversations: customers.totals.conversations + 1,
      messagesIn: customers.totals.messagesIn + 1,
      messagesOut: customers.totals.messagesOut + 3,
      botResponses: customers.totals.botResponses + 1,
      handoffs: customers.totals.handoffs + 1,
      humanResponses: customers.totals.humanResponses + 1,
      textSends: customers.totals.textSends + 2,
      templatesFailed: customers.totals.templatesFailed + 1,
      policyHits: customers.totals.policyHits + 1,
      tokensIn: customers.totals.tokensIn + 7000,
      tokensOut: customers.totals.tokensOut + 700,
    });
    expect(all.byDay.find((d) => d.day === "2025-03-10")?.conversations).toBe(2);
    expect(all.byVersion.find((v) => v.version === "1.0.0")?.tokensIn).toBe(3500 + 7000);
    expect(all.handoffReasons).toEqual([
      { trigger: "keyword", reason: '"atendente"', count: 2 },
      { trigger: "operator", reason: "taken over from the console", count: 1 },
    ]);
    expect(all.policyRules).toContainEqual({ rule: "blockedTopics", action: "block", count: 2 });

    // A tenant still on the sandbox (like the demo) has nothing else to show: all traffic by default.
    const demo = await seedTenant(db);
    const demoAgent = await seedAgent(db, { tenantId: demo.id });
    const demoNumber = await seedNumber(db, { tenantId: demo.id, agentId: demoAgent.agent.id, kind: "sandbox" });
    const dc = await seedConversation(db, { tenantId: demo.id, numberId: demoNumber.id });
    await seedInbound(db, { tenantId: demo.id, conversationId: dc.id, body: "oi", at: at("2025-03-10T10:00:00Z") });
    const onSandbox = await getTenantMetrics(db, { tenantId: demo.id, days: 7, now: NOW });
    expect(onSandbox.traffic).toEqual({ counted: "all", hasMetaNumber: false, testConversationsExcluded: 0 });
    expect(onSandbox.totals.conversations).toBe(1);
    const onlyCustomers = await getTenantMetrics(db, { tenantId: demo.id, days: 7, traffic: "customers", now: NOW });
    expect(onlyCustomers.traffic).toEqual({ counted: "customers", hasMetaNumber: false, testConversationsExcluded: 1 });
    expect(onlyCustomers.totals.conversations).toBe(0);
  });

  dbTest("days are the tenant's calendar days: 01:00 UTC is still the day before in São Paulo", async ({ db }) => {
    /** A tenant in `timeZone` with one conversation and a customer message at each instant. */
    async function tenantWith(timeZone: string, instants: string[]) {
      const tenant = await seedTenant(db);
      await db.update(tenants).set({ timeZone }).where(eq(tenants.id, tenant.id));
      const { agent } = await seedAgent(db, { tenantId: tenant.id });
      const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
      const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id });
      for (const iso of instants) {
        await seedInbound(db, { tenantId: tenant.id, conversationId: c.id, body: iso, at: at(iso) });
      }
      return tenant;
    }
    const inOf = (m: Awaited<ReturnType<typeof getTenantMetrics>>) =>
      Object.fromEntries(m.byDay.map((d) => [d.day, d.messagesIn]));
    const instants = [
      // Before São Paulo's midnight of the range's first day (00:00 local = 03:00 UTC): left out there.
      "2025-03-08T02:59:59Z",
      "2025-03-08T03:00:00Z",
      // 22:00 on the 9th in São Paulo; already the 10th in UTC.
      "2025-03-10T01:00:00Z",
      "2025-03-10T03:00:00Z",
    ];

    const saoPaulo = await tenantWith("America/Sao_Paulo", instants);
    const sp = await getTenantMetrics(db, { tenantId: saoPaulo.id, days: 3, now: NOW });
    expect(sp.range).toMatchObject({ from: "2025-03-08", fromInstant: "2025-03-08T03:00:00.000Z", timezone: "America/Sao_Paulo" });
    expect(inOf(sp)).toEqual({ "2025-03-08": 1, "2025-03-09": 1, "2025-03-10": 1 });
    expect(sp.totals.messagesIn).toBe(3);

    // The same rows in a UTC tenant: the 01:00 message is on the 10th, and the range starts at 00:00 UTC.
    const utc = await tenantWith("UTC", instants);
    const u = await getTenantMetrics(db, { tenantId: utc.id, days: 3, now: NOW });
    expect(u.range).toMatchObject({ from: "2025-03-08", fromInstant: "2025-03-08T00:00:00.000Z", timezone: "UTC" });
    expect(inOf(u)).toEqual({ "2025-03-08": 2, "2025-03-09": 0, "2025-03-10": 2 });

    // East of UTC "today" comes sooner: at 20:00 UTC on the 10th it is already the 11th in Tokyo.
    const tokyo = await tenantWith("Asia/Tokyo", ["2025-03-10T15:30:00Z"]);
    const tk = await getTenantMetrics(db, { tenantId: tokyo.id, days: 2, now: at("2025-03-10T20:00:00Z") });
    expect(tk.range).toMatchObject({ days: ["2025-03-10", "2025-03-11"], fromInstant: "2025-03-09T15:00:00.000Z" });
    expect(inOf(tk)).toEqual({ "2025-03-10": 0, "2025-03-11": 1 });
  });

  dbTest("the database refuses a time zone it does not know", async ({ db }) => {
    const tenant = await seedTenant(db);
    expect(tenant.timeZone).toBe("America/Sao_Paulo");
    await expect(
      db.update(tenants).set({ timeZone: "Mars/Olympus_Mons" }).where(eq(tenants.id, tenant.id)),
    ).rejects.toMatchObject({ cause: { message: 'time zone "Mars/Olympus_Mons" not recognized' } });
    await expect(getTenantMetrics(db, { tenantId: "00000000-0000-4000-8000-000000000000", days: 1 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
  });

  dbTest("token sums past 2^31 (a month of a busy tenant) are counted and costed, not an overflow", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent, version } = await seedAgent(db, { tenantId: tenant.id });
    const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
    const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id });
    // Two replies of 1.5 billion prompt tokens each (a column holds up to 2^31 − 1 per message): the
    // period's sum, 3 billion, is what ~1,000,000 replies at ~3,000 tokens add up to.
    for (const [i, iso] of ["2025-03-10T09:00:00Z", "2025-03-10T10:00:00Z"].entries()) {
      const inbound = await seedInbound(db, { tenantId: tenant.id, conversationId: c.id, body: `oi ${i}`, at: at(iso) });
      await seedOutbound(db, {
        tenantId: tenant.id,
        conversationId: c.id,
        numberId: number.id,
        author: "bot",
        body: "olá",
        at: new Date(Date.parse(iso) + 2000),
        agentVersionId: version.id,
        answersUpToId: inbound.id,
        tokensIn: 1_500_000_000,
        tokensOut: 1_200_000_000,
      });
    }
    const m = await getTenantMetrics(db, { tenantId: tenant.id, days: 1, now: NOW });
    const tokens = { tokensIn: 3_000_000_000, tokensOut: 2_400_000_000, messagesIn: 2, botResponses: 2 };
    expect(m.totals).toMatchObject(tokens);
    expect(m.byDay[0]).toMatchObject(tokens);
    expect(m.byVersion[0]).toMatchObject(tokens);
    // gpt-4o-mini: 3e9 × $0.15/M + 2.4e9 × $0.60/M.
    expect(m.totals.costUsd).toBeCloseTo(1890, 6);
    expect(m.byVersion[0]?.costUsd).toBeCloseTo(1890, 6);
  });

  dbTest("first responses equal the per-message lookup they replaced, on a mixed data set", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent, version: v1 } = await seedAgent(db, { tenantId: tenant.id });
    const v2 = await publishVersion(db, {
      tenantId: tenant.id,
      agentId: agent.id,
      spec: { ...havenSpec, model: { provider: "anthropic", name: "claude-3-5-haiku-20241022" } },
      bump: "minor",
      actor: TEST_ACTOR,
    });
    const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
    const sandbox = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id, kind: "sandbox" });
    const random = lcg(20_261_127);
    const pick = <T,>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
    // Eight conversations (one on the sandbox number) of 30 events each, from before the range (it
    // starts 2025-03-04T03:00Z) to after `now`: customer messages and bursts, bot answers of two
    // versions (some covering an earlier message than the latest, as a retried job can), context
    // notes that carry answers_up_to_id, handoff messages with their handoffs (customer messages
    // during them), menu messages, human replies, and answers written the next day.
    for (let k = 0; k < 8; k++) {
      const numberId = k === 7 ? sandbox.id : number.id;
      const c = await seedConversation(db, { tenantId: tenant.id, numberId });
      const out = { tenantId: tenant.id, conversationId: c.id, numberId };
      let time = Date.parse("2025-03-03T22:00:00Z") + k * 14 * 3600_000;
      const inbound: number[] = [];
      for (let e = 0; e < 30; e++) {
        time += random() < 0.15 ? 20 * 3600_000 : Math.floor(random() * 600_000) + 1000;
        const when = new Date(time);
        const latest = inbound.at(-1);
        const r = random();
        if (latest === undefined || r < 0.4) {
          inbound.push((await seedInbound(db, { tenantId: tenant.id, conversationId: c.id, body: `m${e}`, at: when })).id);
        } else if (r < 0.62) {
          await seedOutbound(db, { ...out, author: "bot", body: "r", at: when, agentVersionId: pick([v1.id, v2.id]), answersUpToId: latest });
        } else if (r < 0.7) {
          await seedOutbound(db, { ...out, author: "bot", body: "r", at: when, agentVersionId: v1.id, answersUpToId: pick(inbound) });
        } else if (r < 0.75) {
          await seedOutbound(db, { ...out, author: "system", type: "note", body: "[nota]", at: when, answersUpToId: latest, outbox: false });
        } else if (r < 0.82) {
          await seedOutbound(db, { ...out, author: "system", body: "Vou chamar alguém", at: when, agentVersionId: v2.id, answersUpToId: latest });
          const minutes = Math.floor(random() * 30) + 1;
          await seedHandoff(db, {
            tenantId: tenant.id,
            conversationId: c.id,
            trigger: "keyword",
            startedAt: when,
            endedAt: new Date(time + minutes * 60_000),
          });
        } else if (r < 0.88) {
          await seedOutbound(db, { ...out, author: "system", body: "1) Vendas 2) Suporte", at: when, answersUpToId: latest });
        } else {
          await seedOutbound(db, { ...out, author: "human", body: "oi!", at: when });
        }
      }
    }

    for (const traffic of ["customers", "all"] as const) {
      for (const days of [7, 2]) {
        const m = await getTenantMetrics(db, { tenantId: tenant.id, days, traffic, now: NOW });
        const expected = await firstResponsesByLookup(db, tenant.id, m);
        const firstResponses = (v: TenantMetrics["totals"]) => ({
          botResponses: v.botResponses,
          botFirstResponseP50Ms: v.botFirstResponseP50Ms,
          botFirstResponseP90Ms: v.botFirstResponseP90Ms,
        });
        const withoutAnswered = ({ answered: _, ...rest }: { answered: number } & ReturnType<typeof firstResponses>) => rest;
        expect(firstResponses(m.totals)).toEqual(withoutAnswered(expected.total));
        expect(Object.fromEntries(m.byDay.map((d) => [d.day, firstResponses(d)]))).toEqual(
          Object.fromEntries(Object.entries(expected.byDay).map(([d, v]) => [d, withoutAnswered(v)])),
        );
        expect(Object.fromEntries(m.byVersion.map((v) => [v.versionId, { messagesIn: v.messagesIn, ...firstResponses(v) }]))).toEqual(
          Object.fromEntries(
            Object.entries(expected.byVersion).map(([id, v]) => [id, { messagesIn: v.answered, ...withoutAnswered(v) }]),
          ),
        );
        if (days === 7) {
          // Not a comparison of empty sets: many answers, of both versions, and messages left unanswered.
          expect(expected.total.botResponses).toBeGreaterThan(25);
          expect(Object.values(expected.byVersion).every((v) => v.botResponses > 5)).toBe(true);
          expect(expected.total.answered).toBeLessThan(m.totals.messagesIn);
        }
      }
    }
  });

  dbTest("first responses are found without a lookup per customer message", async ({ db }) => {
    const tenant = await seedTenant(db);
    const { agent, version } = await seedAgent(db, { tenantId: tenant.id });
    const number = await seedNumber(db, { tenantId: tenant.id, agentId: agent.id });
    for (let k = 0; k < 4; k++) {
      const c = await seedConversation(db, { tenantId: tenant.id, numberId: number.id });
      for (let i = 0; i < 10; i++) {
        const iso = `2025-03-10T0${k + 6}:${String(i * 5).padStart(2, "0")}:00Z`;
        const inbound = await seedInbound(db, { tenantId: tenant.id, conversationId: c.id, body: "oi", at: at(iso) });
        const answer = { tenantId: tenant.id, conversationId: c.id, numberId: number.id, author: "bot" as const, body: "olá" };
        await seedOutbound(db, { ...answer, at: new Date(Date.parse(iso) + 3000), agentVersionId: version.id, answersUpToId: inbound.id });
      }
    }
    // The index scans the metrics make on messages_conversation_idx, counted in a transaction (the
    // xact view also shows the connection's statistics not yet flushed: the difference is theirs).
    // The query it replaced made one per customer message (40 here; 31,000 in a busy month).
    const { m, scans } = await db.transaction(async (tx) => {
      const scansSoFar = async () => {
        const [row] = await tx.execute<{ n: number }>(
          sql`select pg_stat_get_xact_numscans('messages_conversation_idx'::regclass)::int as n`,
        );
        return row!.n;
      };
      const before = await scansSoFar();
      const m = await getTenantMetrics(tx, { tenantId: tenant.id, days: 1, now: NOW });
      return { m, scans: (await scansSoFar()) - before };
    });
    expect(m.totals).toMatchObject({ messagesIn: 40, botResponses: 40, botFirstResponseP50Ms: 3000 });
    expect(scans).toBe(0);
  });

  dbTest("a metrics view is recorded once per session and day, with the viewer's role", async ({ db }) => {
    const tenant = await seedTenant(db);
    const client = await seedUser(db, { role: "client", tenantId: tenant.id });
    const user = { id: client.id, email: client.email, role: "client" as const };
    expect(await recordMetricsView(db, { tenantId: tenant.id, user, sessionId: "a".repeat(64) })).toBe(true);
    expect(await recordMetricsView(db, { tenantId: tenant.id, user, sessionId: "a".repeat(64) })).toBe(false);
    expect(await recordMetricsView(db, { tenantId: tenant.id, user, sessionId: "b".repeat(64) })).toBe(true);
    const rows = await db.$client<{ actor_label: string; data: unknown }[]>`
      select actor_label, data from audit_events where tenant_id = ${tenant.id} and type = 'metrics.viewed' order by id`;
    expect(rows).toEqual([
      { actor_label: client.email, data: { role: "client", session: "a".repeat(16) } },
      { actor_label: client.email, data: { role: "client", session: "b".repeat(16) } },
    ]);
  });
});
