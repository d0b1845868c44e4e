import type { TRPCRouterRecord } from "@trpc/server";

import { addNumber, listNumbers, removeNumber, updateNumber, userActor } from "@lx/db/queries";
import {
  ZAddNumberInput,
  ZListTenantNumbersInput,
  ZRemoveNumberInput,
  ZUpdateNumberInput,
} from "@lx/shared/schemas";

import { tenantOperatorProcedure } from "../init.ts";

/** The tenant's WhatsApp numbers (operators only; clients FORBIDDEN). Tokens go in, never out. */
export const numbersRouter = {
  /** Each number with its kind, agent, WABA, send pause and first answer, and whether it may be removed. */
  list: tenantOperatorProcedure.input(ZListTenantNumbersInput).query(async ({ ctx }) => {
    return listNumbers(ctx.db, { tenantId: ctx.tenant.id });
  }),

  /** A new number, its token sealed (`number.added`); CONFLICT when Meta's id is taken. */
  add: tenantOperatorProcedure.input(ZAddNumberInput).mutation(async ({ ctx, input }) => {
    return addNumber(ctx.db, {
      tenantId: ctx.tenant.id,
      number: input.number,
      secretKey: ctx.secretKey,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),

  /** Its display, kind, agent and WABA, and a new token when given (`number.updated`). */
  update: tenantOperatorProcedure.input(ZUpdateNumberInput).mutation(async ({ ctx, input }) => {
    return updateNumber(ctx.db, {
      tenantId: ctx.tenant.id,
      numberId: input.numberId,
      number: input.number,
      secretKey: ctx.secretKey,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
  }),

  /** Deletes one no customer has written to (`number.removed`); INVALID_STATE once one has (pause it instead). */
  remove: tenantOperatorProcedure.input(ZRemoveNumberInput).mutation(async ({ ctx, input }) => {
    await removeNumber(ctx.db, {
      tenantId: ctx.tenant.id,
      numberId: input.numberId,
      actor: userActor(ctx.session.user),
      requestId: ctx.requestId,
    });
    return { removed: true };
  }),
} satisfies TRPCRouterRecord;
