/**
 * `pnpm test`: every suite. vitest (unit + integration on real PostgreSQL: TEST_DATABASE_URL, else an
 * embedded server), the alerting rules' unit tests (Prometheus's `promtool`), then the Playwright
 * end-to-end suites when the console has them.
 * Extra arguments go to vitest alone (e.g. `pnpm test packages/db`).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);

function run(cmd: string, argv: string[], cwd = root): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(cmd, argv, { cwd, stdio: "inherit", env: process.env });
    p.on("error", (err: NodeJS.ErrnoException) => {
      process.stderr.write(`${cmd}: ${err.code === "ENOENT" ? "not found" : err.message}\n`);
      resolve(127);
    });
    p.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const bin = (name: string) => path.join(root, "node_modules/.bin", name);

let failed = false;
// The JSON report double-checks the exit code: vitest exits 0 on some configuration errors
// (e.g. a project setup error before any test ran), and a run with no tests is not a pass.
const report = path.join(os.tmpdir(), `lx-vitest-${process.pid}.json`);
const vitest = await run(bin("vitest"), ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...args]);
failed ||= vitest !== 0;
try {
  const r = JSON.parse(readFileSync(report, "utf8")) as { success: boolean; numTotalTests: number; numFailedTests: number };
  if (!r.success || r.numTotalTests === 0) {
    process.stderr.write(`vitest: success=${String(r.success)}, ${r.numTotalTests} tests, ${r.numFailedTests} failed\n`);
    failed = true;
  }
} catch {
  process.stderr.write("vitest wrote no JSON report: treating the run as failed\n");
  failed = true;
}

if (args.length === 0) {
  // deploy/prometheus-alerts.yml against synthetic series: each alert fires when it should, and not
  // otherwise (`pnpm check:alerts` alone).
  const alerts = await run("promtool", ["test", "rules", "deploy/prometheus-alerts.test.yml"]);
  if (alerts === 127) {
    process.stderr.write("the alert rules' tests need Prometheus's promtool: apt-get install prometheus (Debian)\n");
  }
  failed ||= alerts !== 0;
}

const e2eConfig = path.join(root, "apps/admin/playwright.config.ts");
if (args.length === 0 && existsSync(e2eConfig)) {
  const e2e = await run(bin("playwright"), ["test", "-c", e2eConfig]);
  failed ||= e2e !== 0;
}

process.exit(failed ? 1 : 0);
