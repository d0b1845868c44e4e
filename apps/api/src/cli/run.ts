import { readFile, writeFile } from "node:fs/promises";
import type { Readable } from "node:stream";

import { Command, CommanderError, Option } from "commander";
import { and, eq, gt, sql } from "drizzle-orm";

import { closeDb, createDb, type Database } from "@lx/db/client";
import { migrationJournal, pendingMigrations, runMigrations } from "@lx/db/migrate";
import {
  activateVersion,
  applyTenantFile,
  cancelStaleWork,
  CLI_ACTOR,
  compileDraft,
  compileSpec,
  createPasswordLink,
  createUser,
  eraseCustomer,
  exportCustomer,
  getTestRun,
  listVersions,
  requestTestRun,
  requireAgent,
  requireTenant,
  requireUserByEmail,
  rollbackVersion,
  rotateStoredSecrets,
  setTenantRetention,
  setTenantStatus,
  setUserDisabled,
  setUserPassword,
  type ActivationResult,
  type ApplyReport,
  type TestRunDetail,
  type VersionDto,
} from "@lx/db/queries";
import { conversations, messages, phoneNumbers } from "@lx/db/schema";
import { inboundText, postWebhook } from "@lx/sandbox";
import { parseSecretKey } from "@lx/shared/crypto";
import { AppError, isAppError } from "@lx/shared/errors";
import {
  PASSWORD_LINK_TTL_HOURS,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  passwordLinkUrl,
  REPLAY_MAX_CONVERSATIONS,
  RETENTION_DAYS_MAX,
  RETENTION_DAYS_MIN,
  type TReplayConversation,
  type TTestCaseResult,
  ZPassword,
} from "@lx/shared/schemas";

import { defaultMailFrom } from "../env.ts";
import { sendPasswordLinkMail } from "../services/password-mail.ts";
import { loadCliEnv, processEnv } from "./env.ts";
import { formatCliError, isInvalidUrl, networkReason, readFailure, UserError, writeFailure } from "./errors.ts";

export type CliIo = {
  stdin: Readable;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Overrides the environment (tests). */
  env?: NodeJS.ProcessEnv;
};

async function readJsonFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw readFailure(file, err);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UserError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Writes an output file the user named (--out); a failure is one line naming the file. */
async function writeOutFile(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (err) {
    throw writeFailure(file, err);
  }
}

/** A whole number option (`--wait 15000`) within bounds, or a UserError naming the option. */
function intOption(name: string, value: string, min: number, max: number, unit: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UserError(`${name} must be a whole number of ${unit} from ${min} to ${max} (got "${value}")`);
  }
  return n;
}

/** A `--version` as the versions are named (`1.0.2`), or a UserError saying what it should be. */
function semverOption(value: string): string {
  if (!/^\d+\.\d+\.\d+$/.test(value)) {
    throw new UserError(`--version: "${value}" is not a semantic version (X.Y.Z, e.g. 1.0.2)`);
  }
  return value;
}

/** What `lx versions` prints in its approval column: the version's gate (docs/factory.md, approvalGate). */
const APPROVAL_LABEL: Record<VersionDto["approvalGate"], string> = {
  not_required: "not required",
  pending: "pending",
  approved: "approved",
  rejected: "rejected",
};

/** `command` is how the user ran it (e.g. `client create --tenant haven`), for the hint. */
async function readPassword(stdin: Readable, command: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  }
  const password = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  if (!password) {
    throw new UserError(`no password on standard input (e.g. \`echo 's3cret-pass' | pnpm lx ${command}\`)`);
  }
  // The console's rule (the one shared schema): 8–200 characters, not all spaces; never trimmed.
  const checked = ZPassword.safeParse(password);
  if (!checked.success) {
    throw new UserError(
      password.length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH
        ? `password must have ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`
        : "password must not be only spaces",
    );
  }
  return password;
}

/** The gates a forced activation went past, as `lx activate` prints them ("client approval pending: overridden"). */
function overriddenGates(r: ActivationResult): string[] {
  const gates: string[] = [];
  if (r.approval === "pending" || r.approval === "rejected") {
    gates.push(`client approval ${r.approval}: overridden`);
  }
  if (r.gate === "failed" || r.gate === "not_run") {
    gates.push(`regression gate ${r.gate === "failed" ? "failed" : "not run"}: overridden`);
  }
  return gates;
}

