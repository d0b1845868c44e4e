import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Fragment, useState, type FormEvent } from "react";
import { useSearchParams } from "react-router";

import { formatPhone } from "@lx/shared/domain";
import { ZListAuditEventsInput } from "@lx/shared/schemas";

import { Badge } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Card } from "../../components/ui/card.tsx";
import { Field, Input, Select } from "../../components/ui/field.tsx";
import { Page, PageHeader } from "../../components/ui/page.tsx";
import { EmptyState, ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { Table, TBody, Td, Th, THead, Tr } from "../../components/ui/table.tsx";
import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import {
  DEFAULT_PAGE_SIZE,
  filterErrors,
  PAGE_SIZES,
  readFilters,
  toInput,
  type FilterField,
  type Filters,
} from "./filters.ts";

type AuditEvent = RouterOutputs["audit"]["list"]["items"][number];

/** Event types the system writes today (suggestions only: any type or `prefix.` can be typed). */
const KNOWN_TYPES = [
  "version.",
  "version.published",
  "version.activated",
  "version.rolled_back",
  "version.approved",
  "version.rejected",
  "agent.created",
  "draft.saved",
  "draft.discarded",
  "auth.",
  "auth.login",
  "auth.login_failed",
  "auth.logout",
  "apply.completed",
  "user.created",
  "user.password_reset",
  "user.password_link_created",
  "user.disabled",
  "user.enabled",
  "customer.",
  "customer.exported",
  "customer.erased",
  "tenant.retention_changed",
  "tenant.status_changed",
  "tenant.routing_changed",
  "tenant.webhook_secret_rotated",
  "tenant.crm_token_set",
  "tenant.crm_token_cleared",
  "secrets.rotated",
  "restore.stale_cancelled",
  "webhook.duplicate",
  "webhook.unknown_number",
  "policy.hit",
  "handoff.started",
  "meta.error",
  "number.",
  "number.added",
  "number.updated",
  "number.removed",
  "number.paused",
  "number.unpaused",
  "number.waba_recorded",
  "template.",
  "template.created",
  "template.updated",
  "template.removed",
  "template.status_changed",
  "send.failed_status",
  "job.dead",
  "job.lease_expired",
  "lock.expired",
  "reply.no_active_version",
];

function JsonBlock({ title, value }: { title: string; value: unknown }) {
  const { t } = useI18n();
  return (
    <div className="min-w-0">
      <p className="mb-1 text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</p>
      <pre className="max-h-72 overflow-auto rounded-md bg-white p-3 font-mono text-xs break-words whitespace-pre-wrap text-slate-800 ring-1 ring-slate-200">
        {value === null || value === undefined ? t.audit.nothing : JSON.stringify(value, null, 2)}
      </pre>
    </div>
  );
}

/** A uuid is shown by its first 8 characters (the full one on hover and in the details). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * "agente: recepcao", "empresa: Haven Pilates", "número: +55 11 99999-0001": the subject's type in
 * the console's language and its name as the API resolved it. Without a name, the id: a uuid
 * shortened (the full id on hover and in the details), anything else (Meta's phone_number_id, a job
 * number) whole.
 */
function SubjectCell({ event }: { event: AuditEvent }) {
  const { t } = useI18n();
  if (!event.subjectType) {
    return null;
  }
  const typeLabel = t.audit.subjectTypes[event.subjectType] ?? event.subjectType;
  const agentSlug = event.data && typeof event.data.agentSlug === "string" ? event.data.agentSlug : null;
  const id = event.subjectId;
  // A number's display phone in the console's one phone format.
  const label =
    event.subjectLabel !== null && event.subjectType === "phone_number" ? formatPhone(event.subjectLabel) : event.subjectLabel;
  const name = label ?? (event.subjectType === "agent" ? agentSlug : null) ?? (id && UUID.test(id) ? id.slice(0, 8) : id);
  return (
    <span title={id ?? undefined} data-testid="audit-subject">
      {typeLabel}
      {name ? (
        <>
          : <span className={cn(event.subjectLabel === null && "font-mono")}>{name}</span>
        </>
      ) : null}
    </span>
  );
}

function AuditResults({ filters }: { filters: Filters }) {
  const { t, dateTimeSeconds, actor } = useI18n();
  const trpc = useTRPC();
  /** cursors[i] opens page i; the first page has none. */
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());
  const page = cursors.length - 1;
  const input = { ...toInput(filters), cursor: cursors[page] };
  const valid = ZListAuditEventsInput.safeParse(input);
  const events = useQuery({
    ...trpc.audit.list.queryOptions(input),
    enabled: valid.success,
    placeholderData: keepPreviousData,
  });

  if (!valid.success) {
    // Filters typed into the address: the form shows which field is wrong (filterErrors).
    return <EmptyState title={t.audit.invalidFilters} />;
  }
  if (events.isPending) {
    return <LoadingState />;
  }
  if (events.isError) {
    return <ErrorState error={events.error} onRetry={() => void events.refetch()} />;
  }

  const toggle = (id: number) =>
    setOpen((all) => {
      const next = new Set(all);
      if (next.has(id)) {
        next.delete(id);
      } else {
        next.add(id);
      }
      return next;
    });

  return (
    <>
      {events.data.items.length === 0 ? (
        <EmptyState title={t.audit.empty} />
      ) : (
        <Table data-testid="audit-table" className={cn(events.isPlaceholderData && "opacity-60")}>
          <THead>
            <tr>
              <Th className="w-8">
                <span className="sr-only">{t.common.details}</span>
              </Th>
              <Th>{t.audit.time}</Th>
              <Th>{t.audit.type}</Th>
              <Th>{t.audit.tenant}</Th>
              <Th>{t.audit.actor}</Th>
              <Th>{t.audit.subject}</Th>
            </tr>
          </THead>
          <TBody>
            {events.data.items.map((event) => {
              const expanded = open.has(event.id);
              return (
                <Fragment key={event.id}>
                  <Tr data-testid="audit-row" data-type={event.type}>
                    <Td className="pr-0">
                      <button
                        type="button"
                        onClick={() => toggle(event.id)}
                        aria-expanded={expanded}
                        aria-label={`${expanded ? t.common.collapse : t.common.expand} ${event.type}`}
                        className="flex size-6 items-center justify-center rounded text-slate-400 hover:bg-slate-100 hover:text-slate-700 focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none"
                      >
                        <span className={cn("transition-transform", expanded && "rotate-90")} aria-hidden>
                          ▸
                        </span>
                      </button>
                    </Td>
                    <Td className="whitespace-nowrap text-slate-500 tabular-nums">
                      {dateTimeSeconds(event.createdAt)}
                    </Td>
                    <Td>
                      <span className="block text-sm text-slate-800" data-testid="audit-summary">
                        {t.auditEvents[event.type] ?? event.type}
                      </span>
                      <code className="font-mono text-[11px] text-slate-400">{event.type}</code>
                    </Td>
                    <Td className="font-mono text-xs">{event.tenantSlug ?? t.common.none}</Td>
                    <Td>
                      <span className="text-slate-800" data-testid="audit-actor">
                        {actor(event.actorLabel)}
                      </span>
                      <Badge tone="gray" className="ml-2 px-1.5 py-0 text-[10px]" data-testid="actor-type">
                        {t.audit.actorTypes[event.actorType] ?? event.actorType}
                      </Badge>
                    </Td>
                    <Td className="text-xs text-slate-600">
                      <SubjectCell event={event} />
                    </Td>
                  </Tr>
                  {expanded ? (
                    <tr className="bg-slate-50/70" data-testid="audit-details">
                      <td />
                      <td colSpan={5} className="px-4 py-4">
                        <div className="grid gap-4 lg:grid-cols-3">
                          <JsonBlock title={t.audit.before} value={event.before} />
                          <JsonBlock title={t.audit.after} value={event.after} />
                          <JsonBlock title={t.audit.data} value={event.data} />
                        </div>
                        {event.subjectType && event.subjectId ? (
                          <p className="mt-3 text-xs text-slate-500">
                            {t.audit.subject} ({t.audit.subjectTypes[event.subjectType] ?? event.subjectType}):{" "}
                            <code className="font-mono select-all" data-testid="audit-subject-id">
                              {event.subjectId}
                            </code>
                          </p>
                        ) : null}
                        {event.requestId ? (
                          <p className="mt-3 text-xs text-slate-500">
                            {t.audit.requestId}: <code className="font-mono">{event.requestId}</code>
                          </p>
                        ) : null}
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </TBody>
        </Table>
      )}
      <nav
        aria-label={t.common.pagination}
        className="flex flex-wrap items-center justify-between gap-3 border-t border-slate-100 px-5 py-3"
      >
        <span className="text-xs text-slate-500" data-testid="audit-page">
          {t.audit.page(page + 1)}
        </span>
        <div className="flex gap-2">
          <Button
            variant="secondary"
            size="sm"
            disabled={page === 0 || events.isFetching}
            onClick={() => setCursors((all) => all.slice(0, -1))}
          >
            ← {t.common.previous}
          </Button>
          <Button
            variant="secondary"
            size="sm"
            disabled={!events.data.nextCursor || events.isFetching}
            onClick={() => {
              const next = events.data.nextCursor;
              if (next) {
                setCursors((all) => [...all, next]);
              }
            }}
          >
            {t.common.next} →
          </Button>
        </div>
      </nav>
    </>
  );
}

export function AuditLogPage() {
  const { t, validation } = useI18n();
  const trpc = useTRPC();
  const [params, setParams] = useSearchParams();
  const applied = readFilters(params);
  const [form, setForm] = useState<Filters>(applied);
  const [errors, setErrors] = useState<Partial<Record<FilterField, string[]>>>(() => filterErrors(applied));
  const tenants = useQuery(trpc.tenants.list.queryOptions());

  const set = <K extends keyof Filters>(key: K, value: Filters[K]) =>
    setForm((current) => ({ ...current, [key]: value }));
  const fieldErrors = (field: FilterField) => errors[field]?.map(validation);

  const apply = (filters: Filters) => {
    const next = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) {
      if (value !== "" && !(key === "size" && value === DEFAULT_PAGE_SIZE)) {
        next.set(key, String(value));
      }
    }
    setParams(next);
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found = filterErrors(form);
    setErrors(found);
    if (Object.keys(found).length === 0) {
      apply(form);
    }
  };

  const clear = () => {
    const empty: Filters = { tenant: "", type: "", actor: "", from: "", to: "", size: DEFAULT_PAGE_SIZE };
    setForm(empty);
    setErrors({});
    apply(empty);
  };

  return (
    <Page className="max-w-7xl">
      <PageHeader title={t.audit.title} description={t.audit.subtitle} />
      <Card className="mb-6">
        <form
          onSubmit={onSubmit}
          aria-label={t.audit.filters}
          className="grid grid-cols-[repeat(auto-fill,minmax(min(14rem,100%),1fr))] gap-4 px-5 py-4"
        >
          <Field label={t.audit.tenant} errors={fieldErrors("tenant")}>
            {({ id }) => (
              <Select
                id={id}
                name="tenant"
                value={form.tenant}
                onChange={(event) => set("tenant", event.target.value)}
              >
                <option value="">{t.audit.allTenants}</option>
                {(tenants.data ?? []).map((tenant) => (
                  <option key={tenant.id} value={tenant.slug}>
                    {tenant.name}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field label={t.audit.type} errors={fieldErrors("type")}>
            {({ id }) => (
              <>
                <Input
                  id={id}
                  name="type"
                  list="audit-types"
                  value={form.type}
                  placeholder="version."
                  title={t.audit.typeHint}
                  onChange={(event) => set("type", event.target.value)}
                />
                <datalist id="audit-types">
                  {KNOWN_TYPES.map((type) => (
                    <option key={type} value={type} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Field label={t.audit.actor} errors={fieldErrors("actor")}>
            {({ id }) => (
              <Input
                id={id}
                name="actor"
                value={form.actor}
                placeholder={t.audit.actorHint}
                onChange={(event) => set("actor", event.target.value)}
              />
            )}
          </Field>
          <Field label={t.audit.from} errors={fieldErrors("from")}>
            {({ id, describedBy, invalid }) => (
              <Input
                id={id}
                name="from"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                type="datetime-local"
                value={form.from}
                onChange={(event) => set("from", event.target.value)}
              />
            )}
          </Field>
          <Field label={t.audit.to} errors={fieldErrors("to")}>
            {({ id, describedBy, invalid }) => (
              <Input
                id={id}
                name="to"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                type="datetime-local"
                value={form.to}
                onChange={(event) => set("to", event.target.value)}
              />
            )}
          </Field>
          <Field label={t.audit.pageSize}>
            {({ id }) => (
              <Select
                id={id}
                name="size"
                value={form.size}
                onChange={(event) => set("size", Number(event.target.value))}
              >
                {PAGE_SIZES.map((size) => (
                  <option key={size} value={size}>
                    {size}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <div className="col-span-full flex items-center justify-end gap-2">
            <Button variant="ghost" onClick={clear}>
              {t.common.clear}
            </Button>
            <Button type="submit">{t.common.apply}</Button>
          </div>
        </form>
      </Card>
      <Card>
        <AuditResults key={params.toString()} filters={applied} />
      </Card>
    </Page>
  );
}
