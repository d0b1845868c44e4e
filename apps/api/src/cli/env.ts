import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The CLI's configuration. DATABASE_URL and LX_SECRET_KEY come from the environment; on a laptop
 * where `pnpm start` runs the embedded PostgreSQL, they fall back to what it wrote in .data/dev.json
 * (LX_DATA_DIR/dev.json), which also names the API's URL.
 */
export type CliEnv = {
  databaseUrl?: string;
  secretKey?: string;
  previousSecretKey?: string;
  /** The API `pnpm start` runs (source "dev" only): `lx sandbox say`'s and `lx user link`'s default. */
  apiUrl?: string;
  source: "env" | "dev" | "none";
  /** The dev.json read (source "dev"), as the user would name it: for messages. */
  devStateFile?: string;
};

/** `pnpm start`'s state file, in its data directory (`.data`, or LX_DATA_DIR as for `pnpm start`). */
export function devStateFile(source: NodeJS.ProcessEnv = process.env, root = findRepoRoot()): string {
  return path.resolve(root, source.LX_DATA_DIR ?? ".data", "dev.json");
}

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
  const root = findRepoRoot();
  const file = devStateFile(source, root);
  if (existsSync(file)) {
    const dev = JSON.parse(readFileSync(file, "utf8")) as { databaseUrl?: string; secretKey?: string; apiUrl?: string };
    return {
      databaseUrl: dev.databaseUrl,
      secretKey: source.LX_SECRET_KEY ?? dev.secretKey,
      previousSecretKey: source.LX_SECRET_KEY_PREVIOUS,
      apiUrl: dev.apiUrl,
      source: "dev",
      devStateFile: file.startsWith(root + path.sep) ? path.relative(root, file) : file,
    };
  }
  return { secretKey: source.LX_SECRET_KEY, previousSecretKey: source.LX_SECRET_KEY_PREVIOUS, source: "none" };
}

/** Everything the CLI process may read from its environment (env:NAME references in apply files). */
export function processEnv(): Record<string, string | undefined> {
  return process.env;
}
