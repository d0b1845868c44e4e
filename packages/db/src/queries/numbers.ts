import { sql } from "drizzle-orm";

import { encryptSecret, sealingKey, type SecretKeys } from "@lx/shared/crypto";
import { AppError } from "@lx/shared/errors";

import { sqlState, type Executor } from "../client.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";

/**
 * A tenant's numbers from the console, after onboarding (the apply file does the same in bulk). The
 * webhook's number cache follows every change through the phone_numbers trigger's NOTIFY (deletes
 * included). Only a number no customer has written to is removed: conversations and sends hang on
 * the others (pause their sending in Operações instead).
 */

type NumberFields = { displayPhoneNumber: string; wabaId?: string; kind: "meta" | "sandbox"; agentSlug: string };

/** The tenant's agent of that slug (NOT_FOUND names it). */
async function agentIdOf(db: Executor, tenantId: string, slug: string): Promise<string> {
  const [agent] = await db.execute<{ id: string }>(sql`
    select id from agents where tenant_id = ${tenantId}::uuid and slug = ${slug}`);
  if (!agent) {
    throw new AppError("NOT_FOUND", { message: `no agent ${slug} in this tenant` });
  }
  return agent.id;
}

/** The tenant's number, locked for the change (NOT_FOUND for another tenant's). */
async function lockNumber(db: Executor, tenantId: string, numberId: string) {
  const [row] = await db.execute<{
    phone_number_id: string;
    display_phone_number: string;
    waba_id: string | null;
    kind: string;
    agent_slug: string | null;
  }>(sql`
    select n.phone_number_id, n.display_phone_number, n.waba_id, n.kind, a.slug as agent_slug
    from phone_numbers n left join agents a on a.id = n.agent_id
    where n.id = ${numberId}::uuid and n.tenant_id = ${tenantId}::uuid
    for update of n`);
  if (!row) {
    throw new AppError("NOT_FOUND", { message: "no such number" });
  }
  return row;
}

/**
 * Adds a number to the tenant, its token sealed with LX_SECRET_KEY, audited `number.added` (never
 * the token). CONFLICT when Meta's id is already a number of this or another tenant (the webhook
 * resolves the tenant from it).
 */
export async function addNumber(
  db: Executor,
  p: {
    tenantId: string;
    number: NumberFields & { phoneNumberId: string; accessToken: string };
    secretKey: SecretKeys;
    actor: AuditActor;
    requestId?: string;
  },
): Promise<{ id: string }> {
  return db.transaction(async (tx) => {
    const agentId = await agentIdOf(tx, p.tenantId, p.number.agentSlug);
    const [row] = await tx.execute<{ id: string }>(sql`
      insert into phone_numbers (tenant_id, phone_number_id, display_phone_number, waba_id, kind, access_token_enc, agent_id)
      values (${p.tenantId}::uuid, ${p.number.phoneNumberId}, ${p.number.displayPhoneNumber}, ${p.number.wabaId ?? null},
              ${p.number.kind}, ${encryptSecret(sealingKey(p.secretKey), p.number.accessToken)}, ${agentId}::uuid)
      on conflict (phone_number_id) do nothing
      returning id`);
    if (!row) {
      throw new AppError("CONFLICT", { message: `phone number id ${p.number.phoneNumberId} is already in use` });
    }
    const { accessToken: _token, ...shown } = p.number;
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: p.actor,
      type: "number.added",
      subjectType: "phone_number",
      subjectId: p.number.phoneNumberId,
      after: { ...shown, wabaId: shown.wabaId ?? null },
      requestId: p.requestId,
    });
    return row;
  });
}

/**
 * Changes a number's display, kind, agent and WABA, and its token when one is given (sealed anew),
 * audited `number.updated` with the fields before and after (a new token only as `accessToken:
 * "replaced"`). A WABA left out keeps the number's. NOT_FOUND for another tenant's number.
 */
