import { and, desc, eq, gte, like, lt, sql, type SQL } from "drizzle-orm";

import { AppError } from "@lx/shared/errors";
import { isPlatformActorLabel, PLATFORM_ACTORS, type ActorType } from "@lx/shared/schemas";

import { auditEvents, tenants } from "../schema/index.ts";
import type { Executor } from "../client.ts";

export type AuditActor = {
  type: ActorType;
  id?: string | null;
  /** Human-readable: an e-mail, a worker's id ("worker-3f2a"), or a platform actor's label (PLATFORM_ACTORS). */
  label: string;
};

export const CLI_ACTOR: AuditActor = PLATFORM_ACTORS.cli;
export const SYSTEM_ACTOR: AuditActor = PLATFORM_ACTORS.system;

export type AuditInput = {
  tenantId?: string | null;
  actor: AuditActor;
  type: string;
  subjectType?: string;
  subjectId?: string | number;
  before?: unknown;
  after?: unknown;
  data?: Record<string, unknown>;
  requestId?: string;
};

/** Writes one audit event; pass the transaction that makes the change it records (STYLE rule 20). */
export async function insertAuditEvent(db: Executor, e: AuditInput): Promise<void> {
  await db.insert(auditEvents).values({
    tenantId: e.tenantId ?? null,
    actorType: e.actor.type,
    actorId: e.actor.id ?? null,
    actorLabel: e.actor.label,
    type: e.type,
    subjectType: e.subjectType ?? null,
    subjectId: e.subjectId === undefined ? null : String(e.subjectId),
    before: e.before ?? null,
    after: e.after ?? null,
    data: e.data ?? null,
    requestId: e.requestId ?? null,
  });
}

export type AuditFilters = {
  /** null: every tenant (operators only; the router decides). */
  tenantId: string | null;
  /** Exact type, or a prefix when it ends with a dot (`version.`). */
  type?: string;
  /**
   * Who acted, as typed, whatever its case: a platform actor's label whole ("cli", "system": see
   * PLATFORM_ACTORS), an actor id (a uuid), or else the start of a label ("ana", "ana.souza@").
   */
  actor?: string;
  from?: Date;
  /** Inclusive, to the millisecond: an event within `to`'s millisecond is listed. */
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
  /**
   * What the console names the subject by, looked up for the whole page at once: a tenant's name, a
   * user's e-mail, a number's display phone, an agent's slug, a template's name. Null when its type
   * has no name or the row is gone (the console then shows the id).
   */
  subjectLabel: string | null;
  before: unknown;
  after: unknown;
  data: Record<string, unknown> | null;
  requestId: string | null;
  createdAt: Date;
};

export type AuditPage = { items: AuditRow[]; nextCursor: string | null };

type AuditCursor = { createdAt: string; id: number };

/**
 * The cursor carries created_at at full microsecond precision (as text from PostgreSQL): a JS Date
 * would round it to milliseconds and skip or repeat rows created within the same millisecond.
 */
export function encodeAuditCursor(c: AuditCursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id]), "utf8").toString("base64url");
}

