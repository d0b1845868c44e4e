import { bigserial, index, pgTable, text } from "drizzle-orm/pg-core";

import { tstz } from "./_columns.ts";

/**
 * Counted attempts of the API's rate limits (queries/rate-limits.ts): failed sign-ins per (address,
 * e-mail), per e-mail and per address, password-reset requests per e-mail and per address. In the
 * database rather than in each process's memory, so that a limit holds whatever number of API
 * processes share the load. Rows older than a day are pruned by the workers.
 */
export const rateLimitHits = pgTable(
  "rate_limit_hits",
  {
    id: bigserial({ mode: "number" }).primaryKey(),
    key: text().notNull(),
    at: tstz().notNull().defaultNow(),
  },
  (t) => [index("rate_limit_hits_key_at_idx").on(t.key, t.at)],
);
