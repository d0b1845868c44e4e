import { CLIENT, HAVEN, OTHER_TENANT } from "../../fixtures/data.ts";
import { getHavenDraft, resetHavenDraft } from "../../fixtures/drafts.ts";
import { expect, test } from "../../fixtures/test.ts";
import { ok, signIn, trpcMutation, trpcQuery } from "../../fixtures/trpc.ts";

const scope = { tenantSlug: HAVEN.slug, agentSlug: HAVEN.agent };

test.afterEach(async ({ operatorApi }) => {
  await resetHavenDraft(operatorApi);
});

test("[API]: drafts procedures refuse anonymous callers", async ({ anonymousApi }) => {
  for (const result of [
    await trpcQuery(anonymousApi, "drafts.get", scope),
    await trpcMutation(anonymousApi, "drafts.save", { ...scope, spec: { specVersion: 1 } }),
    await trpcMutation(anonymousApi, "drafts.discard", scope),
  ]) {
    expect(result.ok ? "ok" : result.error.code).toBe("UNAUTHORIZED");
  }
});

test("[API]: drafts procedures refuse clients, even of the same tenant", async ({ anonymousApi }) => {
  await signIn(anonymousApi, CLIENT);
  for (const result of [
    await trpcQuery(anonymousApi, "drafts.get", scope),
    await trpcMutation(anonymousApi, "drafts.save", { ...scope, spec: { specVersion: 1 } }),
    await trpcMutation(anonymousApi, "drafts.discard", scope),
  ]) {
    expect(result.ok ? "ok" : result.error.code).toBe("FORBIDDEN");
  }
});

test("[API]: an operator reads the live spec, saves an audited draft (even an invalid one) and discards it", async ({
  operatorApi,
}) => {
  const live = await getHavenDraft(operatorApi);
  expect(live.source).toBe("active");
  expect(live.baseVersion).toBe(live.activeVersion);

  const invalid = { ...live.spec, goals: [] };
  const saved = ok(
    await trpcMutation<{ updatedAt: string; valid: boolean; baseVersion: string | null }>(
      operatorApi,
      "drafts.save",
      {
        ...scope,
        spec: invalid,
        baseVersion: live.activeVersion,
      },
    ),
  );
  expect(saved.valid).toBe(false);
  expect(saved.baseVersion).toBe(live.activeVersion);
  const draft = await getHavenDraft(operatorApi);
  expect(draft.source).toBe("draft");
  expect(draft.spec.goals).toEqual([]);

  const audit = ok(
    await trpcQuery<{ items: { type: string; actorLabel: string; data: Record<string, unknown> }[] }>(
      operatorApi,
      "audit.list",
      { tenantSlug: HAVEN.slug, type: "draft.saved", limit: 1 },
    ),
  );
  expect(audit.items[0]).toMatchObject({
    type: "draft.saved",
    actorLabel: "operador@lx.local",
    data: { agentSlug: HAVEN.agent, valid: false },
  });

  expect(ok(await trpcMutation<{ discarded: boolean }>(operatorApi, "drafts.discard", scope)).discarded).toBe(
    true,
  );
  expect(ok(await trpcMutation<{ discarded: boolean }>(operatorApi, "drafts.discard", scope)).discarded).toBe(
    false,
  );
  expect((await getHavenDraft(operatorApi)).source).toBe("active");
});

test("[API]: drafts reject bad input and unknown tenants, agents and versions", async ({ operatorApi }) => {
  const cases: [string, unknown, string][] = [
    ["drafts.save", { ...scope, spec: ["not", "an", "object"] }, "BAD_REQUEST"],
    ["drafts.save", { ...scope, spec: "text" }, "BAD_REQUEST"],
    ["drafts.save", { ...scope, spec: {}, baseVersion: "one" }, "BAD_REQUEST"],
    ["drafts.save", { ...scope, spec: {}, baseVersion: "9.9.9" }, "NOT_FOUND"],
    ["drafts.save", { tenantSlug: "no-such-tenant", agentSlug: HAVEN.agent, spec: {} }, "NOT_FOUND"],
    ["drafts.discard", { tenantSlug: HAVEN.slug, agentSlug: "no-such-agent" }, "NOT_FOUND"],
  ];
  for (const [path, input, code] of cases) {
    const result = await trpcMutation(operatorApi, path, input);
    expect(result.ok ? "ok" : result.error.code, `${path} ${JSON.stringify(input)}`).toBe(code);
  }
  const unknownAgent = await trpcQuery(operatorApi, "drafts.get", {
    tenantSlug: OTHER_TENANT.slug,
    agentSlug: "nope",
  });
  expect(unknownAgent.ok ? "ok" : unknownAgent.error.code).toBe("NOT_FOUND");
});
