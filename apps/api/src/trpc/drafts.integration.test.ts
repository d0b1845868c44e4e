import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect } from "vitest";

import { TRPCError } from "@trpc/server";

import { applyTenantFile, WIZARD_CHANGELOG } from "@lx/db/queries";
import { dbTest, seedUser, TEST_ACTOR, TEST_SECRET_KEY, uniqueSuffix } from "@lx/db/testing";
import { minimalSpec } from "@lx/shared/testing";

import { callerFor, sessionFor } from "../testing/harness.ts";

/** The error a call ends with: its tRPC code and the AppError's user message and reason. */
async function refusal(call: Promise<unknown>): Promise<{ code: string; userMessage?: string; reason?: unknown }> {
  try {
    await call;
    return { code: "OK" };
  } catch (err) {
    if (err instanceof TRPCError) {
      const cause = err.cause as { userMessage?: string; reason?: unknown } | undefined;
      return { code: err.code, userMessage: cause?.userMessage, reason: cause?.reason };
    }
    throw err;
  }
}

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

describe("drafts: two editors of the same draft", () => {
  dbTest("a save from a stale revision is CONFLICT naming who saved the newer one; nothing is overwritten", async ({ db }) => {
    const file = havenFile();
    const opts = { secretKey: TEST_SECRET_KEY, env: { HAVEN_WA_TOKEN: "t" }, actor: TEST_ACTOR };
    await applyTenantFile(db, file, opts);
    const ana = await seedUser(db, { role: "operator" });
    const bia = await seedUser(db, { role: "operator" });
    const tabA = callerFor(db, await sessionFor(db, ana.email, ana.password)).caller;
    const tabB = callerFor(db, await sessionFor(db, bia.email, bia.password)).caller;
    const scope = { tenantSlug: file.tenant.slug, agentSlug: "recepcao" };

    // Both tabs load the same draft.
    const loaded = await tabA.drafts.get(scope);
    expect(loaded.revision).toBeGreaterThan(0);
    const spec = loaded.spec as Record<string, unknown> & { agent: Record<string, unknown> };
    const base = { ...scope, baseVersion: loaded.baseVersion, expectedRevision: loaded.revision };

    // A renames the agent: saved, with the next revision.
    const savedA = await tabA.drafts.save({ ...base, spec: { ...spec, agent: { ...spec.agent, name: "Nome da A" } } });
    expect(savedA.revision).toBeGreaterThan(loaded.revision);

    // B, still on the old revision, changes the description: refused, naming A and when.
    const b = await refusal(tabB.drafts.save({ ...base, spec: { ...spec, description: "Descrição da B" } }));
    expect(b.code).toBe("CONFLICT");
    expect(b.userMessage).toContain(ana.email);
    expect(b.userMessage).toContain(savedA.updatedAt);
    expect(b.reason).toEqual({ code: "draft.stale", source: "console", by: ana.email, at: savedA.updatedAt });
    const kept = await tabB.drafts.get(scope);
    expect(kept).toMatchObject({ revision: savedA.revision, updatedBy: "user", updatedByLabel: ana.email });
    expect((kept.spec as typeof spec).agent.name).toBe("Nome da A");

    // From the newer revision, B's save goes through.
    const savedB = await tabB.drafts.save({ ...base, expectedRevision: kept.revision, spec: { ...(kept.spec as typeof spec), description: "Descrição da B" } });
    expect(savedB.revision).toBeGreaterThan(kept.revision);

    // An lx apply bumps the revision too: A's editor (at savedA) is refused rather than overwriting it.
    await applyTenantFile(db, { ...file, agents: file.agents.map((a) => ({ ...a, spec: { ...a.spec, goals: [...a.spec.goals, "Mais um"] } })) }, opts);
    const afterApply = await refusal(tabA.drafts.save({ ...base, expectedRevision: savedB.revision, spec }));
    expect(afterApply).toMatchObject({
      code: "CONFLICT",
      userMessage: expect.stringContaining("lx apply") as unknown,
      reason: { code: "draft.stale", source: "apply" },
    });

    // A save expecting no draft while there is one is refused; after a discard, a stale one is too.
    expect((await refusal(tabA.drafts.save({ ...base, expectedRevision: 0, spec }))).code).toBe("CONFLICT");
    const current = await tabA.drafts.get(scope);
    await tabB.drafts.discard(scope);
    const discarded = await refusal(tabA.drafts.save({ ...base, expectedRevision: current.revision, spec }));
    expect(discarded).toMatchObject({
      code: "CONFLICT",
      userMessage: expect.stringContaining("discarded") as unknown,
      reason: { code: "draft.discarded" },
    });
    expect(await tabA.drafts.get(scope)).toMatchObject({ source: "active", revision: 0 });
    // A starts a draft, B discards it and starts another: A, still on the discarded draft's first
    // revision, is refused (a per-row counter restarted B's draft at that same number, 1, and let
    // A's autosave replace it unwarned).
    const first = await tabA.drafts.save({ ...base, expectedRevision: 0, spec });
    await tabB.drafts.discard(scope);
    const fresh = await tabB.drafts.save({ ...base, expectedRevision: 0, spec: { ...spec, description: "Rascunho novo da B" } });
    expect(fresh.revision).not.toBe(first.revision);
    expect((await refusal(tabA.drafts.save({ ...base, expectedRevision: first.revision, spec }))).code).toBe("CONFLICT");
    expect((await tabA.drafts.get(scope)).spec).toMatchObject({ description: "Rascunho novo da B" });

    // Without expectedRevision (scripts, older callers) the last writer still wins.
    expect((await tabB.drafts.save({ ...scope, baseVersion: loaded.baseVersion, spec })).revision).toBeGreaterThan(fresh.revision);
  });
});

describe("drafts: the onboarding wizard's drafts and versions", () => {
  dbTest("name the wizard (and its operator), not lx apply, in the draft and the version's changelog", async ({ db }) => {
    const operator = await seedUser(db, { role: "operator" });
    const { caller } = callerFor(db, await sessionFor(db, operator.email, operator.password));
    const slug = `sol-${uniqueSuffix()}`;
    await caller.onboarding.create({
      tenant: { slug, name: "Clínica Sol" },
      agents: [{ slug: "atendimento", spec: minimalSpec }],
      numbers: [
        {
          phoneNumberId: `66${Date.now() % 1_000_000_000}`,
          displayPhoneNumber: "+55 11 96666-0001",
          accessToken: "EAAG-token",
          kind: "sandbox" as const,
        },
      ],
    });
    const scope = { tenantSlug: slug, agentSlug: "atendimento" };
    expect(await caller.drafts.get(scope)).toMatchObject({
      source: "draft",
      updatedBy: "wizard",
      updatedByLabel: operator.email,
    });
    const rows = await db.$client<{ version: string; changelog: string }[]>`
      select v.version, v.changelog from agent_versions v join agents a on a.id = v.agent_id
      join tenants t on t.id = a.tenant_id where t.slug = ${slug}`;
    expect(rows).toEqual([{ version: "1.0.0", changelog: WIZARD_CHANGELOG }]);
  });
});
