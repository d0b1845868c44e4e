/**
 * The spec form's sections past identity, business, persona, goals, services, FAQ, rules, handoff and
 * policies: knowledge, templates, model, context and plugins. Selects list the schema's own enums
 * (`MODEL_PROVIDERS`, `CALENDAR_BACKENDS`, `CRM_BACKENDS`); optional objects are added and removed
 * whole (`OptionalGroup`).
 */
import { useQuery } from "@tanstack/react-query";

import { CALENDAR_BACKENDS, CRM_BACKENDS, MODEL_PROVIDERS } from "@lx/shared/schemas";

import { Badge } from "../../components/ui/badge.tsx";
import { SelectField as SelectControl } from "../../components/ui/field.tsx";
import { WarningNote } from "../../components/ui/states.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";
import { getIn, isRecord, pathKey } from "../../lib/paths.ts";
import { useTRPC } from "../../lib/trpc.ts";
import {
  asString,
  KeyValueField,
  NumberField,
  ObjectListField,
  OptionalGroup,
  Section,
  SelectField,
  StringListField,
  TextField,
  useForm,
} from "./fields.tsx";

const options = (values: readonly string[], labels: Record<string, string | undefined>) =>
  values.map((value) => ({ value, label: labels[value] ?? value }));

export function KnowledgeSection() {
  const { t } = useI18n();
  const k = t.specForm.knowledge;
  return (
    <Section id="knowledge" title={t.specForm.sections.knowledge} hint={t.specForm.sections.knowledgeHint}>
      <ObjectListField
        path={["knowledge"]}
        addLabel={k.add}
        itemLabel={k.item}
        newItem={() => ({ title: "", content: "" })}
        removeWhenEmpty
        renderItem={(itemPath) => (
          <div className="space-y-3">
            <TextField path={[...itemPath, "title"]} label={k.title} required />
            <TextField path={[...itemPath, "content"]} label={k.content} required multiline rows={8} />
          </div>
        )}
      />
    </Section>
  );
}

const CUSTOM = "\u0000custom";
const refKey = (ref: { name: string; language: string }) => `${ref.name}|${ref.language}`;

/**
 * `templates.<purpose>`: one of the tenant's registered Meta templates (with its status at Meta), or
 * any name and language typed in (a template registered later, or on another tenant page).
 */
function TemplateRefField({
  purpose,
  tenantSlug,
}: {
  purpose: "reengagement" | "reminder";
  tenantSlug: string;
}) {
  const { spec, update } = useForm();
  const { t } = useI18n();
  const w = t.specForm.templates;
  const trpc = useTRPC();
  const list = useQuery(trpc.templates.list.queryOptions({ tenantSlug }));
  const path = ["templates", purpose] as const;
  const raw = getIn(spec, path);
  const ref = isRecord(raw) ? { name: asString(raw.name), language: asString(raw.language) } : null;
  const registered = list.data?.templates ?? [];
  const match = ref
    ? registered.find((tpl) => tpl.name === ref.name && tpl.language === ref.language)
    : undefined;
  const statusWord = (status: string) => t.templates.statuses[status] ?? status;
  const label = purpose === "reengagement" ? w.reengagement : w.reminder;

  const choose = (value: string) => {
    if (value === "") {
      update(path, undefined);
    } else if (value === CUSTOM) {
      // Typed in from here: the registered name goes, the language stays as a start.
      update(path, { name: match ? "" : (ref?.name ?? ""), language: ref?.language ?? "pt_BR" });
    } else {
      const tpl = registered.find((x) => refKey(x) === value);
      if (tpl) {
        update(path, { name: tpl.name, language: tpl.language });
      }
    }
  };

  return (
    <fieldset className="space-y-3" data-path={pathKey(path)}>
      <legend className="text-sm font-medium text-slate-700">{label}</legend>
      <p className="text-xs text-slate-500">
        {purpose === "reengagement" ? w.reengagementHint : w.reminderHint}
      </p>
      <SelectControl
        label={w.registered(label)}
        value={ref === null ? "" : match ? refKey(match) : CUSTOM}
        onChange={(event) => choose(event.target.value)}
        optional={t.common.optional}
      >
        <option value="">{w.none}</option>
        {registered.map((tpl) => (
          <option key={tpl.id} value={refKey(tpl)}>
            {w.option(`${tpl.name} (${tpl.language})`, statusWord(tpl.status))}
          </option>
        ))}
        <option value={CUSTOM}>{w.other}</option>
      </SelectControl>
      {ref ? (
        <div className="grid gap-3 sm:grid-cols-2">
          <TextField path={[...path, "name"]} label={w.name} required placeholder="retomada_v1" />
          <TextField path={[...path, "language"]} label={w.language} required placeholder="pt_BR" />
        </div>
      ) : null}
      {match ? (
        <Badge
          tone={match.status === "approved" ? "green" : "amber"}
          dot
          data-testid={`template-status-${purpose}`}
        >
          {w.status(statusWord(match.status))}
        </Badge>
      ) : ref && list.isSuccess && ref.name !== "" ? (
        <WarningNote role="status" data-testid={`template-unregistered-${purpose}`}>
          {w.notRegistered}
        </WarningNote>
      ) : null}
      {list.isError ? <p className="text-xs text-slate-500">{w.listFailed}</p> : null}
    </fieldset>
  );
}

