/**
 * The audit trail as the console browses it: filters and keyset pagination by (createdAt, id) desc,
 * which the `audit_events_*_created_idx` indexes serve. Belongs in packages/db (queries/audit.ts).
 */
import type { Database } from "@lx/db/client";
import { AppError } from "@lx/shared/errors";

export type AuditFilters = {
  /** null: every tenant (operators only; the router decides). */
  tenantId: string | null;
  /** Exact type, or a prefix when it ends with a dot (`version.`). */
  type?: string;
  /** Actor label (e-mail, "cli") or actor id. */
  actor?: string;
  from?: Date;
  to?: Date;
  cursor?: string;
  limit: number;
};

export type AuditRow = {
  id: number;
  tenantId: string | null;
  tenantSlug: string | null;
  actorType: "user" | "cli" | "system" | "worker" | "meta";
  actorId: string | null;
  actorLabel: string;
  type: string;
  subjectType: string | null;
  subjectId: string | null;
  before: unknown;
  after: unknown;
  data: Record<string, unknown> | null;
  requestId: string | null;
  createdAt: Date;
};

export type AuditPage = { items: AuditRow[]; nextCursor: string | null };

type Cursor = { createdAt: string; id: number };

/**
 * The cursor carries created_at at full microsecond precision (as text from PostgreSQL): a JS Date
 * would round it to milliseconds and skip or repeat rows created within the same millisecond.
 */
export function encodeAuditCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id]), "utf8").toString("base64url");
}

export function decodeAuditCursor(cursor: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === "string" &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(value[0]) &&
      Number.isSafeInteger(value[1])
    ) {
      return { createdAt: value[0], id: value[1] as number };
    }
  } catch {
    // Falls through to the error below.
  }
  throw new AppError("INVALID_INPUT", { message: "invalid cursor" });
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}

export async function listAuditEvents(db: Database, f: AuditFilters): Promise<AuditPage> {
  const cursor = f.cursor ? decodeAuditCursor(f.cursor) : null;
  const rows = await db.query.auditEvents.findMany({
    // Inside `extras` columns render unqualified; the root alias is the schema key ("auditEvents").
    extras: (a, { sql }) => ({
      createdAtText:
        sql<string>`to_char(${a.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
          "created_at_text",
        ),
      tenantSlug: sql<
        string | null
      >`(select t.slug from tenants t where t.id = "auditEvents"."tenant_id")`.as("tenant_slug"),
    }),
    where: (a, { and, eq, gte, like, lte, or, sql }) =>
      and(
        f.tenantId === null ? undefined : eq(a.tenantId, f.tenantId),
        f.type === undefined
          ? undefined
          : f.type.endsWith(".")
            ? like(a.type, `${escapeLike(f.type)}%`)
            : eq(a.type, f.type),
        f.actor === undefined ? undefined : or(eq(a.actorLabel, f.actor), eq(a.actorId, f.actor)),
        f.from === undefined ? undefined : gte(a.createdAt, f.from),
        f.to === undefined ? undefined : lte(a.createdAt, f.to),
        cursor === null
          ? undefined
          : sql`(${a.createdAt}, ${a.id}) < (${cursor.createdAt}::timestamptz, ${cursor.id})`,
      ),
    orderBy: (a, { desc }) => [desc(a.createdAt), desc(a.id)],
    limit: f.limit + 1,
  });
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > f.limit && last ? encodeAuditCursor({ createdAt: last.createdAtText, id: last.id }) : null;
  return { items: page.map(({ createdAtText: _text, ...row }) => row), nextCursor };
}
