/**
 * The repository's own TypeScript sources, for tests that check a definition exists once (a pattern
 * no other file spells). Node only: tests read it, never the apps.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Every TypeScript source under apps/<app>/src and packages/<package>/src, by absolute path (tests left out). */
export function sourceFiles(): string[] {
  const root = fileURLToPath(new URL("../../../../", import.meta.url));
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && entry.name !== "dist") {
          walk(path);
        }
      } else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
        files.push(path);
      }
    }
  };
  for (const group of ["apps", "packages"]) {
    for (const pkg of readdirSync(join(root, group), { withFileTypes: true })) {
      if (pkg.isDirectory()) {
        const src = join(root, group, pkg.name, "src");
        if (existsSync(src)) {
          walk(src);
        }
      }
    }
  }
  return files;
}
