import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { PLATFORM_ACTOR_LABELS } from "@lx/shared/schemas";

import { auditActorsEn, auditActorsPtBR, auditEventsEn, auditEventsPtBR } from "./audit-events.ts";
import { MESSAGES } from "./messages.ts";

const ROOT = join(import.meta.dirname, "../../../../..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === "node_modules" || name === "testing") {
      return [];
    }
    if (statSync(path).isDirectory()) {
      return sources(path);
    }
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [path] : [];
  });
}

/** Every dotted type literal on a `type:` line of a file that writes audit events. */
function writtenTypes(): string[] {
  const types = new Set<string>();
  for (const dir of ["apps/api/src", "apps/worker/src", "packages/db/src"]) {
    for (const file of sources(join(ROOT, dir))) {
      const text = readFileSync(file, "utf8");
      if (!/insert(Tenant)?AuditEvent\(/.test(text)) {
        continue;
      }
      for (const line of text.split("\n")) {
        if (/\btype:/.test(line)) {
          for (const m of line.matchAll(/"([a-z_]+\.[a-z_]+)"/g)) {
            types.add(m[1] ?? "");
          }
        }
      }
    }
  }
  return [...types].sort();
}

describe("audit event summaries", () => {
  it("every type the code writes has a summary in both languages", () => {
    const types = writtenTypes();
    expect(types.length).toBeGreaterThan(50);
    expect(types.filter((type) => !auditEventsPtBR[type])).toEqual([]);
    expect(types.filter((type) => !auditEventsEn[type])).toEqual([]);
  });

  it("both languages have the same keys", () => {
    expect(Object.keys(auditEventsEn).sort()).toEqual(Object.keys(auditEventsPtBR).sort());
    expect(Object.keys(auditActorsEn).sort()).toEqual(Object.keys(auditActorsPtBR).sort());
  });

  it("the platform's own actor labels are translated: each of PLATFORM_ACTORS, no other", () => {
    expect(auditActorsPtBR["password reset by e-mail"]).toBe("redefinição de senha por e-mail");
    expect(Object.keys(auditActorsPtBR).sort()).toEqual([...PLATFORM_ACTOR_LABELS].sort());
    // The system, the CLI and Meta are said as their kinds are (one word for each).
    expect(auditActorsPtBR.system).toBe(MESSAGES["pt-BR"].audit.actorTypes.system);
    expect(auditActorsEn.meta).toBe(MESSAGES.en.audit.actorTypes.meta);
  });
});
