/**
 * The audit log's filters: read from the address, turned into `audit.list`'s input, and checked
 * with the API's schema before any request (the page shows each error under its field).
 */
import { AUDIT_PAGE_MAX, ZListAuditEventsInput, type TListAuditEventsInput } from "@lx/shared/schemas";

import { auditActorsEn, auditActorsPtBR } from "../../lib/i18n/audit-events.ts";

export const PAGE_SIZES = [10, 25, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 25;

export type Filters = { tenant: string; type: string; actor: string; from: string; to: string; size: number };

export function readFilters(params: URLSearchParams): Filters {
  const size = Number(params.get("size"));
  return {
    tenant: params.get("tenant") ?? "",
    type: params.get("type") ?? "",
    actor: params.get("actor") ?? "",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
    size: size >= 1 && size <= AUDIT_PAGE_MAX ? size : DEFAULT_PAGE_SIZE,
  };
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

/**
 * A `datetime-local` value (local wall time, to the minute; seconds if typed into the address) as
 * the ISO instant the API wants. `end`: the last millisecond of what it names, so "Até 06:47"
 * includes 06:47:59 and "De 06:47 / Até 06:47" is that whole minute. A value that is no date
 * (`2026-13-01T00:00`, `2026-02-30T10:00`, a typo in the address) is passed on as it is, for the
 * schema to refuse under its field — never dropped, which would list everything as if it applied.
 */
export function localToIso(value: string, edge: "start" | "end"): string | undefined {
  if (value === "") {
    return undefined;
  }
  const m = LOCAL.exec(value);
  if (!m) {
    return value;
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0"));
  const date = new Date(year, month - 1, day, hour, minute, second, ms);
  // The Date constructor rolls over (month 13, 30 February, 24:00): such a value is no date.
  if (
    date.getFullYear() !== year ||
    date.getMonth() !== month - 1 ||
    date.getDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return value;
  }
  if (edge === "end") {
    const span = m[7] !== undefined ? 0 : m[6] !== undefined ? 999 : 59_999;
    date.setTime(date.getTime() + span);
  }
  return date.toISOString();
}

/**
 * The platform's own actors by the words the table shows for them, in either language ("sistema",
 * "CLI", "Meta", "agendador" → "system", "cli", "meta", "scheduler"), whatever the case; anything
 * else (an e-mail or its start, an id) goes as typed, which the API matches whatever its case.
 */
const ACTOR_BY_WORD = new Map(
  [auditActorsPtBR, auditActorsEn].flatMap((labels) =>
    Object.entries(labels).flatMap(([label, word]) => (word ? [[word.toLowerCase(), label] as const] : [])),
  ),
);

export function actorFilter(typed: string): string | undefined {
  const text = typed.trim();
  if (text === "") {
    return undefined;
  }
  return ACTOR_BY_WORD.get(text.toLowerCase()) ?? text;
}

export function toInput(filters: Filters): Omit<TListAuditEventsInput, "cursor"> {
  return {
    tenantSlug: filters.tenant || undefined,
    type: filters.type.trim() || undefined,
    actor: actorFilter(filters.actor),
    from: localToIso(filters.from, "start"),
    to: localToIso(filters.to, "end"),
    limit: filters.size,
  };
}

/** The filter's fields by the name the API's schema gives them, for its errors. */
export type FilterField = "tenant" | "type" | "actor" | "from" | "to";
const FIELD_OF: Record<string, FilterField | undefined> = {
  tenantSlug: "tenant",
  type: "type",
  actor: "actor",
  from: "from",
  to: "to",
};

/** The filters checked with the API's schema before any request: errors by field. */
export function filterErrors(filters: Filters): Partial<Record<FilterField, string[]>> {
  const parsed = ZListAuditEventsInput.safeParse(toInput(filters));
  const out: Partial<Record<FilterField, string[]>> = {};
  if (!parsed.success) {
    // The schema checks the range even when a bound is no date: that says nothing more.
    const notDate = parsed.error.issues.some(
      (issue) => issue.code !== "custom" && (issue.path[0] === "from" || issue.path[0] === "to"),
    );
    const issues = notDate
      ? parsed.error.issues.filter((issue) => issue.code !== "custom")
      : parsed.error.issues;
    for (const issue of issues) {
      const field = FIELD_OF[String(issue.path[0])] ?? "type";
      out[field] = [...(out[field] ?? []), issue.message];
    }
  }
  return out;
}
