import { eq } from "drizzle-orm";

import type { Executor } from "@lx/db/client";
import { agentVersions } from "@lx/db/schema";
import type { CompiledAgentBundle } from "@lx/shared";

/**
 * Published bundles never change (agent_versions is immutable), so a version id → bundle cache
 * needs no invalidation; activation changes which id is live, and that is read on every job.
 */
export class BundleCache {
  private readonly cache = new Map<string, { version: string; bundle: CompiledAgentBundle }>();

  constructor(private readonly max = 500) {}

  async get(db: Executor, versionId: string): Promise<{ version: string; bundle: CompiledAgentBundle } | null> {
    const hit = this.cache.get(versionId);
    if (hit) {
      return hit;
    }
    const [row] = await db
      .select({ version: agentVersions.version, bundle: agentVersions.bundle })
      .from(agentVersions)
      .where(eq(agentVersions.id, versionId));
    if (!row) {
      return null;
    }
    if (this.cache.size >= this.max) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) {
        this.cache.delete(oldest);
      }
    }
    this.cache.set(versionId, row);
    return row;
  }
}
