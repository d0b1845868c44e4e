/**
 * What procedures return. There is no transformer (superjson is not installed), so every Date
 * becomes an ISO string here, and rows are mapped field by field: nothing the console should not
 * see (password hashes, encrypted secrets) can leak through a spread.
 */
import type {
  AgentListRow,
  AuditRow,
  SessionUser,
  TenantRow,
  TenantWithCounts,
  TestCaseRow,
  TestRunRow,
  VersionDetailRow,
  VersionDto,
} from "@lx/db/queries";
import type { CompiledAgentBundle } from "@lx/shared";

export function iso(date: Date): string;
export function iso(date: Date | null): string | null;
export function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

export type UserDto = SessionUser;

export function toUserDto(user: SessionUser): UserDto {
  return user.role === "operator"
    ? { id: user.id, email: user.email, name: user.name, role: "operator", tenantId: null }
    : { id: user.id, email: user.email, name: user.name, role: "client", tenantId: user.tenantId };
}

export function toTenantDto(t: TenantRow) {
  return {
    id: t.id,
    slug: t.slug,
    name: t.name,
    status: t.status,
    routing: t.routing,
    /** Days a conversation is kept after its last message (null: until erased by hand). */
    retentionDays: t.retentionDays,
    createdAt: iso(t.createdAt),
    updatedAt: iso(t.updatedAt),
  };
}
export type TenantDto = ReturnType<typeof toTenantDto>;

export function toTenantWithCountsDto(t: TenantWithCounts) {
  return { ...toTenantDto(t), numberCount: t.numberCount, agentCount: t.agentCount, waitingCount: t.waitingCount };
}
export type TenantWithCountsDto = ReturnType<typeof toTenantWithCountsDto>;

export function toAgentDto(a: AgentListRow) {
  return {
    id: a.id,
    slug: a.slug,
    name: a.name,
    versionCount: a.versionCount,
    activeVersion: a.activeVersion
      ? {
          id: a.activeVersion.id,
          version: a.activeVersion.version,
          approvalStatus: a.activeVersion.approvalStatus,
          createdAt: iso(a.activeVersion.createdAt),
        }
      : null,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  };
}
export type AgentDto = ReturnType<typeof toAgentDto>;

export function toVersionDto(v: VersionDto) {
  return {
    id: v.id,
    agentId: v.agentId,
    version: v.version,
    specHash: v.specHash,
    bundleHash: v.bundleHash,
    changelog: v.changelog,
    createdByLabel: v.createdByLabel,
    createdAt: iso(v.createdAt),
    approvalStatus: v.approvalStatus,
    approvedAt: iso(v.approvedAt),
    approvalGate: v.approvalGate,
    rejectionNote: v.rejectionNote,
    decision: v.decision ? { ...v.decision, at: iso(v.decision.at) } : null,
    active: v.active,
    gate: v.gate,
    rollbackTarget: v.rollbackTarget,
  };
}
export type VersionListItemDto = ReturnType<typeof toVersionDto>;

/** The parts of a bundle the console shows next to a compile or a version (the prompt is in the diff). */
export function toBundleSummary(b: CompiledAgentBundle) {
  return {
    specHash: b.specHash,
    bundleHash: b.bundleHash,
    agent: b.agent,
    model: b.model,
    tools: b.tools.map((tool) => tool.function.name),
    templates: b.templates,
    knowledge: b.knowledge,
  };
}
export type BundleSummaryDto = ReturnType<typeof toBundleSummary>;

/**
 * Where a spec (and its compiled bundle) names a tenant's own systems: the handoff notice's URL, the
 * calendar's and the CRM's n8n URLs, a CRM's base URL. Their paths and query strings are often
 * capabilities (an n8n webhook path is as good as a password) or once held credentials, so a client
 * is shown only their origin; operators, who set them up, see them whole.
 */
const INTEGRATION_URL_PATHS = new Set([
  "handoff.notifyWebhookUrl",
  "policies.handoff.notifyWebhookUrl",
  "plugins.calendar.webhookUrl",
  "plugins.crm.webhookUrl",
  "plugins.crm.baseUrl",
]);

/** `https://n8n.example.com/webhook/abc?key=…` → `https://n8n.example.com` (scheme, host, port); not a URL: "". */
export function originOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "";
  }
}

/**
 * `value` (found at dotted `path` of a spec or bundle: "" for the whole of one) with each tenant
 * integration URL in it reduced to its origin (INTEGRATION_URL_PATHS).
 */
export function withIntegrationOrigins<T>(value: T, path = ""): T {
  if (typeof value === "string") {
    return (INTEGRATION_URL_PATHS.has(path) ? originOf(value) : value) as T;
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, child]) => [key, withIntegrationOrigins(child, path === "" ? key : `${path}.${key}`)]),
    ) as T;
  }
  return value;
}

/**
 * A version as its reader may see it: operators the whole spec; the tenant's client the spec with
 * its integration URLs reduced to their origin (withIntegrationOrigins).
 */
export function toVersionDetailDto(v: VersionDetailRow, active: boolean, reader: "operator" | "client" = "operator") {
  return {
    id: v.id,
    agentId: v.agentId,
    version: v.version,
    spec: reader === "client" ? withIntegrationOrigins(v.spec) : v.spec,
    bundle: toBundleSummary(v.bundle),
    systemPrompt: v.bundle.systemPrompt,
    warnings: v.bundle.warnings,
    stats: v.bundle.stats,
    specHash: v.specHash,
    bundleHash: v.bundleHash,
    changelog: v.changelog,
    createdByLabel: v.createdByLabel,
    createdAt: iso(v.createdAt),
    approvalStatus: v.approvalStatus,
    approvedAt: iso(v.approvedAt),
    active,
  };
}
export type VersionDetailDto = ReturnType<typeof toVersionDetailDto>;

export function toAuditDto(e: AuditRow) {
  return {
    id: e.id,
    tenantId: e.tenantId,
    tenantSlug: e.tenantSlug,
    actorType: e.actorType,
    actorId: e.actorId,
    actorLabel: e.actorLabel,
    type: e.type,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    subjectLabel: e.subjectLabel,
    before: e.before,
    after: e.after,
    data: e.data,
    requestId: e.requestId,
    createdAt: iso(e.createdAt),
  };
}
export type AuditEventDto = ReturnType<typeof toAuditDto>;

/** A regression run as lists show it (results come with `regression.run`). */
export function toTestRunDto(r: TestRunRow) {
  return {
    id: r.id,
    version: r.version,
    kind: r.kind,
    status: r.status,
    passed: r.passed,
    stale: r.stale,
    summary: r.summary,
    error: r.error,
    requestedBy: r.requestedBy,
    createdAt: iso(r.createdAt),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
  };
}
export type TestRunDto = ReturnType<typeof toTestRunDto>;

export function toTestCaseDto(c: TestCaseRow) {
  return {
    id: c.id,
    name: c.name,
    turns: c.turns,
    expectations: c.expectations,
    sourceConversationId: c.sourceConversationId,
    updatedAt: iso(c.updatedAt),
  };
}
export type TestCaseDto = ReturnType<typeof toTestCaseDto>;
