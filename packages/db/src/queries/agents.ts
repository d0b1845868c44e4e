import { and, asc, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";

import { AppError } from "@lx/shared/errors";

import type { Executor } from "../client.ts";
import { agents, agentVersions } from "../schema/index.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";

export type AgentListRow = {
  id: string;
  slug: string;
  name: string;
  createdAt: Date;
  updatedAt: Date;
  versionCount: number;
  activeVersion: {
    id: string;
    version: string;
    approvalStatus: "pending" | "approved" | "rejected";
    createdAt: Date;
  } | null;
};

/** The joined live version; an alias so it cannot be confused with the counted `agent_versions`. */
const activeVersions = alias(agentVersions, "active_versions");

/** The agents of one tenant with their live version, by slug. Filtered by tenant (STYLE rule 18). */
export async function listAgentsByTenant(
  db: Executor,
  { tenantId }: { tenantId: string },
): Promise<AgentListRow[]> {
  return db
    .select({
      id: agents.id,
      slug: agents.slug,
      name: agents.name,
      createdAt: agents.createdAt,
      updatedAt: agents.updatedAt,
      versionCount: db.$count(
        agentVersions,
        and(eq(agentVersions.agentId, agents.id), eq(agentVersions.tenantId, tenantId)),
      ),
      activeVersion: {
        id: activeVersions.id,
        version: activeVersions.version,
        approvalStatus: activeVersions.approvalStatus,
        createdAt: activeVersions.createdAt,
      },
    })
    .from(agents)
    .leftJoin(
      activeVersions,
      and(eq(activeVersions.id, agents.activeVersionId), eq(activeVersions.tenantId, tenantId)),
    )
    .where(eq(agents.tenantId, tenantId))
    .orderBy(asc(agents.slug));
}

/**
 * A new agent of an onboarded tenant, with a draft to edit: a copy of `copyFrom`'s draft (or live
 * spec) under the new name, or a starter spec in the tenant's language and time zone. It answers
 * nobody until one of its versions is published and activated. Audited `agent.created`. CONFLICT
 * when the tenant has an agent of that slug; NOT_FOUND when `copyFrom` is not one of its agents.
 */
export async function createAgent(
  db: Executor,
  p: { tenantId: string; slug: string; name: string; copyFrom?: string; actor: AuditActor; requestId?: string },
): Promise<{ id: string; slug: string }> {
  return db.transaction(async (tx) => {
    let spec: unknown;
    if (p.copyFrom !== undefined) {
      const [source] = await tx.execute<{ spec: unknown }>(sql`
        select coalesce(d.spec, v.spec) as spec
        from agents a
        left join spec_drafts d on d.agent_id = a.id
        left join agent_versions v on v.id = a.active_version_id and v.agent_id = a.id
        where a.tenant_id = ${p.tenantId}::uuid and a.slug = ${p.copyFrom}`);
      if (!source) {
        throw new AppError("NOT_FOUND", { message: `no agent ${p.copyFrom} in this tenant` });
      }
      // An agent with neither a draft nor a live version (made here and left empty): the starter spec.
      spec = source.spec === null ? await starterSpec(tx, p.tenantId, p.name) : withAgentName(source.spec, p.name);
    } else {
      spec = await starterSpec(tx, p.tenantId, p.name);
    }
    const [agent] = await tx.execute<{ id: string }>(sql`
      insert into agents (tenant_id, slug, name) values (${p.tenantId}::uuid, ${p.slug}, ${p.name})
      on conflict do nothing
      returning id`);
    if (!agent) {
      throw new AppError("CONFLICT", { message: `the tenant already has an agent ${p.slug}` });
    }
    const updatedById = p.actor.type === "user" ? (p.actor.id ?? null) : null;
    await tx.execute(sql`
      insert into spec_drafts (agent_id, spec, updated_by_id) values (${agent.id}::uuid, ${JSON.stringify(spec)}::jsonb, ${updatedById})`);
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: p.actor,
      type: "agent.created",
      subjectType: "agent",
      subjectId: agent.id,
      after: { slug: p.slug, name: p.name, copyFrom: p.copyFrom ?? null },
      requestId: p.requestId,
    });
    return { id: agent.id, slug: p.slug };
  });
}

/** A spec (valid or not) with its agent's name replaced. */
function withAgentName(spec: unknown, name: string): unknown {
  if (spec === null || typeof spec !== "object") {
    return spec;
  }
  const s = spec as { agent?: unknown };
  const agent = s.agent !== null && typeof s.agent === "object" ? s.agent : {};
  return { ...s, agent: { ...agent, name } };
}

/**
 * The smallest spec an operator completes in the editor: the tenant's name as the business, its
 * first agent's language and time zone (Brazil's otherwise), a keyword handoff. Without goals or a
 * description it is not valid yet: the editor says what is missing.
 */
async function starterSpec(db: Executor, tenantId: string, name: string): Promise<Record<string, unknown>> {
  const [row] = await db.execute<{ tenant_name: string; language: string | null; timezone: string | null }>(sql`
    select t.name as tenant_name, v.spec -> 'agent' ->> 'language' as language, v.spec -> 'agent' ->> 'timezone' as timezone
    from tenants t
    left join lateral (
      select v.spec from agents a join agent_versions v on v.id = a.active_version_id
      where a.tenant_id = t.id order by a.created_at limit 1
    ) v on true
    where t.id = ${tenantId}::uuid`);
  return {
    specVersion: 1,
    agent: { name, role: "general", language: row?.language ?? "pt-BR", timezone: row?.timezone ?? "America/Sao_Paulo" },
    business: { name: row?.tenant_name ?? "", description: "" },
    goals: [],
    handoff: { keywords: ["atendente"], allowModelRequest: true, message: "Já chamo alguém da equipe." },
  };
}
