import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { sourceFiles } from "../testing/sources.ts";
import { isPlatformActorLabel, PLATFORM_ACTOR_LABELS, PLATFORM_ACTORS } from "./audit.ts";

describe("the platform's own audit actors", () => {
  it("are recorded by fixed labels, each once, matched whole", () => {
    expect([...PLATFORM_ACTOR_LABELS].sort()).toEqual(["cli", "meta", "password reset by e-mail", "scheduler", "system"]);
    expect(isPlatformActorLabel("cli")).toBe(true);
    expect(isPlatformActorLabel("cliente@lx.test")).toBe(false);
    expect(isPlatformActorLabel("worker-3f2a")).toBe(false);
    expect(PLATFORM_ACTORS.scheduler).toEqual({ type: "worker", label: "scheduler" });
  });

  it("are spelled in one place: no other source writes an actor with one of their labels", () => {
    const here = fileURLToPath(new URL("./audit.ts", import.meta.url));
    const labels = PLATFORM_ACTOR_LABELS.map((label) => label.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&")).join("|");
    const spelled = new RegExp(`label:\\s*"(?:${labels})"`);
    const copies = sourceFiles().filter((file) => file !== here && spelled.test(readFileSync(file, "utf8")));
    expect(copies).toEqual([]);
  });
});
