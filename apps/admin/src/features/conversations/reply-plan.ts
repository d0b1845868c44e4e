import { SERVICE_WINDOW_MS } from "@lx/shared/domain";

import type { RouterOutputs } from "../../lib/trpc.ts";

type Thread = RouterOutputs["conversations"]["byId"];

/**
 * What a free-form reply becomes now, by the worker's 24-hour rule (apps/worker outbox/sender.ts):
 * sent as written (window open), sent as the agent's re-engagement template (approved), or blocked —
 * no template named, or the one named is not approved (not declared, paused, rejected…).
 */
export type ReplyPlan =
  | { kind: "open" }
  | { kind: "template"; name: string }
  | { kind: "blocked"; template: { name: string; status: string | null } | null };

/**
 * The plan on this browser's clock, overruled by the server's: a thread whose template the server did
 * not read (`reengagement.read` false: the window is open there for an hour or more yet) is open, even
 * when this clock, running ahead, says the window has closed — it said "blocked: no template".
 */
export function replyPlanOf(
  thread: Pick<Thread, "reengagement"> & { conversation: Pick<Thread["conversation"], "lastCustomerMessageAt"> },
  now = Date.now(),
): ReplyPlan {
  const c = thread.conversation;
  if (c.lastCustomerMessageAt !== null && now - new Date(c.lastCustomerMessageAt).getTime() < SERVICE_WINDOW_MS) {
    return { kind: "open" };
  }
  if (!thread.reengagement.read) {
    return { kind: "open" };
  }
  const tpl = thread.reengagement.template;
  if (tpl?.status === "approved") {
    return { kind: "template", name: tpl.name };
  }
  return { kind: "blocked", template: tpl ? { name: tpl.name, status: tpl.status } : null };
}
