/**
 * zod input schemas of the metrics view (apps/api `metrics.*`): clients of the tenant and operators,
 * read-only. zod only: the browser console imports this file.
 */
import { z } from "zod";

import { ZTenantScopeInput } from "./console.ts";

export const METRICS_DAYS = [7, 14, 30] as const;
export const METRICS_MAX_DAYS = 90;

/** What the figures count: the tenant's customers (not its sandbox numbers' test traffic), or all. */
export const METRICS_TRAFFIC = ["customers", "all"] as const;
export type TMetricsTraffic = (typeof METRICS_TRAFFIC)[number];

export const ZGetTenantMetricsInput = ZTenantScopeInput.extend({
  /** The last `days` calendar days in the tenant's time zone, today included. */
  days: z.int().min(1).max(METRICS_MAX_DAYS).default(30),
  /** Unset: customers only when the tenant has a Meta number, else all. */
  traffic: z.enum(METRICS_TRAFFIC).optional(),
});
export type TGetTenantMetricsInput = z.infer<typeof ZGetTenantMetricsInput>;
