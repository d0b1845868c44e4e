import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect } from "vitest";

import { applyTenantFile } from "@lx/db/queries";
import { dbTest, seedUser, TEST_ACTOR, TEST_SECRET_KEY, uniqueSuffix } from "@lx/db/testing";

import { callerFor, sessionFor } from "../testing/harness.ts";

type ApplyFile = {
  tenant: { slug: string };
  numbers: { phoneNumberId: string }[];
  agents: { slug: string; spec: { goals: string[] } }[];
};

const haven = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../../examples/haven.json", import.meta.url)), "utf8"),
) as ApplyFile;

/** The Haven example under a unique slug and number. */
function havenFile(): ApplyFile {
  const f = structuredClone(haven);
  f.tenant.slug = `haven-${uniqueSuffix()}`;
  for (const n of f.numbers) {
    n.phoneNumberId = `${Date.now()}${Math.floor(Math.random() * 1e6)}`;
  }
  return f;
}

describe("drafts: who saved the draft", () => {
  dbTest("a draft written by lx apply is named as apply's, an operator's by e-mail, and apply again takes it back", async ({ db }) => {
    const file = havenFile();
    const opts = { secretKey: TEST_SECRET_KEY, env: { HAVEN_WA_TOKEN: "t" }, actor: TEST_ACTOR };
    await applyTenantFile(db, file, opts);
    const operator = await seedUser(db, { role: "operator" });
    const { caller } = callerFor(db, await sessionFor(db, operator.email, operator.password));
    const scope = { tenantSlug: file.tenant.slug, agentSlug: "recepcao" };

    // Provisioning wrote the draft: no user, so no e-mail — the editor says "lx apply", never "?".
    expect(await caller.drafts.get(scope)).toMatchObject({ source: "draft", updatedBy: "apply", updatedByLabel: null });

    const saved = await caller.drafts.get(scope);
    await caller.drafts.save({ ...scope, spec: saved.spec as Record<string, unknown>, baseVersion: saved.baseVersion });
    expect(await caller.drafts.get(scope)).toMatchObject({ updatedBy: "user", updatedByLabel: operator.email });

    // A later apply overwrites the operator's draft: it is apply's again, not the operator's.
    const agentFile = file.agents.find((a) => a.slug === "recepcao");
    agentFile?.spec.goals.push("Oferecer pacotes");
    await applyTenantFile(db, file, opts);
    expect(await caller.drafts.get(scope)).toMatchObject({ updatedBy: "apply", updatedByLabel: null });
  });
});