export function decodeAuditCursor(cursor: string): AuditCursor {
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The actor filter, each form served by an index (`audit_events_actor_label_created_idx` on
 * lower(actor_label) with text_pattern_ops, so a LIKE prefix is an index range;
 * `audit_events_actor_id_created_idx`): never a substring, which would read the whole table.
 */
function actorCondition(typed: string): SQL {
  const text = typed.trim().toLowerCase();
  const label = sql`lower(${auditEvents.actorLabel})`;
  if (UUID.test(text)) {
    return eq(auditEvents.actorId, text);
  }
  // The platform's own labels are matched whole: "cli" must not also find "cliente@…".
  if (isPlatformActorLabel(text)) {
    return sql`${label} = ${text}`;
  }
  return sql`${label} like ${`${escapeLike(text)}%`}`;
}

/**
 * The audit trail as the console browses it: filters and keyset pagination by (createdAt, id) desc,
 * which the `audit_events_*_created_idx` indexes serve. Filtered by tenant unless `tenantId` is null
 * (operators browsing every tenant).
 */
export async function listAuditEvents(db: Executor, f: AuditFilters): Promise<AuditPage> {
  const cursor = f.cursor ? decodeAuditCursor(f.cursor) : null;
  const a = auditEvents;
  const rows = await db
    .select({
      id: a.id,
      tenantId: a.tenantId,
      tenantSlug: tenants.slug,
      actorType: a.actorType,
      actorId: a.actorId,
      actorLabel: a.actorLabel,
      type: a.type,
      subjectType: a.subjectType,
      subjectId: a.subjectId,
      before: a.before,
      after: a.after,
      data: a.data,
      requestId: a.requestId,
      createdAt: a.createdAt,
      createdAtText: sql<string>`to_char(${a.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    })
    .from(a)
    .leftJoin(tenants, eq(tenants.id, a.tenantId))
    .where(
      and(
        f.tenantId === null ? undefined : eq(a.tenantId, f.tenantId),
        f.type === undefined
          ? undefined
          : f.type.endsWith(".")
            ? like(a.type, `${escapeLike(f.type)}%`)
            : eq(a.type, f.type),
        f.actor === undefined ? undefined : actorCondition(f.actor),
        f.from === undefined ? undefined : gte(a.createdAt, f.from),
        // created_at has microseconds, `to` only milliseconds: 06:47:59.999 includes 06:47:59.999500.
        f.to === undefined ? undefined : lt(a.createdAt, new Date(f.to.getTime() + 1)),
        cursor === null
          ? undefined
          : sql`(${a.createdAt}, ${a.id}) < (${cursor.createdAt}::timestamptz, ${cursor.id})`,
      ),
    )
    .orderBy(desc(a.createdAt), desc(a.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > f.limit && last ? encodeAuditCursor({ createdAt: last.createdAtText, id: last.id }) : null;
  const labels = await subjectLabels(db, page);
  return {
    items: page.map(({ createdAtText: _text, ...row }) => ({
      ...row,
      subjectLabel:
        row.subjectType !== null && row.subjectId !== null
          ? (labels.get(`${row.subjectType}:${row.subjectId}`) ?? null)
          : null,
    })),
    nextCursor,
  };
}

/**
 * The names of a page's subjects, keyed `type:id`, in one query (a UNION of one indexed lookup per
 * subject type present), not one per row. Numbers are recorded by Meta's phone_number_id (webhook
 * events, removals) or by our id.
 */
async function subjectLabels(
  db: Executor,
  page: readonly { subjectType: string | null; subjectId: string | null }[],
): Promise<Map<string, string>> {
  const ids = (type: string, uuidOnly: boolean) => [
    ...new Set(
      page.flatMap((r) =>
        r.subjectType === type && r.subjectId !== null && (!uuidOnly || UUID.test(r.subjectId)) ? [r.subjectId] : [],
      ),
    ),
  ];
  const list = (values: string[], cast: string) =>
    sql.join(
      values.map((v) => sql`${v}${sql.raw(cast)}`),
      sql`, `,
    );
  const parts: SQL[] = [];
  const byUuid = (type: string, table: string, label: string) => {
    const values = ids(type, true);
    if (values.length > 0) {
      parts.push(
        sql`select ${type}::text as type, id::text as id, ${sql.raw(label)}::text as label from ${sql.raw(table)} where id in (${list(values, "::uuid")})`,
      );
    }
  };
  byUuid("tenant", "tenants", "name");
  byUuid("user", "users", "email");
  byUuid("agent", "agents", "slug");
  byUuid("template", "templates", "name");
  const numbers = ids("phone_number", false);
  if (numbers.length > 0) {
    parts.push(
      sql`select 'phone_number'::text as type, phone_number_id as id, display_phone_number as label from phone_numbers where phone_number_id in (${list(numbers, "")})`,
    );
    const numberUuids = numbers.filter((id) => UUID.test(id));
    if (numberUuids.length > 0) {
      parts.push(
        sql`select 'phone_number'::text as type, id::text as id, display_phone_number as label from phone_numbers where id in (${list(numberUuids, "::uuid")})`,
      );
    }
  }
  if (parts.length === 0) {
    return new Map();
  }
  const rows = await db.execute<{ type: string; id: string; label: string }>(sql.join(parts, sql` union all `));
  return new Map(rows.map((r) => [`${r.type}:${r.id}`, r.label]));
}
