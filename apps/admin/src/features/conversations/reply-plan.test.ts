import { describe, expect, test } from "vitest";

import { SERVICE_WINDOW_MS } from "@lx/shared/domain";

import { replyPlanOf } from "./reply-plan.ts";

const HOUR = 3600_000;
const serverNow = Date.parse("2026-11-27T12:00:00.000Z");
/** The customer last wrote 22 hours ago on the server's clock: the window is open two hours more. */
const lastCustomerMessageAt = new Date(serverNow - 22 * HOUR).toISOString();
const approved = { name: "retomada_v1", language: "pt_BR", status: "approved" };

describe("replyPlanOf (the composer's notice about the 24-hour window)", () => {
  test("a browser clock three hours ahead does not say 'blocked: no template' on a window the server sees open", () => {
    // The server did not read the template: on its clock the window is open for more than an hour yet.
    const thread = { conversation: { lastCustomerMessageAt }, reengagement: { read: false as const } };
    expect(replyPlanOf(thread, serverNow + 3 * HOUR)).toEqual({ kind: "open" });
    expect(replyPlanOf(thread, serverNow)).toEqual({ kind: "open" });
  });

  test("an agent that names no template: blocked once the window has closed", () => {
    const thread = { conversation: { lastCustomerMessageAt }, reengagement: { read: true as const, template: null } };
    expect(replyPlanOf(thread, serverNow)).toEqual({ kind: "open" });
    expect(replyPlanOf(thread, serverNow + 3 * HOUR)).toEqual({ kind: "blocked", template: null });
  });

  test("a named template: sent as it when approved, blocked when not", () => {
    const closed = Date.parse(lastCustomerMessageAt) + SERVICE_WINDOW_MS + 1;
    const thread = { conversation: { lastCustomerMessageAt }, reengagement: { read: true as const, template: approved } };
    expect(replyPlanOf(thread, closed)).toEqual({ kind: "template", name: "retomada_v1" });
    const paused = { ...thread, reengagement: { read: true as const, template: { ...approved, status: "paused" } } };
    expect(replyPlanOf(paused, closed)).toEqual({ kind: "blocked", template: { name: "retomada_v1", status: "paused" } });
    // A conversation the customer never wrote in: closed.
    expect(replyPlanOf({ ...thread, conversation: { lastCustomerMessageAt: null } }, serverNow)).toMatchObject({ kind: "template" });
  });

  test("the window is decided on the server's clock of the last answer: a browser running behind does not offer free replies after it closed, nor one running ahead block them before", () => {
    const closedAt = Date.parse(lastCustomerMessageAt) + SERVICE_WINDOW_MS;
    const thread = { conversation: { lastCustomerMessageAt }, reengagement: { read: true as const, template: approved } };
    // On the server the window closed a minute ago; this browser's clock is three hours behind.
    const after = { ...thread, serverNow: new Date(closedAt + 60_000).toISOString() };
    expect(replyPlanOf(after, closedAt + 60_000 - 3 * HOUR)).toEqual({ kind: "template", name: "retomada_v1" });
    // On the server it is open a minute more; this browser's clock is three hours ahead.
    const before = { ...thread, serverNow: new Date(closedAt - 60_000).toISOString() };
    expect(replyPlanOf(before, closedAt - 60_000 + 3 * HOUR)).toEqual({ kind: "open" });
  });
});
