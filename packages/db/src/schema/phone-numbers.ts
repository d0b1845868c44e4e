import { relations, sql } from "drizzle-orm";
import { check, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";

import { timestamps, tstz } from "./_columns.ts";
import { inList, NUMBER_KINDS } from "./_enums.ts";
import { agents } from "./agents.ts";
import { tenants } from "./tenants.ts";

/**
 * A WhatsApp business number. `phoneNumberId` is Meta's id (the webhook's metadata.phone_number_id),
 * unique across the platform because the webhook resolves the tenant from it.
 */
export const phoneNumbers = pgTable(
  "phone_numbers",
  {
    id: uuid().primaryKey().defaultRandom(),
    tenantId: uuid()
      .notNull()
      .references(() => tenants.id),
    phoneNumberId: text().notNull(),
    displayPhoneNumber: text().notNull(),
    /**
     * The WhatsApp Business Account the number belongs to (Meta's WABA id): given by the apply file or
     * the console, or recorded from Meta's webhooks (`entry[].id`). Template status webhooks name the
     * WABA, not a number.
     */
    wabaId: text(),
    kind: text({ enum: NUMBER_KINDS }).notNull().default("meta"),
    /** Graph API access token, encrypted with LX_SECRET_KEY (never stored or logged in clear). */
    accessTokenEnc: text().notNull(),
    /** Agent that answers this number when the tenant routes by number. */
    agentId: uuid().references(() => agents.id),
    /** Sends paused after a token/account error (190, 368, 131031); rows are kept. */
    sendPausedAt: tstz(),
    pauseReason: text(),
    /**
     * When a text send through this number first reached delivered or read (the setup checklist's
     * "number answered"), set once by the status callback that moved it there.
     */
    firstAnsweredAt: tstz(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("phone_numbers_phone_number_id_key").on(t.phoneNumberId),
    index("phone_numbers_tenant_idx").on(t.tenantId),
    index("phone_numbers_waba_idx").on(t.wabaId).where(sql`${t.wabaId} is not null`),
    check("phone_numbers_kind_check", inList(t.kind, NUMBER_KINDS)),
  ],
);

export const phoneNumbersRelations = relations(phoneNumbers, ({ one }) => ({
  tenant: one(tenants, { fields: [phoneNumbers.tenantId], references: [tenants.id] }),
  agent: one(agents, { fields: [phoneNumbers.agentId], references: [agents.id] }),
}));

export type PhoneNumber = typeof phoneNumbers.$inferSelect;
export type NewPhoneNumber = typeof phoneNumbers.$inferInsert;
