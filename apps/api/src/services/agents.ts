/**
 * Agent reads for the console. Belongs in packages/db (queries/agents.ts) once moved.
 */
import type { Database } from "@lx/db/client";

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

/** The agents of one tenant with their live version, by slug. Filtered by tenant (STYLE rule 18). */
export async function listAgentsByTenant(db: Database, tenantId: string): Promise<AgentListRow[]> {
  return db.query.agents.findMany({
    columns: { id: true, slug: true, name: true, createdAt: true, updatedAt: true },
    where: (a, { eq }) => eq(a.tenantId, tenantId),
    // The root alias is the schema key ("agents"); `${a.id}` would render unqualified (see tenants.ts).
    extras: (_a, { sql }) => ({
      versionCount:
        sql<number>`(select count(*)::int from agent_versions v where v.agent_id = "agents"."id")`.as(
          "version_count",
        ),
    }),
    with: {
      activeVersion: { columns: { id: true, version: true, approvalStatus: true, createdAt: true } },
    },
    orderBy: (a, { asc }) => asc(a.slug),
  });
}
