import type { ReactNode } from "react";

import type { FieldError } from "@lx/shared/schemas";

import { Badge } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { TextareaField, TextField } from "../../components/ui/field.tsx";
import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import type { AgentChoice } from "../agents/agent-select.tsx";
import { NumberFields } from "../numbers/number-fields.tsx";
import { isRecord } from "../../lib/paths.ts";
import { SpecForm } from "../draft/spec-form.tsx";
import {
  agentOf,
  messagesAt,
  newAgent,
  renameAgent,
  slugify,
  stepOf,
  type Intake,
  type NumberIntake,
  type Step,
} from "./intake.ts";

/** One entry of an editable list (a document, a number, a template): its title, a remove button, its fields. */
export function ItemCard({
  title,
  onRemove,
  testId,
  children,
}: {
  title: string;
  onRemove: () => void;
  testId: string;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <li className="space-y-3 rounded-lg border border-slate-200 bg-slate-50/50 p-4" data-testid={testId}>
      <div className="flex items-center justify-between">
        <p className="text-xs font-semibold tracking-wide text-slate-500 uppercase">{title}</p>
        <Button variant="ghost" size="sm" onClick={onRemove}>
          {t.common.remove}
        </Button>
      </div>
      {children}
    </li>
  );
}

/** The "+ add …" button under an editable list. */
export function AddButton({ label, onClick }: { label: string; onClick: () => void }) {
  return (
    <Button variant="secondary" size="sm" onClick={onClick}>
      + {label}
    </Button>
  );
}

export type StepProps = {
  intake: Intake;
  set: (patch: Partial<Intake>) => void;
  errors: FieldError[];
};

/** The agent's persona name, for labels ("Ana"), or its slug. */
export function agentLabel(intake: Intake, index: number): string {
  const agent = intake.agents[index];
  const identity = isRecord(agent?.spec.agent) ? agent.spec.agent : {};
  return typeof identity.name === "string" && identity.name.trim() !== ""
    ? identity.name
    : (agent?.slug ?? "");
}

export function TenantStep({ intake, set, errors }: StepProps) {
  const { t } = useI18n();
  return (
    <Card>
      <CardHeader title={t.wizard.steps.tenant} description={t.wizard.tenantHint} />
      <CardBody className="grid gap-4 sm:grid-cols-2">
        <TextField
          label={t.wizard.tenantName}
          errors={messagesAt(errors, "tenant.name")}
          name="tenant.name"
          value={intake.tenantName}
          onChange={(event) => {
            const name = event.target.value;
            // Each agent's business name follows the tenant's until it is edited by hand.
            const agents = intake.agents.map((agent) => {
              const business = isRecord(agent.spec.business) ? agent.spec.business : {};
              const follows = !business.name || business.name === intake.tenantName;
              return follows ? { ...agent, spec: { ...agent.spec, business: { ...business, name } } } : agent;
            });
            set({
              tenantName: name,
              tenantSlug: intake.slugTouched ? intake.tenantSlug : slugify(name),
              agents,
            });
          }}
        />
        <TextField
          label={t.wizard.tenantSlug}
          hint={t.wizard.tenantSlugHint}
          errors={messagesAt(errors, "tenant.slug")}
          name="tenant.slug"
          value={intake.tenantSlug}
          controlClassName="font-mono"
          onChange={(event) => set({ tenantSlug: event.target.value, slugTouched: true })}
        />
      </CardBody>
    </Card>
  );
}

/**
 * The agent switcher of the agent and knowledge steps: one pill per agent, with the errors of the
 * current step that belong to it; on the agent step, the button that adds one.
 */
export function AgentTabs({
  intake,
  set,
  errors,
  step,
  current,
  onSelect,
  canAdd,
}: StepProps & { step: Step; current: number; onSelect: (index: number) => void; canAdd: boolean }) {
  const { t } = useI18n();
  return (
    <div className="flex flex-wrap items-center gap-2" role="group" aria-label={t.wizard.agentsLabel}>
      {intake.agents.map((agent, index) => {
        const n = errors.filter((e) => agentOf(e.path) === index && stepOf(e.path) === step).length;
        return (
          <button
            key={index}
            type="button"
            aria-pressed={index === current}
            onClick={() => onSelect(index)}
            data-testid="wizard-agent-tab"
            className={cn(
              "flex items-center gap-2 rounded-lg px-3 py-1.5 font-mono text-sm ring-1 ring-inset transition-colors outline-none focus-visible:ring-2 focus-visible:ring-indigo-500",
              index === current
                ? "bg-slate-900 text-white ring-slate-900"
                : "bg-white text-slate-700 ring-slate-200 hover:bg-slate-50",
            )}
          >
            {t.wizard.agentTab(index + 1, agent.slug)}
            {n > 0 ? (
              <Badge tone="red" className="px-1.5 py-0 font-sans text-[10px]">
                {t.wizard.errorsIn(n)}
              </Badge>
            ) : null}
          </button>
        );
      })}
      {canAdd ? (
        <Button
          variant="secondary"
          size="sm"
          onClick={() => {
            set({ agents: [...intake.agents, newAgent(intake)] });
            onSelect(intake.agents.length);
          }}
        >
          + {t.wizard.addAgent}
        </Button>
      ) : null}
    </div>
  );
}

