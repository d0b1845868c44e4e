/**
 * The admin SPA imports "@lx/shared/schemas" only: that graph must stay free of node:* modules and of
 * the compiler; "@lx/shared" must not re-export crypto.
 */
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import * as shared from "./index.ts";

const srcDir = dirname(fileURLToPath(import.meta.url));

/** Every module reachable from `entry` through relative imports, with its bare imports. */
function importGraph(entry: string): { files: string[]; bare: string[] } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) {
      return;
    }
    files.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/gm)) {
      const specifier = match[1] ?? "";
      if (specifier.startsWith(".")) {
        visit(resolve(dirname(file), specifier));
      } else {
        bare.add(specifier);
      }
    }
  };
  visit(entry);
  return { files: [...files], bare: [...bare] };
}

describe("entry points", () => {
  it("@lx/shared/schemas pulls in only zod", () => {
    const graph = importGraph(join(srcDir, "schemas", "index.ts"));
    expect(graph.bare).toEqual(["zod"]);
    expect(graph.files.every((file) => file.includes(`${join(srcDir, "schemas")}`))).toBe(true);
  });

  it("@lx/shared/errors (read by the console for reasons) imports no package: errors.ts and reasons.ts only", () => {
    const graph = importGraph(join(srcDir, "errors.ts"));
    expect(graph.bare).toEqual([]);
    expect(graph.files.map((file) => file.slice(srcDir.length + 1)).sort()).toEqual(["errors.ts", "reasons.ts"]);
  });

  it("@lx/shared/domain does no I/O: no node:* module anywhere in its import graph", () => {
    const domainFiles = readdirSync(join(srcDir, "domain")).filter((file) => !file.endsWith(".test.ts"));
    for (const file of domainFiles) {
      const graph = importGraph(join(srcDir, "domain", file));
      expect(graph.bare.filter((specifier) => specifier.startsWith("node:"))).toEqual([]);
      expect(graph.files.filter((path) => path.endsWith(join("compiler", "hash.ts")))).toEqual([]);
    }
  });

  it("@lx/shared exposes schemas, compiler, domain and errors but not crypto", () => {
    expect(typeof shared.parseAgentSpec).toBe("function");
    expect(typeof shared.compile).toBe("function");
    expect(typeof shared.diffBundles).toBe("function");
    expect(typeof shared.nextVersion).toBe("function");
    expect(typeof shared.AppError).toBe("function");
    expect("encryptSecret" in shared).toBe(false);
    expect("hashPassword" in shared).toBe(false);
  });
});
