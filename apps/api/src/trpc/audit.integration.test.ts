import { describe, expect } from "vitest";

import { insertAuditEvent } from "@lx/db/queries";
import { dbTest, seedAgent, seedNumber, seedTenant, seedUser } from "@lx/db/testing";

import { callerFor, sessionFor } from "../testing/harness.ts";

describe("audit.list subjects", () => {
  dbTest(
    "names each subject (tenant name, user e-mail, number's display phone, agent slug) for the whole page, and keeps the full id",
    async ({ db }) => {
      const tenant = await seedTenant(db, { name: "Haven Pilates" });
      const { agent } = await seedAgent(db, { tenantId: tenant.id, slug: "recepcao" });
      const number = await seedNumber(db, { tenantId: tenant.id, phoneNumberId: "100000000000001" });
      const operator = await seedUser(db, { role: "operator" });
      const actor = { type: "user" as const, id: operator.id, label: operator.email };
      const subjects = [
        { subjectType: "tenant", subjectId: tenant.id },
        { subjectType: "user", subjectId: operator.id },
        { subjectType: "phone_number", subjectId: number.phoneNumberId },
        { subjectType: "phone_number", subjectId: number.id },
        { subjectType: "agent", subjectId: agent.id },
        // A subject that is gone: no name, the full id stays.
        { subjectType: "phone_number", subjectId: "199999999999999" },
        { subjectType: "job", subjectId: "42" },
      ];
      for (const [i, s] of subjects.entries()) {
        await insertAuditEvent(db, { tenantId: tenant.id, actor, type: `test.subject_${i}`, ...s });
      }
      const { caller } = callerFor(db, await sessionFor(db, operator.email, operator.password));
      const page = await caller.audit.list({ tenantSlug: tenant.slug, type: "test.", limit: 100 });
      expect(
        [...page.items].reverse().map((e) => [e.subjectType, e.subjectId, e.subjectLabel]),
      ).toEqual([
        ["tenant", tenant.id, "Haven Pilates"],
        ["user", operator.id, operator.email],
        ["phone_number", "100000000000001", number.displayPhoneNumber],
        ["phone_number", number.id, number.displayPhoneNumber],
        ["agent", agent.id, "recepcao"],
        ["phone_number", "199999999999999", null],
        ["job", "42", null],
      ]);
    },
  );
});