/** One agent: its slug, the spec form (errors of its `agents.N.spec.*` paths) and removal. */
export function AgentStep({ intake, set, errors, current }: StepProps & { current: number }) {
  const { t } = useI18n();
  const agent = intake.agents[current];
  if (!agent) {
    return null;
  }
  const prefix = `agents.${current}.spec.`;
  const specErrors = errors
    .filter((e) => e.path.startsWith(prefix) && stepOf(e.path) === "agent")
    .map((e) => ({ ...e, path: e.path.slice(prefix.length) }));
  return (
    <div className="space-y-6" data-testid="wizard-agent">
      <Card>
        <CardHeader
          title={t.wizard.agentTitle(current + 1)}
          description={t.wizard.agentHint}
          actions={
            intake.agents.length > 1 ? (
              <Button
                variant="ghost"
                size="sm"
                onClick={() => set({ agents: intake.agents.filter((_, i) => i !== current) })}
              >
                {t.wizard.removeAgent}
              </Button>
            ) : null
          }
        />
        <CardBody className="grid gap-4 sm:grid-cols-2">
          <TextField
            label={t.wizard.agentSlug}
            hint={t.wizard.agentSlugHint}
            errors={messagesAt(errors, `agents.${current}.slug`)}
            value={agent.slug}
            controlClassName="font-mono"
            onChange={(event) => set(renameAgent(intake, current, event.target.value))}
          />
        </CardBody>
      </Card>
      <SpecForm
        spec={agent.spec}
        errors={specErrors}
        onChange={(spec) =>
          set({ agents: intake.agents.map((a, i) => (i === current ? { ...a, spec } : a)) })
        }
      />
    </div>
  );
}

type KnowledgeDoc = { title: string; content: string };

export function KnowledgeStep({ intake, set, errors, current }: StepProps & { current: number }) {
  const { t } = useI18n();
  const agent = intake.agents[current];
  if (!agent) {
    return null;
  }
  const docs: KnowledgeDoc[] = Array.isArray(agent.spec.knowledge)
    ? (agent.spec.knowledge as KnowledgeDoc[])
    : [];
  const update = (next: KnowledgeDoc[]) => {
    const spec = { ...agent.spec };
    if (next.length === 0) {
      delete spec.knowledge;
    } else {
      spec.knowledge = next;
    }
    set({ agents: intake.agents.map((a, i) => (i === current ? { ...a, spec } : a)) });
  };
  const at = (path: string) => messagesAt(errors, `agents.${current}.spec.${path}`);
  return (
    <Card>
      <CardHeader title={t.wizard.steps.knowledge} description={t.wizard.knowledgeHint} />
      <CardBody className="space-y-3">
        {docs.length === 0 ? <p className="text-sm text-slate-500">{t.wizard.noDocs}</p> : null}
        <ol className="space-y-3">
          {docs.map((doc, index) => (
            <ItemCard
              key={index}
              title={t.wizard.doc(index + 1)}
              testId="wizard-doc"
              onRemove={() => update(docs.filter((_, i) => i !== index))}
            >
              <TextField
                label={t.wizard.docTitle}
                errors={at(`knowledge.${index}.title`)}
                value={doc.title}
                onChange={(event) =>
                  update(docs.map((d, i) => (i === index ? { ...d, title: event.target.value } : d)))
                }
              />
              <TextareaField
                label={t.wizard.docContent}
                errors={at(`knowledge.${index}.content`)}
                value={doc.content}
                rows={4}
                onChange={(event) =>
                  update(docs.map((d, i) => (i === index ? { ...d, content: event.target.value } : d)))
                }
              />
            </ItemCard>
          ))}
        </ol>
        <AddButton label={t.wizard.addDoc} onClick={() => update([...docs, { title: "", content: "" }])} />
      </CardBody>
    </Card>
  );
}

export function NumbersStep({ intake, set, errors }: StepProps) {
  const { t } = useI18n();
  const numbers = intake.numbers;
  const update = (index: number, patch: Partial<NumberIntake>) =>
    set({ numbers: numbers.map((n, i) => (i === index ? { ...n, ...patch } : n)) });
  const at = (path: string) => messagesAt(errors, path);
  return (
    <Card>
      <CardHeader title={t.wizard.steps.numbers} description={t.wizard.numbersHint} />
      <CardBody className="space-y-3">
        {numbers.length === 0 ? <p className="text-sm text-amber-700">{t.wizard.noNumbers}</p> : null}
        <ol className="space-y-3">
          {numbers.map((number, index) => (
            <ItemCard
              key={index}
              title={t.wizard.number(index + 1)}
              testId="wizard-number"
              onRemove={() => set({ numbers: numbers.filter((_, i) => i !== index) })}
            >
              <NumberFields
                value={number}
                errorsAt={(field) => at(`numbers.${index}.${field}`)}
                nameOf={(field) => `numbers.${index}.${field}`}
                // Under menu routing the menu picks the agent, so the number's own is only shown when wrong.
                agents={
                  (intake.agents.length > 1 && intake.routing.mode === "number") || at(`numbers.${index}.agent`).length > 0
                    ? agentChoices(intake)
                    : null
                }
                onChange={(patch) => update(index, patch)}
              />
            </ItemCard>
          ))}
        </ol>
        <AddButton
          label={t.wizard.addNumber}
          onClick={() =>
            set({
              numbers: [
                ...numbers,
                {
                  phoneNumberId: "",
                  displayPhoneNumber: "",
                  accessToken: "",
                  kind: "sandbox",
                  agent: intake.agents[0]?.slug ?? "",
                },
              ],
            })
          }
        />
      </CardBody>
    </Card>
  );
}

/** The intake's agents as a select offers them (named by their persona, else their slug). */
export function agentChoices(intake: Intake): AgentChoice[] {
  return intake.agents.map((agent, index) => ({ slug: agent.slug, label: agentLabel(intake, index) }));
}
