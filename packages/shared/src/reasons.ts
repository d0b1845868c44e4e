/**
 * Why the API refused something, as data: a closed set of reason codes, each with its typed
 * parameters. An `AppError` carries one (`reason`), the API sends it in `data.appError.reason`, and
 * the console words it in its own language (apps/admin/src/lib/i18n/reasons.ts, a `ReasonTexts` map
 * the type checker holds exhaustive). The English `userMessage` the CLI and API clients read is
 * derived from the reason here, in one place, so the two never disagree.
 *
 * No imports: the console's bundle reads this module (through "@lx/shared/errors").
 */

type NoParams = Record<never, never>;

/** Each reason code with its parameters. Add a code here, then its English and console texts. */
export type ReasonParams = {
  /** Any input with U+0000, refused before the procedure runs (PostgreSQL cannot store it). */
  "input.nul_character": NoParams;
  /** "Esqueceu a senha?" on a server without SMTP_URL. */
  "auth.reset_unavailable": NoParams;
  /** An operator asked to e-mail a password link on a server without SMTP_URL. */
  "users.no_email": NoParams;
  /** A one-time password link that is missing, expired, used, or of a disabled account. */
  "password_link.invalid": NoParams;
  "sandbox.off": NoParams;
  "sandbox.no_number": NoParams;
  "operations.job_not_dead": NoParams;
  "operations.send_not_retryable": NoParams;
  /** Publishing a bundle equal to the latest version's. */
  "version.unchanged": NoParams;
  "version.not_found": { version: string };
  "rollback.nothing_live": NoParams;
  /** `version` is the live one: nothing was live before it. */
  "rollback.nothing_before": { version: string };
  /** The live version (and so the rollback's target) is not the one the caller confirmed. */
  "rollback.live_changed": { live: string; restore: string };
  /** Activation held back by the client's rejection (with the client's note, if any). */
  "approval.rejected": { version: string; note: string | null };
  /** Activation held back: the client has not decided yet. */
  "approval.pending": { version: string };
  /** An operator tried to approve or reject: only the tenant's client does. */
  "approval.client_only": NoParams;
  /** Activation held back by the regression gate: the latest test run of the version failed. */
  "regression.failed": { version: string };
  /** Activation held back by the regression gate: the test cases were not run on the version. */
  "regression.not_run": { version: string };
  "test_cases.limit": { max: number };
  "test_cases.name_taken": { name: string };
  /** A test case copied from a conversation whose customer data was erased. */
  "test_cases.source_erased": NoParams;
  /** A test run of the cases of an agent that has none. */
  "test_runs.no_cases": NoParams;
  /** A save from a stale revision: the draft was discarded since. */
  "draft.discarded": NoParams;
  /**
   * A save from a stale revision: someone saved a newer draft, at `at` (ISO 8601), through the
   * console or the onboarding wizard (`by`: their e-mail, null if unknown) or `lx apply`.
   */
  "draft.stale": { source: "console" | "wizard" | "apply"; by: string | null; at: string };
  /** The agent has no saved draft (to compile or test). */
  "draft.none": NoParams;
  /** The saved draft does not compile. */
  "draft.invalid": NoParams;
  /** The onboarding intake does not validate (paths and messages of the apply file's schema, in English). */
  "onboarding.invalid": { errors: { path: string; message: string }[] };
  "onboarding.slug_taken": { slug: string };
  /**
   * A phone_number_id of the intake is registered already: which one and its index in `numbers`
   * when known (not when a concurrent request registered it meanwhile).
   */
  "onboarding.number_taken": { phoneNumberId?: string; index?: number };
  /** Something else of the intake was created meanwhile by a concurrent request. */
  "onboarding.raced": NoParams;
};

export type ReasonCode = keyof ReasonParams;

/** One reason: its `code` and that code's parameters, side by side. */
export type Reason = { [K in ReasonCode]: { code: K } & ReasonParams[K] }[ReasonCode];

export type ReasonOf<K extends ReasonCode> = Extract<Reason, { code: K }>;

/** A text for every reason, in one language: a `Record` over the codes, so none can be missing. */
export type ReasonTexts = { readonly [K in ReasonCode]: (reason: ReasonOf<K>) => string };

