/**
 * The onboarding wizard's state: what the operator typed, kept in this browser (`localStorage`,
 * `lx.onboarding`) until the tenant is created, so a reload or a server error loses nothing. It maps
 * one to one onto `onboarding.create`'s input; every rule lives in `parseOnboardingInput` of
 * @lx/shared (the apply file's schema plus the wizard's checks), which names errors by apply-file
 * path. This file only knows which step each path belongs to.
 */
import type {
  FieldError,
  TOnboardNumber,
  TOnboardRouting,
  TOnboardTemplate,
  TOnboardTenantInput,
} from "@lx/shared/schemas";

import { emptySpec } from "../draft/empty-spec.ts";
import { isRecord } from "../../lib/paths.ts";

export const STEPS = ["tenant", "agent", "knowledge", "templates", "routing", "numbers", "review"] as const;
export type Step = (typeof STEPS)[number];

export const STORAGE_KEY = "lx.onboarding";

export type AgentIntake = { slug: string; spec: Record<string, unknown> };
export type NumberIntake = TOnboardNumber & { agent: string };
export type RoutingIntake = Required<TOnboardRouting>;

export type Intake = {
  tenantName: string;
  tenantSlug: string;
  /** Until the slug is edited by hand, it follows the name. */
  slugTouched: boolean;
  agents: AgentIntake[];
  templates: TOnboardTemplate[];
  routing: RoutingIntake;
  numbers: NumberIntake[];
  activate: boolean;
};

export const DEFAULT_MENU_PROMPT = "Olá! Com quem você quer falar?";

export function emptyIntake(): Intake {
  return {
    tenantName: "",
    tenantSlug: "",
    slugTouched: false,
    agents: [{ slug: "atendimento", spec: emptySpec() }],
    templates: [],
    routing: { mode: "number", prompt: "", options: [] },
    numbers: [],
    activate: true,
  };
}

/**
 * The stored intake, if any. An intake saved by the one-agent wizard (`agentSlug` + `spec`) is
 * carried over as the first agent, so nothing typed before this version is lost.
 */
export function storedIntake(raw: string | null): Intake | null {
  if (!raw) {
    return null;
  }
  const value: unknown = JSON.parse(raw);
  if (!isRecord(value) || !Array.isArray(value.numbers)) {
    return null;
  }
  const base = emptyIntake();
  const agents = Array.isArray(value.agents)
    ? (value.agents as AgentIntake[])
    : isRecord(value.spec)
      ? [{ slug: typeof value.agentSlug === "string" ? value.agentSlug : "atendimento", spec: value.spec }]
      : null;
  if (!agents || agents.length === 0) {
    return null;
  }
  const firstAgent = agents[0]?.slug ?? "";
  return {
    ...base,
    tenantName: typeof value.tenantName === "string" ? value.tenantName : "",
    tenantSlug: typeof value.tenantSlug === "string" ? value.tenantSlug : "",
    slugTouched: value.slugTouched === true,
    agents,
    templates: Array.isArray(value.templates) ? (value.templates as TOnboardTemplate[]) : [],
    routing: isRecord(value.routing)
      ? { ...base.routing, ...(value.routing as Partial<RoutingIntake>) }
      : base.routing,
    numbers: (value.numbers as NumberIntake[]).map((n) => ({ ...n, agent: n.agent || firstAgent })),
    activate: value.activate !== false,
  };
}

export function toOnboardingInput(intake: Intake): TOnboardTenantInput {
  return {
    tenant: { slug: intake.tenantSlug, name: intake.tenantName },
    agents: intake.agents,
    activate: intake.activate,
    templates: intake.templates,
    routing: intake.routing,
    numbers: intake.numbers,
  };
}

export function slugify(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
}

const AGENT_PATH = /^agents\.(\d+)(?:\.(.*))?$/;

/** The agent an apply-file path is about (`agents.1.spec.goals.0` → 1), or null. */
export function agentOf(path: string): number | null {
  const match = AGENT_PATH.exec(path);
  return match ? Number(match[1]) : null;
}

