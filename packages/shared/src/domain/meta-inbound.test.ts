import { describe, expect, it } from "vitest";

import { describeInbound } from "./meta-inbound.ts";

const base = { id: "wamid.x", from: "5511999990000", timestamp: "1767225600" };

describe("describeInbound", () => {
  it("keeps a system message (the customer changed number) as a notice: not answered, no window", () => {
    const d = describeInbound({
      ...base,
      type: "system",
      system: { body: "Ana changed from 5511999990000 to 5511999991111", new_wa_id: "5511999991111", type: "user_changed_number" },
    });
    expect(d).toEqual({
      type: "system",
      body: "[system: user_changed_number] Ana changed from 5511999990000 to 5511999991111",
      contextId: null,
      answerable: false,
      opensWindow: false,
      system: { type: "user_changed_number", newWaId: "5511999991111" },
    });
    // Older versions name the new number `wa_id`; a bare one still says what it is.
    expect(describeInbound({ ...base, type: "system", system: { wa_id: "5511999992222", type: "user_changed_number" } }).system)
      .toEqual({ type: "user_changed_number", newWaId: "5511999992222" });
    expect(describeInbound({ ...base, type: "system" })).toMatchObject({ body: "[system: unknown]", answerable: false, opensWindow: false });
  });

  it("answers what the customer sent, unsupported and unknown types included; reactions are stored, not answered", () => {
    const answered = (m: Record<string, unknown>) => {
      const d = describeInbound({ ...base, type: "text", ...m });
      return [d.body, d.answerable, d.opensWindow];
    };
    expect(answered({ text: { body: "oi" } })).toEqual(["oi", true, true]);
    expect(answered({ type: "unsupported", unsupported: { type: "poll_creation" } })).toEqual(["[unsupported: poll_creation]", true, true]);
    expect(answered({ type: "request_welcome" })).toEqual(["[request_welcome]", true, true]);
    expect(answered({ type: "order", order: {} })).toEqual(["[order]", true, true]);
    expect(answered({ type: "reaction", reaction: { emoji: "👍" } })).toEqual(["[reaction] 👍", false, true]);
  });
});
