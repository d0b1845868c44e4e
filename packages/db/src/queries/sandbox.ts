import { sql } from "drizzle-orm";

import type { Executor } from "../client.ts";

/**
 * Reads for the console's test chat, which talks to a tenant's sandbox number as a fake customer.
 * Only numbers of kind `sandbox` are ever returned: the test chat never writes to a real customer's
 * WhatsApp.
 */

export type SandboxNumber = {
  id: string;
  phoneNumberId: string;
  displayPhoneNumber: string;
  agentId: string | null;
};

/**
 * The sandbox number that reaches `agentId`: one routed to that agent, or — when the tenant routes by
 * an initial menu — any sandbox number of the tenant. Null when there is none.
 */
export async function getSandboxNumber(
  db: Executor,
  p: { tenantId: string; agentId: string | null },
): Promise<SandboxNumber | null> {
  const [row] = await db.execute<{
    id: string;
    phone_number_id: string;
    display_phone_number: string;
    agent_id: string | null;
  }>(sql`
    select n.id, n.phone_number_id, n.display_phone_number, n.agent_id
    from phone_numbers n
    join tenants t on t.id = n.tenant_id
    where n.tenant_id = ${p.tenantId}::uuid and n.kind = 'sandbox'
      and (${p.agentId}::uuid is null or n.agent_id = ${p.agentId}::uuid or t.routing ->> 'mode' = 'menu')
    order by (n.agent_id is not distinct from ${p.agentId}::uuid) desc, n.created_at, n.id
    limit 1`);
  return row
    ? { id: row.id, phoneNumberId: row.phone_number_id, displayPhoneNumber: row.display_phone_number, agentId: row.agent_id }
    : null;
}

/** The conversation of `customerKey` on a number of the tenant, or null. */
export async function findConversationId(
  db: Executor,
  p: { tenantId: string; numberId: string; customerKey: string },
): Promise<string | null> {
  const [row] = await db.execute<{ id: string }>(sql`
    select id from conversations
    where tenant_id = ${p.tenantId}::uuid and phone_number_id = ${p.numberId}::uuid and customer_key = ${p.customerKey}`);
  return row?.id ?? null;
}
