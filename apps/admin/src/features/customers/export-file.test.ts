import { describe, expect, test } from "vitest";

import { exportFileName } from "./export-file.ts";

const at = new Date(2026, 2, 5, 14, 30).toISOString();

describe("exportFileName", () => {
  test("names the file by the number's last 4 digits and the local day", () => {
    const name = exportFileName({
      exportedAt: at,
      customer: { identifiers: ["5511912345678"] },
      conversations: [{ id: "0b9f3c2e-1111-4222-8333-444455556666" }],
    });
    expect(name).toBe("dados-cliente-5678-2026-03-05.json");
  });

  test("falls back on the conversation id's prefix for a Meta user id", () => {
    const name = exportFileName({
      exportedAt: at,
      customer: { identifiers: ["BR.1234abcd"] },
      conversations: [{ id: "0b9f3c2e-1111-4222-8333-444455556666" }],
    });
    expect(name).toBe("dados-cliente-0b9f3c2e-2026-03-05.json");
  });
});
