import { describe, expect, it } from "vitest";

import { AppError } from "./errors.ts";
import {
  isReason,
  isReasonCode,
  REASON_CODES,
  REASON_USER_MESSAGES,
  reasonText,
  type Reason,
} from "./reasons.ts";

describe("reasons", () => {
  it("derive the English userMessage the API has always sent (lx and API clients read it)", () => {
    const cases: [Reason, string][] = [
      [
        { code: "input.nul_character" },
        "The text contains an invalid character (NUL, U+0000). Remove it and try again.",
      ],
      [
        { code: "rollback.nothing_before", version: "1.0.0" },
        "Nothing to roll back to: no version was live before v1.0.0.",
      ],
      [
        { code: "rollback.live_changed", live: "1.0.1", restore: "1.0.0" },
        "The live version changed meanwhile: v1.0.1 is live now, and rolling back would restore v1.0.0. Review the list and try again.",
      ],
      [
        { code: "approval.rejected", version: "1.0.1", note: "Muito formal" },
        'Client approval: version 1.0.1 cannot go live, the client rejected it ("Muito formal"). Ask the client to approve it, or activate anyway.',
      ],
      [
        { code: "approval.rejected", version: "1.0.1", note: null },
        "Client approval: version 1.0.1 cannot go live, the client rejected it. Ask the client to approve it, or activate anyway.",
      ],
      [
        { code: "draft.stale", source: "wizard", by: "ana@lx.test", at: "2026-01-01T00:00:00.000Z" },
        "A newer draft was saved by ana@lx.test (onboarding wizard) at 2026-01-01T00:00:00.000Z: load it before saving.",
      ],
      [
        { code: "draft.stale", source: "apply", by: null, at: "2026-01-01T00:00:00.000Z" },
        "A newer draft was saved by lx apply at 2026-01-01T00:00:00.000Z: load it before saving.",
      ],
      [
        { code: "onboarding.number_taken", phoneNumberId: "1234", index: 1 },
        "numbers.1.phoneNumberId: 1234 is already registered",
      ],
      [{ code: "onboarding.number_taken" }, "numbers: a phone_number_id of the intake is already registered"],
      [
        {
          code: "onboarding.invalid",
          errors: [
            { path: "tenant.slug", message: "required" },
            { path: "agents", message: "Too small" },
          ],
        },
        "tenant.slug: required; agents: Too small",
      ],
    ];
    for (const [reason, sentence] of cases) {
      expect(reasonText(REASON_USER_MESSAGES, reason)).toBe(sentence);
      expect(new AppError("CONFLICT", { message: "x", reason }).userMessage).toBe(sentence);
    }
  });

  it("every code has a non-empty English sentence", () => {
    expect(REASON_CODES.length).toBeGreaterThan(25);
    for (const code of REASON_CODES) {
      const text = (REASON_USER_MESSAGES[code] as (r: Record<string, unknown>) => string)({
        code,
        version: "1.0.0",
        live: "1.0.1",
        restore: "1.0.0",
        note: null,
        max: 100,
        name: "caso",
        source: "console",
        by: "ana@lx.test",
        at: "2026-01-01T00:00:00.000Z",
        errors: [{ path: "tenant.slug", message: "required" }],
        slug: "haven",
      });
      expect(text.trim().length, code).toBeGreaterThan(0);
    }
  });

  it("recognises a reason received over the wire only by a known code", () => {
    expect(isReason({ code: "sandbox.off" })).toBe(true);
    expect(isReason({ code: "rollback.live_changed", live: "1.0.1", restore: "1.0.0" })).toBe(true);
    expect(isReason({ code: "future.reason" })).toBe(false);
    expect(isReason({ code: "toString" })).toBe(false);
    expect(isReason(null)).toBe(false);
    expect(isReason("sandbox.off")).toBe(false);
    expect(isReasonCode("draft.none")).toBe(true);
    expect(isReasonCode("__proto__")).toBe(false);
  });
});
