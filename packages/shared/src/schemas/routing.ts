/**
 * zod input of the console's routing procedure (apps/api `tenants.setRouting`), shared with its form:
 * the apply file's `routing`. zod only: the browser console imports this file.
 */
import type { z } from "zod";

import { ZRouting } from "./apply-file.ts";
import { ZTenantScopeInput } from "./console.ts";

export const ZSetRoutingInput = ZTenantScopeInput.extend({ routing: ZRouting });
export type TSetRoutingInput = z.infer<typeof ZSetRoutingInput>;