export function TemplatesSection({ tenantSlug }: { tenantSlug: string }) {
  const { t } = useI18n();
  return (
    <Section
      id="templates"
      title={t.specForm.sections.templates}
      hint={t.specForm.sections.templatesHint}
      className="grid gap-6 space-y-0 lg:grid-cols-2"
    >
      <TemplateRefField purpose="reengagement" tenantSlug={tenantSlug} />
      <TemplateRefField purpose="reminder" tenantSlug={tenantSlug} />
    </Section>
  );
}

export function ModelSection() {
  const { t } = useI18n();
  const m = t.specForm.model;
  return (
    <Section id="model" title={t.specForm.sections.model} hint={t.specForm.sections.modelHint}>
      <OptionalGroup
        path={["model"]}
        title={m.title}
        addLabel={m.add}
        removeLabel={m.remove}
        create={() => ({ provider: MODEL_PROVIDERS[0], name: "" })}
      >
        <div className="grid gap-4 sm:grid-cols-2">
          <SelectField
            path={["model", "provider"]}
            label={m.provider}
            options={options(MODEL_PROVIDERS, m.providers)}
          />
          <TextField path={["model", "name"]} label={m.name} required placeholder="gpt-4o-mini" />
          <NumberField
            path={["model", "temperature"]}
            label={m.temperature}
            hint={m.temperatureHint}
            decimal
          />
          <NumberField
            path={["model", "maxOutputTokens"]}
            label={m.maxOutputTokens}
            hint={m.maxOutputTokensHint}
          />
        </div>
      </OptionalGroup>
    </Section>
  );
}

export function ContextSection() {
  const { t } = useI18n();
  const c = t.specForm.context;
  return (
    <Section
      id="context"
      title={t.specForm.sections.context}
      hint={t.specForm.sections.contextHint}
      className="grid gap-4 space-y-0 sm:grid-cols-3"
    >
      <NumberField
        path={["context", "recentMessages"]}
        label={c.recentMessages}
        hint={c.recentMessagesHint}
      />
      <NumberField
        path={["context", "summarizeAfter"]}
        label={c.summarizeAfter}
        hint={c.summarizeAfterHint}
      />
      <NumberField path={["context", "burstWindowMs"]} label={c.burstWindowMs} hint={c.burstWindowMsHint} />
    </Section>
  );
}

