import type { TRPCRouterRecord } from "@trpc/server";

import { getTenantForUser, listAuditEvents } from "@lx/db/queries";
import { ZListAuditEventsInput } from "@lx/shared/schemas";

import { toAuditDto } from "../dto.ts";
import { operatorProcedure } from "../init.ts";

export const auditRouter = {
  /**
   * Audit events, newest first, with filters and a cursor: every tenant, or the one named.
   * Operators only: the trail holds what a client must not read (other logins' addresses and
   * browsers, operators' e-mails, exports, secret rotations), and no client page reads it.
   */
  list: operatorProcedure.input(ZListAuditEventsInput).query(async ({ ctx, input }) => {
    const { user } = ctx.session;
    const tenantId =
      input.tenantSlug === undefined
        ? null
        : (await getTenantForUser(ctx.db, { user, ref: { slug: input.tenantSlug } })).id;
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