function formatReport(r: ApplyReport): string {
  const head = `${r.dryRun ? "[dry run] " : ""}tenant ${r.tenant}`;
  if (!r.changed) {
    return `${head}: no changes\n`;
  }
  // An "activation" change activates one of the agent's versions: "activated version recepcao (1.0.0 → 1.0.1)",
  // as "published version recepcao (1.0.1)" reads.
  const lines = r.changes.map(
    (c) => `  ${c.action.padEnd(9)} ${c.kind === "activation" ? "version" : c.kind} ${c.subject}${c.detail ? ` (${c.detail})` : ""}`,
  );
  const tail = r.dryRun ? "nothing was written (dry run)" : `${r.changes.length} change(s) applied`;
  return `${head}:\n${lines.join("\n")}\n${tail}\n`;
}

/** A finished run as `lx test` prints it: each case (or replayed reply) on a line, then the counts. */
function formatTestRun(run: TestRunDetail): string {
  const lines: string[] = [];
  if (run.kind === "cases") {
    for (const c of run.results as TTestCaseResult[]) {
      lines.push(`${c.passed ? "✓" : "✗"} ${c.name}`);
      for (const e of c.expectations.filter((x) => !x.passed)) {
        const what = "text" in e.expectation ? ` "${e.expectation.text}"` : "tool" in e.expectation ? ` ${e.expectation.tool}` : "";
        lines.push(`    ${e.expectation.kind}${what}: ${e.detail}`);
      }
      if (c.error) {
        lines.push(`    ${c.error}`);
      }
    }
    lines.push(`${run.summary?.passed ?? 0} of ${run.summary?.total ?? 0} test case(s) passed on ${run.version ?? "the draft"}`);
  } else {
    for (const conversation of run.results as TReplayConversation[]) {
      for (const r of conversation.replies) {
        lines.push(`${r.changed ? "changed" : "same   "} ${conversation.customer}: ${r.customer.replace(/\s+/g, " ").slice(0, 60)}`);
      }
    }
    lines.push(`${run.summary?.changed ?? 0} of ${run.summary?.total ?? 0} replayed replies changed on ${run.version ?? "the draft"}`);
  }
  return `${lines.join("\n")}\n`;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const env = io.env ?? processEnv();
  let db: Database | undefined;
  const cfg = () => loadCliEnv(env);
  /** The dev.json the database URL came from, for an error's message (never throws). */
  const devStateOf = (): string | undefined => {
    try {
      return cfg().devStateFile;
    } catch {
      return undefined;
    }
  };
  /** One line naming every variable a command needs and lacks. */
  const requireEnv = (...names: ("DATABASE_URL" | "LX_SECRET_KEY")[]) => {
    const c = cfg();
    const missing = names.filter((n) => !(n === "DATABASE_URL" ? c.databaseUrl : c.secretKey));
    if (missing.length > 0) {
      throw new UserError(`missing required environment variable${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}`);
    }
  };
  const databaseUrl = (): string => {
    const c = cfg();
    if (!c.databaseUrl) {
      throw new UserError("missing required environment variable: DATABASE_URL");
    }
    return c.databaseUrl;
  };
  /**
   * The database, once it answers and has every committed migration (as /readyz checks): a command
   * never runs, half, against an older schema.
   */
  const getDb = async (): Promise<Database> => {
    if (db) {
      return db;
    }
    const url = databaseUrl();
    try {
      db = createDb(url, { max: 2, applicationName: "lx-cli" });
    } catch (err) {
      throw isInvalidUrl(err) ? new UserError("DATABASE_URL is not a valid URL") : err;
    }
    const pending = await pendingMigrations(db);
    if (pending > 0) {
      throw new UserError(
        `the database has ${pending} pending migration${pending === 1 ? "" : "s"}${pending === migrationJournal().entries.length ? " (it was never migrated)" : ""}: run \`pnpm lx migrate\``,
      );
    }
    return db;
  };
  /** LX_SECRET_KEY, then LX_SECRET_KEY_PREVIOUS when set (a rotation in progress). */
  const getSecretKey = (): Buffer[] => {
    const c = cfg();
    if (!c.secretKey) {
      throw new UserError("missing required environment variable: LX_SECRET_KEY");
    }
    const parse = (name: string, text: string) => {
      try {
        return parseSecretKey(text);
      } catch (err) {
        throw new UserError(`${name}: ${(err as Error).message}`);
      }
    };
    const current = parse("LX_SECRET_KEY", c.secretKey);
    const previous = c.previousSecretKey ? parse("LX_SECRET_KEY_PREVIOUS", c.previousSecretKey) : undefined;
    return previous && !previous.equals(current) ? [current, previous] : [current];
  };
  const out = io.stdout;
  /**
   * The API's base URL when --url is not given: $PORT's on this machine, else the one `pnpm start`
   * recorded in its dev.json (when the database comes from there too), else port 3000.
   */
  const defaultApiUrl = (): string => {
    if (env.PORT) {
      return `http://127.0.0.1:${env.PORT}`;
    }
    const c = cfg();
    return (c.source === "dev" && c.apiUrl) || "http://127.0.0.1:3000";
  };
  const API_URL_DEFAULT = "$PORT's, or the one `pnpm start` recorded in .data/dev.json, else http://127.0.0.1:3000";

  const program = new Command("lx")
    .description("LX Agent Factory operator CLI")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();

  program
    .command("migrate")
    .description("apply pending database migrations")
    .action(async () => {
      let r: Awaited<ReturnType<typeof runMigrations>>;
      try {
        r = await runMigrations(databaseUrl());
      } catch (err) {
        throw isInvalidUrl(err) ? new UserError("DATABASE_URL is not a valid URL") : err;
      }
      out(r.applied === 0 ? `migrations up to date (${r.total})\n` : `applied ${r.applied} migration(s) (${r.total} in all)\n`);
    });

  program
    .command("apply")
    .description("create or update a tenant, its numbers, agents and specs from a JSON file (idempotent)")
    .argument("<file>", "apply file (see README)")
    .addOption(new Option("--bump <level>", "semver bump for changed agents").choices(["patch", "minor", "major"]).default("patch"))
    .option("--dry-run", "show what would change and write nothing", false)
    .option(
      "--force",
      "activate even where a gate holds a version back: the client's approval or the regression gate (audited)",
      false,
    )
    .action(async (file: string, opts: { bump: "patch" | "minor" | "major"; dryRun: boolean; force: boolean }) => {
      const input = await readJsonFile(file);
      requireEnv("DATABASE_URL", "LX_SECRET_KEY");
      const secretKey = getSecretKey();
      const report = await applyTenantFile(await getDb(), input, {
        bump: opts.bump,
        dryRun: opts.dryRun,
        force: opts.force,
        secretKey,
        env: io.env ?? processEnv(),
        actor: CLI_ACTOR,
      });
      out(formatReport(report));
    });

  program
    .command("compile")
    .description("validate and compile a spec; prints the bundle JSON (no database)")
    .argument("<spec>", "AgentSpec JSON file")
    .option("--out <file>", "write the bundle to a file instead of stdout")
    .action(async (file: string, opts: { out?: string }) => {
      const spec = await readJsonFile(file);
      const r = compileSpec(spec);
      if (!r.ok) {
        throw new UserError(`invalid spec ${file}:\n${r.errors.map((e) => `  ${e.path}: ${e.message}`).join("\n")}`);
      }
      const json = `${JSON.stringify(r.bundle, null, 2)}\n`;
      for (const w of r.bundle.warnings) {
        io.stderr(`warning: ${w}\n`);
      }
      if (opts.out) {
        await writeOutFile(opts.out, json);
        out(`wrote ${opts.out} (bundleHash ${r.bundle.bundleHash})\n`);
      } else {
        out(json);
      }
    });

  program
    .command("versions")
    .description("list an agent's versions; * marks the active one")
    .requiredOption("--tenant <slug>", "tenant slug")
    .requiredOption("--agent <slug>", "agent slug")
    .action(async (opts: { tenant: string; agent: string }) => {
      const d = await getDb();
      const tenant = await requireTenant(d, opts.tenant);
      const agent = await requireAgent(d, { tenantId: tenant.id, slug: opts.agent });
      const rows = await listVersions(d, { tenantId: tenant.id, agentId: agent.id });
      if (rows.length === 0) {
        out(`${opts.tenant}/${opts.agent}: no versions yet\n`);
        return;
      }
      // The approval column is the client's gate: "not required" on a tenant with no client login.
      out(`  ${"VERSION".padEnd(9)} ${"CREATED".padEnd(24)}  ${"BUNDLE".padEnd(12)}  ${"APPROVAL".padEnd(12)}  BY, CHANGELOG, TESTS\n`);
      for (const v of rows) {
        out(
          `${v.active ? "*" : " "} ${v.version.padEnd(9)} ${v.createdAt.toISOString()}  ${v.bundleHash.slice(0, 12)}  ${APPROVAL_LABEL[v.approvalGate].padEnd(12)}  ${v.createdByLabel}${v.changelog ? `  ${v.changelog}` : ""}${v.gate === "no_cases" ? "" : `  [tests: ${v.gate.replace("_", " ")}]`}\n`,
        );
      }
    });

  program
    .command("activate")
    .description("make a version the live one (audited)")
    .requiredOption("--tenant <slug>", "tenant slug")
    .requiredOption("--agent <slug>", "agent slug")
    .requiredOption("--version <x.y.z>", "version to activate")
    .option(
      "--force",
      "activate even though a gate holds the version back: the client has not approved it, or its tests failed or did not run (audited)",
      false,
    )
    .action(async (opts: { tenant: string; agent: string; version: string; force: boolean }) => {
      semverOption(opts.version);
      const d = await getDb();
      const tenant = await requireTenant(d, opts.tenant);
      const agent = await requireAgent(d, { tenantId: tenant.id, slug: opts.agent });
      const r = await activateVersion(d, { tenantId: tenant.id, agentId: agent.id, version: opts.version, actor: CLI_ACTOR, force: opts.force });
      const overridden = overriddenGates(r);
      const forced = overridden.length > 0 ? ` (${overridden.join("; ")})` : "";
      out(r.changed ? `activated ${opts.agent} ${r.from ?? "(none)"} → ${r.to}${forced}\n` : `${opts.agent} ${r.to} is already active\n`);
    });

  program
    .command("rollback")
    .description("go back to the version that was active before the current one (audited)")
    .requiredOption("--tenant <slug>", "tenant slug")
    .requiredOption("--agent <slug>", "agent slug")
    .action(async (opts: { tenant: string; agent: string }) => {
      const d = await getDb();
      const tenant = await requireTenant(d, opts.tenant);
      const agent = await requireAgent(d, { tenantId: tenant.id, slug: opts.agent });
      const r = await rollbackVersion(d, { tenantId: tenant.id, agentId: agent.id, actor: CLI_ACTOR });
      out(`rolled back ${opts.agent} ${r.from ?? "?"} → ${r.to}\n`);
    });

  program
    .command("test")
    .description("run the agent's test cases (or replay its latest conversations) against a version, or its saved draft, on the workers; wait and print the result")
    .requiredOption("--tenant <slug>", "tenant slug")
    .requiredOption("--agent <slug>", "agent slug")
    .option("--version <x.y.z>", "version to test")
    .option("--draft", "test the agent's saved draft instead (compiled and frozen in the run; its pass counts for the version published from it)")
    .option("--replay <n>", "replay the agent's latest n real conversations (1-20) instead of running its cases")
    .option("--timeout <seconds>", "how long to wait for the workers", "600")
    .action(async (opts: { tenant: string; agent: string; version?: string; draft?: boolean; replay?: string; timeout: string }) => {
      if ((opts.version === undefined) === (opts.draft !== true)) {
        throw new UserError("name what to test: --version X.Y.Z or --draft");
      }
      if (opts.version !== undefined) {
        semverOption(opts.version);
      }
      const replay = opts.replay === undefined ? null : Number(opts.replay);
      if (replay !== null && !(/^\s*\d+\s*$/.test(opts.replay ?? "") && Number.isInteger(replay) && replay >= 1 && replay <= REPLAY_MAX_CONVERSATIONS)) {
        throw new UserError(`--replay must be a whole number from 1 to ${REPLAY_MAX_CONVERSATIONS}`);
      }
      const timeoutMs = Number(opts.timeout) * 1000;
      if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
        throw new UserError("--timeout must be a positive number of seconds");
      }
      const d = await getDb();
      const tenant = await requireTenant(d, opts.tenant);
      const agent = await requireAgent(d, { tenantId: tenant.id, slug: opts.agent });
      const kind = replay === null ? ("cases" as const) : ("replay" as const);
      const common = { tenantId: tenant.id, agentId: agent.id, kind, replayLimit: replay ?? 10, actor: CLI_ACTOR };
      let queued: Awaited<ReturnType<typeof requestTestRun>>;
      try {
        queued =
          opts.version !== undefined
            ? await requestTestRun(d, { ...common, version: opts.version })
            : await requestTestRun(d, { ...common, draft: await compileDraft(d, { tenantId: tenant.id, agentId: agent.id }) });
      } catch (err) {
        // The query names the agent by id (its callers have no slug); the operator typed the slug.
        if (isAppError(err) && err.code === "INVALID_STATE" && kind === "cases" && err.message.includes(agent.id)) {
          throw new UserError(err.message.replace(`agent ${agent.id}`, `agent "${opts.agent}"`));
        }
        throw err;
      }
      await d.execute(sql`select pg_notify('lx_jobs', '')`);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const run = await getTestRun(d, { tenantId: tenant.id, agentId: agent.id, id: queued.id });
        if (run.status === "error") {
          throw new UserError(`test run ${run.id} failed: ${run.error ?? "unknown error"}`);
        }
        if (run.status === "done") {
          out(formatTestRun(run));
          if (run.kind === "cases" && !run.passed) {
            throw new UserError(`regression gate: ${run.summary?.failed ?? "?"} of ${run.summary?.total ?? "?"} test case(s) failed on ${opts.agent} ${run.version ?? "the draft"}`);
          }
          return;
        }
        if (Date.now() > deadline) {
          throw new UserError(`test run ${run.id} is still ${run.status} after ${opts.timeout} s (is a worker running?)`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    });

  program
    .command("operator")
    .description("operator accounts")
    .command("create")
    .description("create an operator; the password is read from standard input")
    .requiredOption("--email <email>", "e-mail")
    .action(async (opts: { email: string }) => {
      const password = await readPassword(io.stdin, `operator create --email ${opts.email}`);
      const u = await createUser(await getDb(), { email: opts.email, password, role: "operator", actor: CLI_ACTOR });
      out(`created operator ${u.email}\n`);
    });

  program
    .command("client")
    .description("client accounts (read-only access to one tenant)")
    .command("create")
    .description("create a client of a tenant; the password is read from standard input")
    .requiredOption("--tenant <slug>", "tenant slug")
    .requiredOption("--email <email>", "e-mail")
    .action(async (opts: { tenant: string; email: string }) => {
      const d = await getDb();
      const tenant = await requireTenant(d, opts.tenant);
      const password = await readPassword(io.stdin, `client create --tenant ${opts.tenant} --email ${opts.email}`);
      const u = await createUser(d, { email: opts.email, password, role: "client", tenantId: tenant.id, actor: CLI_ACTOR });
      out(`created client ${u.email} of ${tenant.slug}\n`);
    });

  // Accounts of either kind, by e-mail: the way back in when no operator can sign in to the console
  // (which does the same on its tenant and Operadores pages).
  const user = program.command("user").description("console accounts: new password, password link, disable, enable");
  user
    .command("password")
    .description("set a new password (read from standard input); the account's open sessions end")
    .requiredOption("--email <email>", "e-mail")
    .action(async (opts: { email: string }) => {
      const d = await getDb();
      const account = await requireUserByEmail(d, opts.email);
      const password = await readPassword(io.stdin, `user password --email ${opts.email}`);
      await setUserPassword(d, { userId: account.id, password, actor: CLI_ACTOR });
      out(`new password set for ${account.email}; its sessions ended\n`);
    });
  user
    .command("link")
    .description(`print a one-time link (valid ${PASSWORD_LINK_TTL_HOURS} h) for the account's owner to set their own password; older links stop working`)
    .requiredOption("--email <email>", "e-mail")
    .option("--url <url>", `the console's address, as the owner will open it (default: PUBLIC_URL, else the API's: ${API_URL_DEFAULT})`)
    .option("--send", "also e-mail it to the account (needs SMTP_URL; MAIL_FROM as for the API)")
    .action(async (given: { email: string; url?: string; send?: boolean }) => {
      const opts = { ...given, url: given.url ?? env.PUBLIC_URL ?? defaultApiUrl() };
      if (opts.send && !env.SMTP_URL) {
        throw new AppError("INVALID_INPUT", { message: "--send needs SMTP_URL (the mail relay) in the environment" });
      }
      const d = await getDb();
      const account = await requireUserByEmail(d, opts.email);
      const link = await createPasswordLink(d, { userId: account.id, actor: CLI_ACTOR, via: opts.send ? "email" : undefined });
      out(`${passwordLinkUrl(opts.url, link.token)}\n(for ${account.email}, valid until ${link.expiresAt}, once)\n`);
      if (opts.send && env.SMTP_URL) {
        const publicUrl = opts.url.replace(/\/+$/, "");
        const transport = { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM ?? defaultMailFrom(publicUrl), publicUrl };
        try {
          await sendPasswordLinkMail(transport, { to: link.email, name: link.name, token: link.token, expiresAt: link.expiresAt, purpose: "reset" });
          out(`e-mailed to ${link.email}\n`);
        } catch (err) {
          // The link above stands: the operator can still hand it over.
          throw new AppError("INVALID_STATE", { message: `the e-mail was not sent (${err instanceof Error ? err.message : String(err)}); the link above works` });
        }
      }
    });
  for (const disabled of [true, false]) {
    user
      .command(disabled ? "disable" : "enable")
      .description(disabled ? "no sign-in for the account; its open sessions end at once" : "give the account its sign-in back")
      .requiredOption("--email <email>", "e-mail")
      .action(async (opts: { email: string }) => {
        const d = await getDb();
        const account = await requireUserByEmail(d, opts.email);
        await setUserDisabled(d, { userId: account.id, disabled, actorUserId: null, actor: CLI_ACTOR });
        out(`${account.email} ${disabled ? "disabled" : "enabled"}\n`);
      });
  }

  program
    .command("secrets")
    .description("stored secrets (numbers' access tokens, tenants' webhook secrets and CRM tokens)")
    .command("rotate")
    .description(
      "seal every stored secret again with LX_SECRET_KEY, opening the old ones with LX_SECRET_KEY_PREVIOUS; one transaction, nothing written if any secret opens with neither",
    )
    .option("--dry-run", "count what would be sealed again and write nothing", false)
    .action(async (opts: { dryRun: boolean }) => {
      requireEnv("DATABASE_URL", "LX_SECRET_KEY");
      const keys = getSecretKey();
      const r = await rotateStoredSecrets(await getDb(), { keys, actor: CLI_ACTOR, dryRun: opts.dryRun });
      const verb = opts.dryRun ? "would seal" : "sealed";
      out(`${verb} ${r.resealed} secret(s) again with LX_SECRET_KEY; ${r.alreadyCurrent} already were\n`);
      if (!opts.dryRun && keys.length > 1) {
        out("LX_SECRET_KEY_PREVIOUS is no longer needed: remove it from every process's environment\n");
      }
    });

  program
    .command("restored")
    .description(
      "after restoring the database to an earlier point: cancel the replies, handoff notices and sends that were in flight then (audited), so that nobody gets a reply or notice twice or late",
    )
    .requiredOption("--point <time>", "the point the database was restored to (ISO 8601, e.g. 2026-11-26T03:00:00Z)")
    .option("--dry-run", "count what would be cancelled and write nothing", false)
    .action(async (opts: { point: string; dryRun: boolean }) => {
      const before = new Date(opts.point);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(opts.point) || Number.isNaN(before.getTime())) {
        throw new UserError("--point must be an ISO 8601 time with a date and a time, e.g. 2026-11-26T03:00:00Z");
      }
      if (before.getTime() > Date.now()) {
        throw new UserError("--point is in the future: give the time the backup was taken");
      }
      const r = await cancelStaleWork(await getDb(), { before, actor: CLI_ACTOR, dryRun: opts.dryRun });
      out(`${opts.dryRun ? "would cancel" : "cancelled"} ${r.jobs} reply or handoff job(s) and ${r.sends} send(s) from before ${before.toISOString()}\n`);
    });

  const tenantCmd = program.command("tenant").description("a tenant's bot: pause it, archive it, resume it");
  for (const [name, status, what] of [
    ["pause", "paused", "the bot answers nobody on the tenant's Meta numbers and sends no reminders; messages still arrive in the inbox"],
    ["archive", "archived", "as pause, for a client who left"],
    ["resume", "active", "the bot answers again"],
  ] as const) {
    tenantCmd
      .command(name)
      .description(what)
      .requiredOption("--tenant <slug>", "tenant slug")
      .action(async (opts: { tenant: string }) => {
        const d = await getDb();
        const tenant = await requireTenant(d, opts.tenant);
        const r = await setTenantStatus(d, { tenantId: tenant.id, status, actor: CLI_ACTOR });
        out(`${tenant.slug}: ${status}${r.changed ? "" : " (already)"}\n`);
      });
  }

  // A data subject's request (LGPD art. 18), as the console's tenant page answers it: the customer
  // is named by their WhatsApp number (any notation) or Meta user id.
  const customer = program.command("customer").description("a customer's data: export it, erase it (LGPD)");
  customer
    .command("export")
    .description("everything the tenant keeps about a customer, as JSON (audited customer.exported)")
    .requiredOption("--tenant <slug>", "tenant slug")
    .requiredOption("--customer <number>", "WhatsApp number (any notation) or Meta user id")
    .option("--out <file>", "write the JSON here instead of standard output")
    .action(async (opts: { tenant: string; customer: string; out?: string }) => {
      const d = await getDb();
      const tenant = await requireTenant(d, opts.tenant);
      const doc = await exportCustomer(d, { tenantId: tenant.id, customer: opts.customer, actor: CLI_ACTOR });
      const json = `${JSON.stringify(doc, null, 2)}\n`;
      if (opts.out) {
        await writeOutFile(opts.out, json);
        out(`${doc.conversations.length} conversation(s) written to ${opts.out}\n`);
      } else {
        out(json);
      }
    });
  customer
    .command("erase")
    .description("erase a customer's data for good: texts, name, number, summaries, booking and deal details (audited customer.erased)")
    .requiredOption("--tenant <slug>", "tenant slug")
    .requiredOption("--customer <number>", "WhatsApp number (any notation) or Meta user id")
    .option("--yes", "confirm: the erasure cannot be undone")
    .action(async (opts: { tenant: string; customer: string; yes?: boolean }) => {
      if (!opts.yes) {
        throw new UserError("erasing a customer's data cannot be undone: add --yes to confirm");
      }
      const d = await getDb();
      const tenant = await requireTenant(d, opts.tenant);
      const r = await eraseCustomer(d, { tenantId: tenant.id, customer: opts.customer, actor: CLI_ACTOR });
      out(
        `erased ${r.conversationIds.length} conversation(s), ${r.messages} message(s); ` +
          `${r.appointmentsCancelled} upcoming appointment(s) cancelled\n`,
      );
      if (r.testCasesDeleted.length > 0) {
        const agents = [...new Set(r.testCasesDeleted.map((c) => c.agentSlug))].join(", ");
        out(`  ${r.testCasesDeleted.length} test case(s) copied from their conversations deleted (agent ${agents}): run the tests again\n`);
      }
      for (const x of r.external) {
        out(`  still to erase in the tenant's own system: ${x.kind} ${x.system}${x.externalId ? ` ${x.externalId}` : ""}\n`);
      }
      // What went out before, and the platform cannot call back (docs/privacy.md, "cannot erase").
      out(
        "  not erased, outside the platform: what the tenant's webhook receivers were sent — handoff notices " +
          "(the customer's name and number, the reason and the recent messages, verbatim) and n8n/Make calendar " +
          "and CRM calls (their number and name, the tool's arguments); Meta's own copies (WhatsApp)\n",
      );
    });

  program
    .command("retention")
    .description("how long a tenant's conversations are kept after their last message (then erased by the workers)")
    .requiredOption("--tenant <slug>", "tenant slug")
    .requiredOption("--days <n|off>", `days (${RETENTION_DAYS_MIN}–${RETENTION_DAYS_MAX}), or "off" to keep them until erased by hand`)
    .action(async (opts: { tenant: string; days: string }) => {
      const days = opts.days === "off" ? null : Number(opts.days);
      if (days !== null && !(Number.isInteger(days) && days >= RETENTION_DAYS_MIN && days <= RETENTION_DAYS_MAX)) {
        throw new UserError(`--days must be a whole number from ${RETENTION_DAYS_MIN} to ${RETENTION_DAYS_MAX}, or "off"`);
      }
      const d = await getDb();
      const tenant = await requireTenant(d, opts.tenant);
      await setTenantRetention(d, { tenantId: tenant.id, days, actor: CLI_ACTOR });
      out(days === null ? `${tenant.slug}: conversations kept until erased by hand\n` : `${tenant.slug}: conversations kept ${days} day(s) after their last message\n`);
    });

  program
    .command("sandbox")
    .description("the Meta sandbox of `pnpm start`")
    .command("say")
    .description("post a signed customer message to a tenant's sandbox number (as Meta would) and print the bot's answer")
    .requiredOption("--tenant <slug>", "tenant slug")
    .requiredOption("--text <text>", "what the customer says")
    .option("--wa-id <id>", "the customer's WhatsApp id", "5511900000000")
    .option("--url <url>", `the API's base URL (default: ${API_URL_DEFAULT})`)
    .option("--wait <ms>", "how long to wait for the answer", "15000")
    .action(async (given: { tenant: string; text: string; waId: string; url?: string; wait: string }) => {
      const opts = { ...given, url: given.url ?? defaultApiUrl() };
      const waitMs = intOption("--wait", opts.wait, 1, 600_000, "milliseconds");
      const base = opts.url.replace(/\/+$/, "");
      if (!URL.canParse(base) || !/^https?:$/.test(new URL(base).protocol)) {
        throw new UserError(`--url must be an http(s) URL (got "${opts.url}")`);
      }
      const d = await getDb();
      const tenant = await requireTenant(d, opts.tenant);
      const [number] = await d
        .select({ phoneNumberId: phoneNumbers.phoneNumberId, id: phoneNumbers.id })
        .from(phoneNumbers)
        .where(and(eq(phoneNumbers.tenantId, tenant.id), eq(phoneNumbers.kind, "sandbox")))
        .limit(1);
      if (!number) {
        throw new UserError(`tenant "${opts.tenant}" has no sandbox number`);
      }
      const started = new Date();
      let res: Awaited<ReturnType<typeof postWebhook>>;
      try {
        res = await postWebhook(
          `${base}/api/webhooks/whatsapp`,
          env.META_APP_SECRET ?? "lx-dev-app-secret",
          inboundText({ phoneNumberId: number.phoneNumberId, waId: opts.waId, name: "Sandbox", text: opts.text }),
        );
      } catch (err) {
        const net = networkReason(err);
        if (net) {
          throw new UserError(`cannot reach the API at ${base} (${net.reason}): is \`pnpm start\` running?`);
        }
        throw err;
      }
      if (res.status !== 200) {
        throw new UserError(`the webhook answered ${res.status}: ${res.text}`);
      }
      const deadline = Date.now() + waitMs;
      while (Date.now() < deadline) {
        const replies = await d
          .select({ body: messages.body, author: messages.author })
          .from(messages)
          .innerJoin(conversations, eq(conversations.id, messages.conversationId))
          .where(
            and(
              eq(conversations.phoneNumberId, number.id),
              eq(conversations.customerKey, opts.waId),
              eq(messages.direction, "out"),
              gt(messages.createdAt, started),
            ),
          )
          .orderBy(messages.id);
        if (replies.length > 0) {
          for (const r of replies) {
            out(`${r.author}: ${r.body}\n`);
          }
          return;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new UserError(`no answer within ${opts.wait} ms (is the worker running?)`);
    });

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; usage errors were already printed by commander.
      return err.exitCode === 0 ? 0 : 1;
    }
    // One line for what the user can act on (their input, the database, a file); a stack only for a bug.
    io.stderr(formatCliError(err, { devStateFile: devStateOf() }));
    return 1;
  } finally {
    if (db) {
      await closeDb(db);
    }
  }
}