/** The English sentence of each reason: the API's `userMessage` (read by `lx` and API clients). */
export const REASON_USER_MESSAGES: ReasonTexts = {
  "input.nul_character": () =>
    "The text contains an invalid character (NUL, U+0000). Remove it and try again.",
  "auth.reset_unavailable": () =>
    "Password reset by e-mail is not available here: ask your agency for a link.",
  "users.no_email": () => "This server sends no e-mail: copy the link and send it yourself.",
  "password_link.invalid": () =>
    "This link is invalid, expired or already used: ask your agency for a new one.",
  "sandbox.off": () => "The Meta sandbox is off on this server (LX_SANDBOX).",
  "sandbox.no_number": () =>
    "No sandbox number reaches this agent: the test chat only writes to numbers of kind sandbox.",
  "operations.job_not_dead": () => "Only dead jobs can be retried.",
  "operations.send_not_retryable": () => "Only dead, blocked or failed sends can be retried.",
  "version.unchanged": () => "Nothing changed since the latest version.",
  "version.not_found": ({ version }) => `Version ${version} does not exist.`,
  "rollback.nothing_live": () => "Nothing to roll back: no version of this agent is live.",
  "rollback.nothing_before": ({ version }) =>
    `Nothing to roll back to: no version was live before v${version}.`,
  "rollback.live_changed": ({ live, restore }) =>
    `The live version changed meanwhile: v${live} is live now, and rolling back would restore v${restore}. Review the list and try again.`,
  "approval.rejected": ({ version, note }) =>
    `Client approval: version ${version} cannot go live, the client rejected it${note ? ` ("${note}")` : ""}. Ask the client to approve it, or activate anyway.`,
  "approval.pending": ({ version }) =>
    `Client approval: version ${version} cannot go live, the client has not approved it yet. Ask the client to approve it, or activate anyway.`,
  "approval.client_only": () =>
    "Only the client approves or rejects versions. To put a version live without the client's approval, activate it anyway (the override is audited).",
  "regression.failed": ({ version }) =>
    `Regression gate: version ${version} cannot go live, its latest test run failed. Run the tests, or activate anyway.`,
  "regression.not_run": ({ version }) =>
    `Regression gate: version ${version} cannot go live, its test cases have not been run on it. Run the tests, or activate anyway.`,
  "test_cases.limit": ({ max }) => `An agent may have at most ${max} test cases.`,
  "test_cases.name_taken": ({ name }) => `A test case named "${name}" already exists.`,
  "test_cases.source_erased": () =>
    "This conversation's customer data was erased: its messages cannot become a test case.",
  "test_runs.no_cases": () => "This agent has no test cases yet: add one first.",
  "draft.discarded": () =>
    "The draft was discarded by someone else after you opened it: reload it before saving.",
  "draft.stale": ({ source, by, at }) => {
    const who =
      source === "apply"
        ? "lx apply"
        : `${by ?? "someone"}${source === "wizard" ? " (onboarding wizard)" : ""}`;
    return `A newer draft was saved by ${who} at ${at}: load it before saving.`;
  },
  "draft.none": () => "This agent has no draft: edit its spec first.",
  "draft.invalid": () => "The draft has errors: fix them in the spec editor first.",
  "onboarding.invalid": ({ errors }) => errors.map((e) => `${e.path}: ${e.message}`).join("; "),
  "onboarding.slug_taken": ({ slug }) => `tenant.slug: "${slug}" is already taken`,
  "onboarding.number_taken": ({ phoneNumberId, index }) =>
    phoneNumberId === undefined || index === undefined
      ? "numbers: a phone_number_id of the intake is already registered"
      : `numbers.${index}.phoneNumberId: ${phoneNumberId} is already registered`,
  "onboarding.raced": () =>
    "Something in this intake was created meanwhile by someone else: reload and check before creating it again.",
};

export const REASON_CODES = Object.keys(REASON_USER_MESSAGES) as ReasonCode[];

export function isReasonCode(value: unknown): value is ReasonCode {
  return typeof value === "string" && Object.hasOwn(REASON_USER_MESSAGES, value);
}

/**
 * A reason received over the wire: an object whose `code` is one of ours. Its parameters are the
 * server's (same release as this module); a code this build does not know is not a reason.
 */
export function isReason(value: unknown): value is Reason {
  return typeof value === "object" && value !== null && isReasonCode((value as { code?: unknown }).code);
}

/** The reason's sentence in `texts` (one language's `ReasonTexts`). */
export function reasonText(texts: ReasonTexts, reason: Reason): string {
  // The map is keyed by code, so the entry takes this very reason; TypeScript cannot correlate the two.
  const text = texts[reason.code] as (reason: Reason) => string;
  return text(reason);
}
