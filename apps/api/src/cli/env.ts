import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The CLI's configuration. DATABASE_URL and LX_SECRET_KEY come from the environment; on a laptop
 * where `pnpm start` runs the embedded PostgreSQL, they fall back to what it wrote in .data/dev.json.
 */
export type CliEnv = { databaseUrl?: string; secretKey?: string; previousSecretKey?: string; source: "env" | "dev" | "none" };

export const DEV_STATE_FILE = ".data/dev.json";

export function findRepoRoot(from = process.cwd()): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, "pnpm-workspace.yaml"))) {
      return dir;
    }
    const up = path.dirname(dir);
    if (up === dir) {
      return from;
    }
    dir = up;
  }
}

export function loadCliEnv(source: NodeJS.ProcessEnv = process.env): CliEnv {
  if (source.DATABASE_URL) {
    return { databaseUrl: source.DATABASE_URL, secretKey: source.LX_SECRET_KEY, previousSecretKey: source.LX_SECRET_KEY_PREVIOUS, source: "env" };
  }
  const file = path.join(findRepoRoot(), DEV_STATE_FILE);
  if (existsSync(file)) {
    const dev = JSON.parse(readFileSync(file, "utf8")) as { databaseUrl?: string; secretKey?: string };
    return { databaseUrl: dev.databaseUrl, secretKey: source.LX_SECRET_KEY ?? dev.secretKey, previousSecretKey: source.LX_SECRET_KEY_PREVIOUS, source: "dev" };
  }
  return { secretKey: source.LX_SECRET_KEY, previousSecretKey: source.LX_SECRET_KEY_PREVIOUS, source: "none" };
}

/** Everything the CLI process may read from its environment (env:NAME references in apply files). */
export function processEnv(): Record<string, string | undefined> {
  return process.env;
}
