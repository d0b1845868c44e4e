import { index, pgTable, text, uuid } from "drizzle-orm/pg-core";

import { createdAt, tstz } from "./_columns.ts";
import { users } from "./users.ts";

/**
 * One-time links to set a password (queries/password-links.ts): an operator hands one to a client
 * or a colleague instead of a password, so no one but the account's owner ever knows it. Stored by
 * the sha256 of the token (a leaked table grants nothing); used once, within `expires_at`; a new
 * link for the account, or a new password, voids the older ones — except that a self-service reset
 * voids only earlier self-service resets (same `created_by_label`), and using a link voids the rest.
 */
export const passwordLinks = pgTable(
  "password_links",
  {
    id: text().primaryKey(),
    userId: uuid()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: tstz().notNull(),
    usedAt: tstz(),
    createdByLabel: text().notNull(),
    ...createdAt,
  },
  (t) => [index("password_links_user_idx").on(t.userId)],
);

export type PasswordLink = typeof passwordLinks.$inferSelect;
