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
 * The plan on the server's clock as of the thread's last answer (`serverNow`; the thread polls every
 * few seconds), not this browser's, which may run hours ahead ("blocked: no template" while the window
 * was open) or behind (free replies offered after it had closed, then replaced by the template).
 * `now` is only the fallback for an answer without it. A thread whose template the server did not read
 * (`reengagement.read` false: the window is open there for an hour or more yet) is open whatever the
 * clocks say.
 */
export function replyPlanOf(
  thread: Pick<Thread, "reengagement"> &
    Partial<Pick<Thread, "serverNow">> & { conversation: Pick<Thread["conversation"], "lastCustomerMessageAt"> },
  now = Date.now(),
): ReplyPlan {
  const c = thread.conversation;
  const at = thread.serverNow ? Date.parse(thread.serverNow) : now;
  if (c.lastCustomerMessageAt !== null && at - new Date(c.lastCustomerMessageAt).getTime() < SERVICE_WINDOW_MS) {
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
