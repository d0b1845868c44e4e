import { timestamp } from "drizzle-orm/pg-core";

/** Timestamp with time zone, as a JS Date. */
export const tstz = () => timestamp({ withTimezone: true, mode: "date" });

export const createdAt = { createdAt: tstz().notNull().defaultNow() };

export const timestamps = {
  createdAt: tstz().notNull().defaultNow(),
  updatedAt: tstz()
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
};
