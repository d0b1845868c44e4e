import { and, asc, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";

import type { Executor } from "../client.ts";
import { agents, agentVersions } from "../schema/index.ts";

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
