import type { TRPCRouterRecord } from "@trpc/server";

import { getTenantForUser, listAuditEvents } from "@lx/db/queries";
import { ZListAuditEventsInput } from "@lx/shared/schemas";

import { toAuditDto } from "../dto.ts";
import { authedProcedure } from "../init.ts";

export const auditRouter = {
  /**
   * Audit events, newest first, with filters and a cursor. Operators see every tenant (or the one
   * they name); a client always sees only their own tenant — naming another is NOT_FOUND.
   */
  list: authedProcedure.input(ZListAuditEventsInput).query(async ({ ctx, input }) => {
    const { user } = ctx.session;
    let tenantId: string | null = null;
    if (input.tenantSlug !== undefined) {
      tenantId = (await getTenantForUser(ctx.db, { user, ref: { slug: input.tenantSlug } })).id;
    } else if (user.role === "client") {
      tenantId = user.tenantId;
    }
    const page = await listAuditEvents(ctx.db, {
      tenantId,
      type: input.type,
      actor: input.actor,
      from: input.from === undefined ? undefined : new Date(input.from),
      to: input.to === undefined ? undefined : new Date(input.to),
      cursor: input.cursor,
      limit: input.limit,
    });
    return { items: page.items.map(toAuditDto), nextCursor: page.nextCursor };
  }),
} satisfies TRPCRouterRecord;