export async function updateNumber(
  db: Executor,
  p: {
    tenantId: string;
    numberId: string;
    number: NumberFields & { accessToken?: string };
    secretKey: SecretKeys;
    actor: AuditActor;
    requestId?: string;
  },
): Promise<{ changed: boolean }> {
  return db.transaction(async (tx) => {
    const old = await lockNumber(tx, p.tenantId, p.numberId);
    const agentId = await agentIdOf(tx, p.tenantId, p.number.agentSlug);
    const before = { displayPhoneNumber: old.display_phone_number, wabaId: old.waba_id, kind: old.kind, agentSlug: old.agent_slug };
    const after = { ...before, displayPhoneNumber: p.number.displayPhoneNumber, kind: p.number.kind, agentSlug: p.number.agentSlug };
    if (p.number.wabaId !== undefined) {
      after.wabaId = p.number.wabaId;
    }
    const changed = (Object.keys(before) as (keyof typeof before)[]).filter((k) => before[k] !== after[k]);
    const token = p.number.accessToken;
    if (changed.length === 0 && token === undefined) {
      return { changed: false };
    }
    await tx.execute(sql`
      update phone_numbers
      set display_phone_number = ${after.displayPhoneNumber}, waba_id = ${after.wabaId}, kind = ${after.kind},
          agent_id = ${agentId}::uuid,
          access_token_enc = ${token === undefined ? sql`access_token_enc` : encryptSecret(sealingKey(p.secretKey), token)},
          updated_at = now()
      where id = ${p.numberId}::uuid`);
    const pick = (o: typeof before) => Object.fromEntries(changed.map((k) => [k, o[k]]));
    await insertAuditEvent(tx, {
      tenantId: p.tenantId,
      actor: p.actor,
      type: "number.updated",
      subjectType: "phone_number",
      subjectId: old.phone_number_id,
      before: pick(before),
      after: { ...pick(after), ...(token === undefined ? {} : { accessToken: "replaced" }) },
      requestId: p.requestId,
    });
    return { changed: true };
  });
}

/**
 * Deletes a number no customer has written to (one added with a mistyped Meta id, or to the wrong
 * tenant), audited `number.removed` with what it was (never the token); its Meta id is then free and
 * the webhook treats it as any unknown number. INVALID_STATE once it has a conversation or a send
 * (the foreign keys keep it: pause it instead); NOT_FOUND for another tenant's number.
 */
export async function removeNumber(
  db: Executor,
  p: { tenantId: string; numberId: string; actor: AuditActor; requestId?: string },
): Promise<void> {
  let display = "this number";
  const inUse = () =>
    new AppError("INVALID_STATE", { message: `customers have written to ${display}: pause its sending instead of removing it` });
  try {
    await db.transaction(async (tx) => {
      // The row lock orders this against a customer's first message: a conversation inserted first
      // (its foreign key check holds a key-share lock on the number, which `for update` waits for) is
      // seen below once it commits; one inserted after waits for this delete, then finds no number
      // (its foreign key check fails, the webhook answers 500 and Meta's retry finds the id unknown).
      const old = await lockNumber(tx, p.tenantId, p.numberId);
      display = old.display_phone_number;
      const [used] = await tx.execute<{ used: boolean }>(sql`
        select exists (select 1 from conversations where phone_number_id = ${p.numberId}::uuid) as used`);
      if (used?.used) {
        throw inUse();
      }
      // A send without a conversation (none is made so, but the outbox has no index on the number to
      // look it up by) is caught by its foreign key below.
      await tx.execute(sql`delete from phone_numbers where id = ${p.numberId}::uuid`);
      // What `number.added` recorded, so the audit tells what was removed (never the token).
      const before = {
        phoneNumberId: old.phone_number_id,
        displayPhoneNumber: old.display_phone_number,
        wabaId: old.waba_id,
        kind: old.kind,
        agentSlug: old.agent_slug,
      };
      await insertAuditEvent(tx, {
        tenantId: p.tenantId,
        actor: p.actor,
        type: "number.removed",
        subjectType: "phone_number",
        subjectId: old.phone_number_id,
        before,
        requestId: p.requestId,
      });
    });
  } catch (err) {
    throw sqlState(err) === "23503" ? inUse() : err;
  }
}
