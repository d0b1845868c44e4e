/**
 * `pnpm test`: every suite. vitest (unit + integration on real PostgreSQL: TEST_DATABASE_URL, else an
 * embedded server), then the Playwright end-to-end suites when the console has them.
 * Extra arguments go to vitest (e.g. `pnpm test packages/db`).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);

function run(cmd: string, argv: string[], cwd = root): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(cmd, argv, { cwd, stdio: "inherit", env: process.env });
    p.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const bin = (name: string) => path.join(root, "node_modules/.bin", name);

let failed = false;
const vitest = await run(bin("vitest"), ["run", ...args]);
failed ||= vitest !== 0;

const e2eConfig = path.join(root, "apps/admin/playwright.config.ts");
if (args.length === 0 && existsSync(e2eConfig)) {
  const e2e = await run(bin("playwright"), ["test", "-c", e2eConfig]);
  failed ||= e2e !== 0;
}

process.exit(failed ? 1 : 0);