function CrmFields() {
  const { spec, hasErrorsUnder } = useForm();
  const { t } = useI18n();
  const p = t.specForm.plugins;
  const crm = ["plugins", "crm"] as const;
  const backend = asString(getIn(spec, [...crm, "backend"]));
  const qualify = getIn(spec, [...crm, "qualifyFields"]);
  const qualifyFields = Array.isArray(qualify)
    ? qualify.filter((x): x is string => typeof x === "string")
    : [];
  const showWebhook = backend === "webhook" || getIn(spec, [...crm, "webhookUrl"]) !== undefined;
  const showCustom = backend !== "webhook" || getIn(spec, [...crm, "customFields"]) !== undefined;
  const baseUrlSet = getIn(spec, [...crm, "baseUrl"]) !== undefined || hasErrorsUnder([...crm, "baseUrl"]);
  return (
    <>
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField
          path={[...crm, "backend"]}
          label={p.backend}
          options={options(CRM_BACKENDS, p.crmBackends)}
        />
        {showWebhook ? (
          <TextField path={[...crm, "webhookUrl"]} label={p.webhookUrl} placeholder="https://" />
        ) : null}
      </div>
      <StringListField
        path={[...crm, "qualifyFields"]}
        label={p.qualifyFields}
        hint={p.qualifyFieldsHint}
        itemLabel={p.qualifyField}
      />
      {showCustom ? (
        <KeyValueField
          path={[...crm, "customFields"]}
          label={p.customFields}
          hint={p.customFieldsHint}
          keys={qualifyFields}
          keyLabel={p.customField}
          valueLabel={p.customFieldKey}
          addLabel={p.addCustomField}
          removeLabel={p.removeCustomField}
        />
      ) : null}
      <details open={baseUrlSet} className="group">
        <summary className="cursor-pointer text-sm font-medium text-slate-600">{p.advanced}</summary>
        <div className="mt-3">
          <TextField
            path={[...crm, "baseUrl"]}
            label={p.baseUrl}
            hint={p.baseUrlHint}
            placeholder="https://"
          />
        </div>
      </details>
    </>
  );
}

export function PluginsSection() {
  const { spec } = useForm();
  const { t } = useI18n();
  const p = t.specForm.plugins;
  const calendar = ["plugins", "calendar"] as const;
  const calendarWebhook =
    getIn(spec, [...calendar, "backend"]) === "webhook" ||
    getIn(spec, [...calendar, "webhookUrl"]) !== undefined;
  return (
    <Section id="plugins" title={t.specForm.sections.plugins} hint={t.specForm.sections.pluginsHint}>
      <OptionalGroup
        path={calendar}
        title={p.calendar}
        addLabel={p.addCalendar}
        removeLabel={p.removeCalendar}
        create={() => ({ backend: "local" satisfies (typeof CALENDAR_BACKENDS)[number] })}
      >
        <div className="grid gap-4 sm:grid-cols-3">
          <SelectField
            path={[...calendar, "backend"]}
            label={p.backend}
            options={options(CALENDAR_BACKENDS, p.calendarBackends)}
          />
          <NumberField path={[...calendar, "slotMinutes"]} label={p.slotMinutes} hint={p.slotMinutesHint} />
          {calendarWebhook ? (
            <TextField
              path={[...calendar, "webhookUrl"]}
              label={p.webhookUrl}
              placeholder="https://"
              className="sm:col-span-3"
            />
          ) : null}
        </div>
      </OptionalGroup>
      <OptionalGroup
        path={["plugins", "reminders"]}
        title={p.reminders}
        addLabel={p.addReminders}
        removeLabel={p.removeReminders}
        create={() => ({ offsetsMinutes: [1440] })}
      >
        <StringListField
          path={["plugins", "reminders", "offsetsMinutes"]}
          label={p.offsets}
          hint={p.offsetsHint}
          itemLabel={p.offset}
          numeric
        />
      </OptionalGroup>
      <OptionalGroup
        path={["plugins", "crm"]}
        title={p.crm}
        addLabel={p.addCrm}
        removeLabel={p.removeCrm}
        create={() => ({ backend: CRM_BACKENDS[0], qualifyFields: [] })}
      >
        <CrmFields />
      </OptionalGroup>
    </Section>
  );
}
