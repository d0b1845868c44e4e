import { describe, expect, it } from "vitest";

import { approvalAllowsActivation, evaluateExpectations, gateAllowsActivation, maskCustomer, replyChanged, wordDiff } from "./regression.ts";

describe("evaluateExpectations", () => {
  const outcome = {
    replies: ["Olá! Aqui é a Ana.", "A avaliação custa R$ 150,00."],
    handoff: null,
    tools: ["check_availability"],
  };

  it("finds a text in any reply, ignoring case and accents, and says which", () => {
    const [r] = evaluateExpectations(outcome, [{ kind: "contains", text: "AVALIACAO custa" }]);
    expect(r).toMatchObject({ passed: true, detail: "reply 2 contains it", reply: 2 });
  });

  it("fails a text no reply has, and a text one reply has that must not be there", () => {
    const [missing, present] = evaluateExpectations(outcome, [
      { kind: "contains", text: "desconto" },
      { kind: "not_contains", text: "aqui é a ana" },
    ]);
    expect(missing).toMatchObject({ passed: false, detail: "no reply contains it" });
    expect(present).toMatchObject({ passed: false, detail: "reply 1 contains it" });
  });

  it("says the bot never replied when there is no reply at all", () => {
    const [r] = evaluateExpectations({ replies: [], handoff: { trigger: "keyword", reason: "atendente" }, tools: [] }, [
      { kind: "contains", text: "oi" },
    ]);
    expect(r).toMatchObject({ passed: false, detail: "the bot never replied" });
  });

  it("checks handoffs both ways", () => {
    const handed = { replies: [], handoff: { trigger: "model", reason: "pediu humano" }, tools: ["handoff_to_human"] };
    expect(evaluateExpectations(handed, [{ kind: "handoff" }, { kind: "no_handoff" }]).map((r) => r.passed)).toEqual([true, false]);
    expect(evaluateExpectations(outcome, [{ kind: "handoff" }, { kind: "no_handoff" }]).map((r) => r.passed)).toEqual([false, true]);
  });

  it("checks tool calls and names the ones that were called instead", () => {
    const [called, notCalled] = evaluateExpectations(outcome, [
      { kind: "tool_called", tool: "check_availability" },
      { kind: "tool_called", tool: "book_slot" },
    ]);
    expect(called?.passed).toBe(true);
    expect(notCalled).toMatchObject({ passed: false, detail: "called: check_availability" });
  });
});

describe("replyChanged", () => {
  it("ignores case, accents and whitespace, and nothing else", () => {
    expect(replyChanged("Olá,  tudo bem?", "ola, TUDO bem?")).toBe(false);
    expect(replyChanged("Olá, tudo bem?", "Olá, tudo bem!")).toBe(true);
  });
});

describe("the gate", () => {
  it("the client's approval lets a version go live when approved or when the tenant has no client login", () => {
    expect(approvalAllowsActivation("not_required")).toBe(true);
    expect(approvalAllowsActivation("approved")).toBe(true);
    expect(approvalAllowsActivation("pending")).toBe(false);
    expect(approvalAllowsActivation("rejected")).toBe(false);
  });

  it("lets a version with no cases or a passing run go live, and holds the others", () => {
    expect(gateAllowsActivation("no_cases")).toBe(true);
    expect(gateAllowsActivation("passed")).toBe(true);
    expect(gateAllowsActivation("failed")).toBe(false);
    expect(gateAllowsActivation("not_run")).toBe(false);
  });

  it("masks a customer but for the last four characters", () => {
    expect(maskCustomer("5511912345678")).toBe("••••••••5678");
    expect(maskCustomer("123")).toBe("123");
  });
});

describe("wordDiff", () => {
  it("keeps the shared words and marks what each side has alone, in order", () => {
    expect(wordDiff("A avaliação custa R$ 150.", "A avaliação custa R$ 120.")).toEqual([
      { op: "same", text: "A avaliação custa R$ " },
      { op: "del", text: "150" },
      { op: "add", text: "120" },
      { op: "same", text: "." },
    ]);
  });
});
