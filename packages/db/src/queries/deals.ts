/** The CRM plugin's deals (`crm_deals`) for the console: newest first, keyset-paged. */
import { sql } from "drizzle-orm";

import type { Executor } from "../client.ts";
import { cursorText, decodeConversationCursor, isoText, keysetPage } from "./conversations.ts";

export type DealListRow = {
  id: string;
  title: string;
  fields: Record<string, unknown>;
  backend: string;
  externalId: string | null;
  status: string;
  conversationId: string | null;
  customerKey: string | null;
  customerName: string | null;
  createdAt: string;
};

export async function listDeals(
  db: Executor,
  p: { tenantId: string; cursor?: string; limit: number },
): Promise<{ items: DealListRow[]; nextCursor: string | null }> {
  const cursor = p.cursor ? decodeConversationCursor(p.cursor) : null;
  const rows = await db.execute<{
    id: string;
    title: string;
    fields: Record<string, unknown>;
    backend: string;
    external_id: string | null;
    status: string;
    conversation_id: string | null;
    customer_key: string | null;
    customer_name: string | null;
    created_at: string;
    cursor_at: string;
  }>(sql`
    select d.id, d.title, d.fields, d.backend, d.external_id, d.status, d.conversation_id, c.customer_key,
           c.customer_name, ${isoText(sql`d.created_at`)} as created_at, ${cursorText(sql`d.created_at`)} as cursor_at
    from crm_deals d
    left join conversations c on c.id = d.conversation_id
    where d.tenant_id = ${p.tenantId}::uuid
      ${cursor === null ? sql`` : sql`and (d.created_at, d.id) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`}
    order by d.created_at desc, d.id desc
    limit ${p.limit + 1}`);
  return keysetPage(rows, p.limit, (r) => ({
    id: r.id,
    title: r.title,
    fields: r.fields,
    backend: r.backend,
    externalId: r.external_id,
    status: r.status,
    conversationId: r.conversation_id,
    customerKey: r.customer_key,
    customerName: r.customer_name,
    createdAt: r.created_at,
  }));
}
