import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { sourceFiles } from "../testing/sources.ts";
import { formatCustomerKey, formatPhone, isPhoneDigits, isTestCustomerWaId } from "./phone.ts";

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

describe("isPhoneDigits", () => {
  it("is a number written as digits, with an optional +: not a username id nor one with separators", () => {
    expect(isPhoneDigits("5511999990002")).toBe(true);
    expect(isPhoneDigits("+5511999990002")).toBe(true);
    expect(isPhoneDigits("US.13491208655302741918")).toBe(false);
    expect(isPhoneDigits("+55 11 99999-0001")).toBe(false);
    expect(isPhoneDigits("")).toBe(false);
  });

  it("is the one such test: no other source spells it", () => {
    const here = fileURLToPath(new URL("./phone.ts", import.meta.url));
    const copies = sourceFiles().filter((file) => file !== here && readFileSync(file, "utf8").includes("/^\\+?\\d+$/"));
    expect(copies).toEqual([]);
  });
});