/** Which step an apply-file path belongs to. */
export function stepOf(path: string): Step {
  if (path.startsWith("numbers")) {
    return "numbers";
  }
  if (path.startsWith("routing")) {
    return "routing";
  }
  if (path.startsWith("templates")) {
    return "templates";
  }
  const rest = AGENT_PATH.exec(path)?.[2] ?? "";
  if (rest.startsWith("spec.templates")) {
    return "templates";
  }
  if (rest.startsWith("spec.knowledge")) {
    return "knowledge";
  }
  if (path.startsWith("agents")) {
    return "agent";
  }
  return "tenant";
}

/** The messages at exactly `path`. */
export function messagesAt(errors: readonly FieldError[], path: string): string[] {
  return errors.filter((e) => e.path === path).map((e) => e.message);
}

/**
 * Renames an agent everywhere the intake names it (menu options, numbers), so a slug edit never
 * leaves a dangling reference behind.
 */
export function renameAgent(intake: Intake, index: number, slug: string): Partial<Intake> {
  const old = intake.agents[index]?.slug;
  const follows = (agent: string) =>
    agent === old && intake.agents.filter((a) => a.slug === old).length === 1;
  return {
    agents: intake.agents.map((a, i) => (i === index ? { ...a, slug } : a)),
    routing: {
      ...intake.routing,
      options: intake.routing.options.map((o) => (follows(o.agent) ? { ...o, agent: slug } : o)),
    },
    numbers: intake.numbers.map((n) => (follows(n.agent) ? { ...n, agent: slug } : n)),
  };
}

/** A new agent for the same business: its facts, language and time zone come from the first agent. */
export function newAgent(intake: Intake): AgentIntake {
  const first = intake.agents[0]?.spec ?? {};
  const spec = emptySpec();
  if (isRecord(first.business)) {
    spec.business = { ...first.business };
  }
  if (isRecord(first.agent) && isRecord(spec.agent)) {
    spec.agent = { ...spec.agent, language: first.agent.language, timezone: first.agent.timezone };
  }
  const taken = new Set(intake.agents.map((a) => a.slug));
  let n = intake.agents.length + 1;
  while (taken.has(`agente-${n}`)) {
    n += 1;
  }
  return { slug: `agente-${n}`, spec };
}

/** The spec's reference to a template of `purpose`, as `name|language` (or "" for none). */
export function templateRefOf(spec: Record<string, unknown>, purpose: "reengagement" | "reminder"): string {
  const refs = isRecord(spec.templates) ? spec.templates : {};
  const ref = refs[purpose];
  return isRecord(ref) && typeof ref.name === "string" && typeof ref.language === "string"
    ? `${ref.name}|${ref.language}`
    : "";
}

/** The spec with its `templates.<purpose>` set to `name|language`, or removed for "". */
export function withTemplateRef(
  spec: Record<string, unknown>,
  purpose: "reengagement" | "reminder",
  key: string,
): Record<string, unknown> {
  const refs: Record<string, unknown> = isRecord(spec.templates) ? { ...spec.templates } : {};
  const [name = "", language = ""] = key.split("|");
  if (key === "") {
    delete refs[purpose];
  } else {
    refs[purpose] = { name, language };
  }
  const next = { ...spec };
  if (Object.keys(refs).length === 0) {
    delete next.templates;
  } else {
    next.templates = refs;
  }
  return next;
}

/**
 * Updates template `index`; when its name or language changes, the agents that named it follow, so
 * fixing a typo in a template's name does not break the agents' references to it.
 */
export function updateTemplate(
  intake: Intake,
  index: number,
  patch: Partial<TOnboardTemplate>,
): Partial<Intake> {
  const before = intake.templates[index];
  if (!before) {
    return {};
  }
  const after = { ...before, ...patch };
  const oldKey = `${before.name}|${before.language}`;
  const newKey = `${after.name}|${after.language}`;
  const agents =
    oldKey === newKey
      ? intake.agents
      : intake.agents.map((agent) => {
          let spec = agent.spec;
          for (const purpose of ["reengagement", "reminder"] as const) {
            if (templateRefOf(spec, purpose) === oldKey) {
              spec = withTemplateRef(spec, purpose, newKey);
            }
          }
          return spec === agent.spec ? agent : { ...agent, spec };
        });
  return { templates: intake.templates.map((t, i) => (i === index ? after : t)), agents };
}
