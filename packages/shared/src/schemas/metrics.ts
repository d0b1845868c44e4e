/**
 * zod input schemas of the metrics view (apps/api `metrics.*`): clients of the tenant and operators,
 * read-only. zod only: the browser console imports this file.
 */
import { z } from "zod";

import { ZTenantScopeInput } from "./console.ts";

export const METRICS_DAYS = [7, 14, 30] as const;
export const METRICS_MAX_DAYS = 90;

export const ZGetTenantMetricsInput = ZTenantScopeInput.extend({
  /** The last `days` calendar days in the tenant's time zone, today included. */
  days: z.int().min(1).max(METRICS_MAX_DAYS).default(30),
});
export type TGetTenantMetricsInput = z.infer<typeof ZGetTenantMetricsInput>;
