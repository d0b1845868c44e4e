import { asc, eq } from "drizzle-orm";

import { decryptSecret, encryptSecret, randomToken, sealingKey, type SecretKeys } from "@lx/shared/crypto";
import { AppError } from "@lx/shared/errors";

import type { Executor } from "../client.ts";
import { phoneNumbers, tenants, type Tenant } from "../schema/index.ts";
import { insertAuditEvent, type AuditActor } from "./audit.ts";

/** A tenant's two stored secrets, by the names `lx apply` and the console give them, and their columns. */
const TENANT_SECRET_COLUMNS = { webhookSecret: "webhookSecretEnc", crmToken: "crmTokenEnc" } as const;

export type TenantSecretName = keyof typeof TENANT_SECRET_COLUMNS;

/** The sealed columns of a tenant's secrets, as stored. */
export type SealedTenantSecrets = Pick<Tenant, "webhookSecretEnc" | "crmTokenEnc">;

/**
 * A fresh outgoing-webhook signing secret (32 random bytes, base64url: 43 characters): a new
 * tenant's when none is given, and the console's "Gerar novo segredo".
 */
export function newWebhookSecret(): string {
  return randomToken(32);
}

/** Whether `boxed` opens (with any of `keys`) to `plain`; false for none or one no key opens. */
export function sameSecret(keys: SecretKeys, boxed: string | null, plain: string): boolean {
  if (!boxed) {
    return false;
  }
  try {
    return decryptSecret(keys, boxed) === plain;
  } catch {
    return false;
  }
}

/**
 * The tenant columns to write for the secrets given, sealed with the current key (`null` clears
 * one; a name left out is not written). With `stored`, the row as it is, a secret it already holds
 * (compared decrypted) is left out too, so giving the same one again is no change (`lx apply`).
 * The one way both `lx apply` and the console seal a tenant's secrets.
 */
export function sealTenantSecrets(
  keys: SecretKeys,
  given: Partial<Record<TenantSecretName, string | null>>,
  stored?: SealedTenantSecrets,
): Partial<SealedTenantSecrets> {
  const sealed: Partial<SealedTenantSecrets> = {};
  for (const [name, column] of Object.entries(TENANT_SECRET_COLUMNS) as [TenantSecretName, keyof SealedTenantSecrets][]) {
    const value = given[name];
    if (value === undefined || (stored && value !== null && sameSecret(keys, stored[column], value))) {
      continue;
    }
    sealed[column] = value === null ? null : encryptSecret(sealingKey(keys), value);
  }
  return sealed;
}

/** What `rotateStoredSecrets` did: boxes sealed again with the current key, and boxes it already sealed. */
export type SecretRotationReport = { resealed: number; alreadyCurrent: number };

type Box = { label: string; boxed: string; write: (tx: Executor, boxed: string) => Promise<unknown> };

/**
 * Every stored secret box: tenants' webhook secrets (and the previous one, during a rotation's
 * overlap) and CRM tokens, numbers' access tokens.
 */
async function lockedBoxes(tx: Executor): Promise<Box[]> {
  const boxes: Box[] = [];
  const ts = await tx
    .select({
      id: tenants.id,
      slug: tenants.slug,
      webhook: tenants.webhookSecretEnc,
      webhookPrevious: tenants.webhookSecretPreviousEnc,
      crm: tenants.crmTokenEnc,
    })
    .from(tenants)
    .orderBy(asc(tenants.slug))
    .for("update");
  for (const t of ts) {
    if (t.webhook) {
      boxes.push({
        label: `tenant ${t.slug}: webhook secret`,
        boxed: t.webhook,
        write: (x, boxed) => x.update(tenants).set({ webhookSecretEnc: boxed }).where(eq(tenants.id, t.id)),
      });
    }
    if (t.webhookPrevious) {
      boxes.push({
        label: `tenant ${t.slug}: previous webhook secret`,
        boxed: t.webhookPrevious,
        write: (x, boxed) => x.update(tenants).set({ webhookSecretPreviousEnc: boxed }).where(eq(tenants.id, t.id)),
      });
    }
    if (t.crm) {
      boxes.push({
        label: `tenant ${t.slug}: CRM token`,
        boxed: t.crm,
        write: (x, boxed) => x.update(tenants).set({ crmTokenEnc: boxed }).where(eq(tenants.id, t.id)),
      });
    }
  }
  const ns = await tx
    .select({ id: phoneNumbers.id, display: phoneNumbers.displayPhoneNumber, pnid: phoneNumbers.phoneNumberId, token: phoneNumbers.accessTokenEnc })
    .from(phoneNumbers)
    .orderBy(asc(phoneNumbers.phoneNumberId))
    .for("update");
  for (const n of ns) {
    boxes.push({
      label: `number ${n.display} (${n.pnid}): access token`,
      boxed: n.token,
      write: (x, boxed) => x.update(phoneNumbers).set({ accessTokenEnc: boxed }).where(eq(phoneNumbers.id, n.id)),
    });
  }
  return boxes;
}

function opens(key: Buffer, boxed: string): boolean {
  try {
    decryptSecret(key, boxed);
    return true;
  } catch {
    return false;
  }
}

/**
 * Seals every stored secret again with the current key (the first of `keys`; the others are the
 * keys being retired), in one transaction: after it, LX_SECRET_KEY_PREVIOUS can go. Boxes the
 * current key already opens are left as they are, so running it again changes nothing. If any box
 * opens with none of the keys, nothing is written and the error names every such box (the wrong
 * previous key was given). Audited `secrets.rotated` with the counts, never a secret.
 */
export async function rotateStoredSecrets(
  db: Executor,
  input: { keys: SecretKeys; actor: AuditActor; dryRun?: boolean },
): Promise<SecretRotationReport> {
  const current = sealingKey(input.keys);
  return db.transaction(async (tx) => {
    const boxes = await lockedBoxes(tx);
    const report: SecretRotationReport = { resealed: 0, alreadyCurrent: 0 };
    const unopened: string[] = [];
    const resealed: { box: Box; sealed: string }[] = [];
    for (const box of boxes) {
      if (opens(current, box.boxed)) {
        report.alreadyCurrent++;
        continue;
      }
      try {
        resealed.push({ box, sealed: encryptSecret(current, decryptSecret(input.keys, box.boxed)) });
      } catch {
        unopened.push(box.label);
      }
    }
    if (unopened.length > 0) {
      throw new AppError("INVALID_STATE", {
        message: `no given key opens ${unopened.length} stored secret(s): ${unopened.join("; ")}. Set LX_SECRET_KEY_PREVIOUS to the key they were sealed with; nothing was changed`,
      });
    }
    if (input.dryRun) {
      return { ...report, resealed: resealed.length };
    }
    for (const { box, sealed } of resealed) {
      await box.write(tx, sealed);
    }
    report.resealed = resealed.length;
    await insertAuditEvent(tx, {
      actor: input.actor,
      type: "secrets.rotated",
      subjectType: "platform",
      data: { ...report },
    });
    return report;
  });
}
