import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";

import { REASON_CODES, REASON_USER_MESSAGES, reasonText, type Reason } from "@lx/shared/errors";

import { errorMessage, errorReason } from "./errors.ts";
import { dateTimeOptions } from "./i18n/formats.ts";
import { MESSAGES } from "./i18n/messages.ts";

const pt = MESSAGES["pt-BR"];
const en = MESSAGES.en;

/** The error the console's tRPC client raises for a refusal (`data` as the API's errorFormatter sends it). */
function refused(code: string, appError: { code: string; userMessage: string | null; reason?: unknown }) {
  return TRPCClientError.from({
    error: {
      message: "refused",
      code: -32600,
      data: { code, httpStatus: 409, appError, zodError: null },
    },
  });
}

/** A refusal as the API sends it for `reason`: the reason and its English sentence. */
function refusal(code: string, reason: Reason) {
  return refused(code, { code: "CONFLICT", userMessage: reasonText(REASON_USER_MESSAGES, reason), reason });
}

/** One reason of each code, with parameters whose values can be looked for in the text. */
const SAMPLES: Reason[] = REASON_CODES.map((code): Reason => {
  switch (code) {
    case "version.not_found":
    case "rollback.nothing_before":
    case "approval.pending":
    case "regression.failed":
    case "regression.not_run":
      return { code, version: "7.8.9" };
    case "rollback.live_changed":
      return { code, live: "2.0.1", restore: "1.9.4" };
    case "approval.rejected":
      return { code, version: "7.8.9", note: "tom formal demais" };
    case "test_cases.limit":
      return { code, max: 123 };
    case "test_cases.name_taken":
      return { code, name: "caso do preço" };
    case "draft.stale":
      return { code, source: "wizard", by: "ana@lx.test", at: "2026-11-27T10:20:00.000Z" };
    case "onboarding.invalid":
      return { code, errors: [{ path: "tenant.slug", message: "required" }] };
    case "onboarding.slug_taken":
      return { code, slug: "clinica-sol" };
    case "onboarding.number_taken":
      return { code, phoneNumberId: "5511999", index: 2 };
    default:
      return { code } as Reason;
  }
});

/** The parameter values a reason's text must show (the note, the versions, the slug…). */
function shownValues(reason: Reason): string[] {
  const { code: _code, ...params } = reason;
  return Object.entries(params).flatMap(([key, value]) => {
    if (key === "at" || key === "errors" || key === "index" || key === "source" || value === null) {
      return [];
    }
    return [String(value)];
  });
}

describe("errorMessage: the API's refusals by reason, in the console's language", () => {
  it("every reason code has a text in both languages, naming its parameters, never the English userMessage in pt-BR", () => {
    expect(SAMPLES.map((r) => r.code)).toEqual(REASON_CODES);
    for (const reason of SAMPLES) {
      const err = refusal("CONFLICT", reason);
      const ptText = errorMessage(err, pt);
      const enText = errorMessage(err, en);
      expect(ptText, reason.code).not.toBe(reasonText(REASON_USER_MESSAGES, reason));
      expect(ptText.length, reason.code).toBeGreaterThan(10);
      expect(enText.length, reason.code).toBeGreaterThan(10);
      expect(ptText, reason.code).not.toBe(enText);
      for (const value of shownValues(reason)) {
        expect(ptText, reason.code).toContain(value);
        expect(enText, reason.code).toContain(value);
      }
    }
  });

  it("in English, says the API's own sentence (REASON_USER_MESSAGES), with the console's date and validation wording", () => {
    for (const reason of SAMPLES.filter((r) => r.code !== "draft.stale" && r.code !== "onboarding.invalid")) {
      expect(errorMessage(refusal("CONFLICT", reason), en), reason.code).toBe(reasonText(REASON_USER_MESSAGES, reason));
    }
    const stale: Reason = { code: "draft.stale", source: "apply", by: null, at: "2026-11-27T10:20:00.000Z" };
    expect(errorMessage(refusal("CONFLICT", stale), en)).toBe(
      reasonText(REASON_USER_MESSAGES, { ...stale, at: new Date(stale.at).toLocaleString("en", dateTimeOptions(false, "en")) }),
    );
    expect(
      errorMessage(refusal("BAD_REQUEST", { code: "onboarding.invalid", errors: [{ path: "agents.0.slug", message: "must not be empty" }] }), en),
    ).toBe("agents.0.slug: required");
  });

  it("words the refusals that used to reach the screen in English", () => {
    expect(errorMessage(refusal("BAD_REQUEST", { code: "input.nul_character" }), pt)).toBe(
      "O texto tem um caractere inválido (NUL, U+0000). Remova-o e tente de novo.",
    );
    expect(errorMessage(refusal("PRECONDITION_FAILED", { code: "operations.job_not_dead" }), pt)).toBe(
      "Só jobs mortos podem ser tentados de novo: este já não está morto.",
    );
    expect(errorMessage(refusal("CONFLICT", { code: "onboarding.slug_taken", slug: "haven" }), pt)).toBe(
      "O identificador “haven” já está em uso por outra empresa: escolha outro.",
    );
    expect(
      errorMessage(
        refusal("CONFLICT", { code: "rollback.live_changed", live: "1.0.1", restore: "1.0.2" }),
        pt,
      ),
    ).toBe(
      "Nada foi revertido: a versão ativa mudou enquanto esta página estava aberta. Agora a v1.0.1 está no ar, e reverter restauraria a v1.0.2. Confira a lista e tente de novo.",
    );
    expect(
      errorMessage(
        refusal("PRECONDITION_FAILED", {
          code: "approval.rejected",
          version: "1.0.1",
          note: "Preferimos o antigo.",
        }),
        pt,
      ),
    ).toBe(
      "O cliente rejeitou a v1.0.1: “Preferimos o antigo.” Peça ao cliente que aprove, ou ative mesmo assim.",
    );
    expect(
      errorMessage(
        refusal("PRECONDITION_FAILED", { code: "approval.rejected", version: "1.0.1", note: null }),
        en,
      ),
    ).toBe("Client approval: version 1.0.1 cannot go live, the client rejected it. Ask the client to approve it, or activate anyway.");
    expect(errorMessage(refusal("CONFLICT", { code: "onboarding.number_taken" }), pt)).toBe(
      "Um phone_number_id desta ficha já está cadastrado.",
    );
    expect(
      errorMessage(
        refusal("BAD_REQUEST", {
          code: "onboarding.invalid",
          errors: [{ path: "tenant.slug", message: "required" }],
        }),
        pt,
      ),
    ).toBe("Corrija a ficha: tenant.slug: obrigatório");
  });

  it("falls back to the server's sentence for a reason this build does not know, then to the text per code", () => {
    const unknown = refused("CONFLICT", {
      code: "CONFLICT",
      userMessage: "Something new went wrong.",
      reason: { code: "future.thing" },
    });
    expect(errorReason(unknown)).toBeNull();
    expect(errorMessage(unknown, pt)).toBe("Something new went wrong.");
    const bare = refused("CONFLICT", { code: "CONFLICT", userMessage: null });
    expect(errorReason(bare)).toBeNull();
    expect(errorMessage(bare, pt)).toBe(pt.errors.byCode.CONFLICT);
    expect(errorReason(refusal("CONFLICT", { code: "draft.discarded" }))).toEqual({
      code: "draft.discarded",
    });
  });
});
