import { sql, type SQL } from "drizzle-orm";

import { UNDELIVERED_SEND_STATUSES } from "@lx/shared/domain";

import type { OUTBOX_STATUSES } from "../schema/index.ts";

/**
 * Did a message reach the customer? One definition for every reader: the model's context and the
 * summary (apps/worker services/reply.ts, summarize.ts), the handoff notice's recent turns
 * (handoff-notify.ts), and the inbox's list preview and thread (queries/conversations.ts).
 *
 * - The send that counts is the message's **latest** outbox row (`lastSendJoin`): a 131047 reported
 *   in a failed status queues the message again as a new row.
 * - A message with no send (the customer's own, the model's context notes) reached them, and so did
 *   one whose send is not given up on (queued, sending, ambiguous: it goes, or is re-sent).
 * - A send that was blocked (24-hour rule, no template), dead (dead-lettered), cancelled (stale after
 *   a handoff, or erased) or failed (Meta's failed status) never arrived (`UNDELIVERED_SEND_STATUSES`).
 * - A free-form message the 24-hour rule replaced by the re-engagement template (the sender's
 *   rewriteAsTemplate: the send's kind became `template`) reached them **as that template**.
 *
 * The fragments read the send as `ob` (what lastSendJoin names it) and the message by the alias the
 * caller gives.
 */
export { UNDELIVERED_SEND_STATUSES };
UNDELIVERED_SEND_STATUSES satisfies readonly (typeof OUTBOX_STATUSES)[number][];

const undelivered = sql.raw(UNDELIVERED_SEND_STATUSES.map((s) => `'${s}'`).join(", "));

/**
 * The latest send of message `message` (an alias of a messages row), joined as `ob`: one probe of
 * outbox_messages_message_idx for an outgoing message, none for the customer's own. `columns`: what to read of it (by default what the fragments below
 * need); `and`: more conditions on the probe (a tenant filter, which messages are worth probing).
 */
export function lastSendJoin(message: string, p: { columns?: SQL; and?: SQL } = {}): SQL {
  const m = sql.identifier(message);
  return sql`
    left join lateral (
      select ${p.columns ?? sql`ob.kind, ob.status, ob.payload, ob.tenant_id`} from outbox_messages ob
      where ${m}.direction = 'out' and ob.message_id = ${m}.id ${p.and ? sql`and ${p.and}` : sql``}
      order by ob.id desc limit 1
    ) ob on true`;
}

/** The message reached the customer, or most likely will (its send `ob` was not given up on, or it has none). */
export const sendReachedCustomer: SQL = sql`(ob.status is null or ob.status not in (${undelivered}))`;

/** The template a send `ob` carried (kind `template`), else null. */
export const sendTemplateName: SQL = sql`case when ob.kind = 'template' then ob.payload -> 'template' ->> 'name' end`;

/** Message `message` was written free-form and went as a template (its send `ob` was rewritten). */
export function replacedByTemplate(message: string): SQL {
  return sql`(ob.kind = 'template' and ${sql.identifier(message)}.type <> 'template')`;
}

/**
 * The template the customer got in place of message `message` (the list's "Template X enviado"):
 * its send was rewritten as a template and reached them. Null otherwise.
 */
export function reachedAsTemplateName(message: string): SQL {
  return sql`case when ${sendReachedCustomer} and ${replacedByTemplate(message)} then ${sendTemplateName} end`;
}

/** A template's positional placeholder (`{{1}}`), and the same capturing its number. */
const PLACEHOLDER = String.raw`\{\{\s*\d+\s*\}\}`;
const PLACEHOLDER_NUMBER = String.raw`\{\{\s*(\d+)\s*\}\}`;

/**
 * What the customer read of message `message` (with its send `ob`): a free-form message replaced by
 * the re-engagement template reads as that template's text with the parameters it was sent with —
 * `[template <name>]` if the template is gone; any other message, its own body.
 */
export function asSentBody(message: string): SQL {
  const m = sql.identifier(message);
  return sql`case when ${replacedByTemplate(message)} then coalesce((
      select string_agg(part.piece || coalesce(
               jsonb_path_query_first(ob.payload, '$.template.components[*] ? (@.type == "body").parameters')
                 -> (ph.m[1]::int - 1) ->> 'text', ''), '' order by part.n)
      from templates t
      cross join lateral regexp_split_to_table(t.body, ${PLACEHOLDER}) with ordinality part(piece, n)
      left join lateral regexp_matches(t.body, ${PLACEHOLDER_NUMBER}, 'g') with ordinality ph(m, n) on ph.n = part.n
      where t.tenant_id = ob.tenant_id and t.name = ob.payload -> 'template' ->> 'name'
        and t.language = ob.payload -> 'template' -> 'language' ->> 'code'
    ), '[template ' || (ob.payload -> 'template' ->> 'name') || ']') else ${m}.body end`;
}
