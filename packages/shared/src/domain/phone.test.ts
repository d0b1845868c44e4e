import { describe, expect, it } from "vitest";

import { formatCustomerKey, formatPhone, isTestCustomerWaId } from "./phone.ts";

describe("formatPhone", () => {
  it("formats a customer's WhatsApp id and a business number alike", () => {
    expect(formatPhone("5511999990002")).toBe("+55 11 99999 0002");
    expect(formatPhone("+55 11 99999-0001")).toBe("+55 11 99999 0001");
    expect(formatPhone("+551199999002")).toBe(formatPhone("551199999002"));
    expect(formatPhone("14155552671")).toBe("+1 415 555 2671");
  });

  it("falls back to +<digits> for numbers it cannot parse (test customers, short codes)", () => {
    expect(formatPhone("5500071375249")).toBe("+5500071375249");
    expect(formatPhone("123")).toBe("+123");
    expect(formatPhone("")).toBe("");
  });

  it("keeps a display number it cannot parse as the operator wrote it, instead of running its digits together", () => {
    expect(formatPhone("+55 11 9612 3456")).toBe("+55 11 9612 3456");
    expect(formatPhone(" +55 (11) 9612-3456 ")).toBe("+55 (11) 9612-3456");
  });

  it("recognises the console's test customers", () => {
    expect(isTestCustomerWaId("5500071375249")).toBe(true);
    expect(isTestCustomerWaId("5511999990002")).toBe(false);
  });

  it("formats a customer key that is a number, and leaves a username user's id as it is", () => {
    expect(formatCustomerKey("5511999990002")).toBe("+55 11 99999 0002");
    expect(formatCustomerKey("BR.1a2b3c")).toBe("BR.1a2b3c");
  });
});
