import type { ReactNode } from "react";

import { cn } from "../../lib/cn.ts";
import { errorCode, errorMessage } from "../../lib/errors.ts";
import type { Messages } from "../../lib/i18n/messages.ts";

/**
 * The server's error in the operator's words. The codes `customers.*` gives for a reason of their own
 * get a sentence each: the generic CONFLICT text speaks of stale data, not of a reply being sent.
 */
export function customerErrorMessage(err: unknown, t: Messages): string {
  switch (errorCode(err)) {
    case "CONFLICT":
      return t.customers.busy;
    case "NOT_FOUND":
      return t.customers.notFound;
    case "INVALID_STATE":
    case "PRECONDITION_FAILED":
      return t.customers.alreadyErased;
    case "INVALID_INPUT":
      return t.customers.notACustomer;
    default:
      return errorMessage(err, t);
  }
}

/** An error under a request's buttons or in its dialog. */
export function RequestError({ children, className }: { children: ReactNode; className?: string }) {
  return (
    <div
      role="alert"
      className={cn("rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200", className)}
      data-testid="form-error"
    >
      {children}
    </div>
  );
}
