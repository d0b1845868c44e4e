import { sql } from "drizzle-orm";

import { encryptSecret, sealingKey, type SecretKeys } from "@lx/shared/crypto";
import { AppError } from "@lx/shared/errors";

import type { Executor } from "../client.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";

/**
 * A tenant's numbers from the console, after onboarding (the apply file does the same in bulk). The
 * webhook's number cache follows every change through the phone_numbers trigger's NOTIFY. A number
 * is never removed here: its conversations hang on it (pause its sending in Operações instead).
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
    const [old] = await tx.execute<{
      phone_number_id: string;
      display_phone_number: string;
      waba_id: string | null;
      kind: string;
      agent_slug: string | null;
    }>(sql`
      select n.phone_number_id, n.display_phone_number, n.waba_id, n.kind, a.slug as agent_slug
      from phone_numbers n left join agents a on a.id = n.agent_id
      where n.id = ${p.numberId}::uuid and n.tenant_id = ${p.tenantId}::uuid
      for update of n`);
    if (!old) {
      throw new AppError("NOT_FOUND", { message: "no such number" });
    }
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
