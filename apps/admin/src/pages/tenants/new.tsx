import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useNavigate } from "react-router";

import {
  NUMBER_KINDS,
  onboardingApplyFile,
  parseApplyFile,
  type FieldError,
  type TOnboardNumber,
} from "@lx/shared/schemas";

import { Badge } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { Checkbox, Field, Input, Select, Textarea } from "../../components/ui/field.tsx";
import { Page, PageHeader } from "../../components/ui/page.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { emptySpec } from "../../features/draft/empty-spec.ts";
import { formatSpecJson } from "../../features/draft/format.ts";
import { SpecErrors } from "../../features/draft/spec-errors.tsx";
import { SpecForm } from "../../features/draft/spec-form.tsx";
import { cn } from "../../lib/cn.ts";
import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { isRecord } from "../../lib/paths.ts";
import { useTRPC } from "../../lib/trpc.ts";

const STEPS = ["tenant", "agent", "knowledge", "numbers", "review"] as const;
type Step = (typeof STEPS)[number];

/** The intake is kept in this browser until the tenant is created (a reload loses nothing). */
const STORAGE_KEY = "lx.onboarding";

type Intake = {
  tenantName: string;
  tenantSlug: string;
  /** Until the slug is edited by hand, it follows the name. */
  slugTouched: boolean;
  agentSlug: string;
  spec: Record<string, unknown>;
  numbers: TOnboardNumber[];
  activate: boolean;
};

type KnowledgeDoc = { title: string; content: string };

function slugify(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63);
}

function initialIntake(): Intake {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    if (stored) {
      const value: unknown = JSON.parse(stored);
      if (isRecord(value) && isRecord(value.spec) && Array.isArray(value.numbers)) {
        return value as unknown as Intake;
      }
    }
  } catch {
    // A broken or unavailable store starts a fresh intake.
  }
  return {
    tenantName: "",
    tenantSlug: "",
    slugTouched: false,
    agentSlug: "atendimento",
    spec: emptySpec(),
    numbers: [],
    activate: true,
  };
}

/** Which step an apply-file path belongs to. */
function stepOf(path: string): Step {
  if (path.startsWith("numbers")) {
    return "numbers";
  }
  if (path.startsWith("agents.0.spec.knowledge")) {
    return "knowledge";
  }
  if (path.startsWith("agents.0.spec")) {
    return "agent";
  }
  return "tenant";
}

const SPEC_PREFIX = "agents.0.spec.";

function TenantStep({
  intake,
  set,
  errors,
}: {
  intake: Intake;
  set: (patch: Partial<Intake>) => void;
  errors: FieldError[];
}) {
  const { t } = useI18n();
  const at = (path: string) => errors.filter((e) => e.path === path).map((e) => e.message);
  return (
    <Card>
      <CardHeader title={t.wizard.steps.tenant} description={t.wizard.routingNote} />
      <CardBody className="grid gap-4 sm:grid-cols-2">
        <Field label={t.wizard.tenantName} errors={at("tenant.name")}>
          {({ id, describedBy, invalid }) => (
            <Input
              id={id}
              value={intake.tenantName}
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onChange={(event) => {
                const name = event.target.value;
                const business = isRecord(intake.spec.business) ? intake.spec.business : {};
                const followName = !business.name || business.name === intake.tenantName;
                set({
                  tenantName: name,
                  tenantSlug: intake.slugTouched ? intake.tenantSlug : slugify(name),
                  spec: followName ? { ...intake.spec, business: { ...business, name } } : intake.spec,
                });
              }}
            />
          )}
        </Field>
        <Field label={t.wizard.tenantSlug} hint={t.wizard.tenantSlugHint} errors={at("tenant.slug")}>
          {({ id, describedBy, invalid }) => (
            <Input
              id={id}
              value={intake.tenantSlug}
              className="font-mono"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onChange={(event) => set({ tenantSlug: event.target.value, slugTouched: true })}
            />
          )}
        </Field>
        <Field label={t.wizard.agentSlug} hint={t.wizard.agentSlugHint} errors={at("agents.0.slug")}>
          {({ id, describedBy, invalid }) => (
            <Input
              id={id}
              value={intake.agentSlug}
              className="font-mono"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              onChange={(event) => set({ agentSlug: event.target.value })}
            />
          )}
        </Field>
      </CardBody>
    </Card>
  );
}

function KnowledgeStep({
  intake,
  set,
  errors,
}: {
  intake: Intake;
  set: (patch: Partial<Intake>) => void;
  errors: FieldError[];
}) {
  const { t } = useI18n();
  const docs: KnowledgeDoc[] = Array.isArray(intake.spec.knowledge)
    ? (intake.spec.knowledge as KnowledgeDoc[])
    : [];
  const update = (next: KnowledgeDoc[]) => {
    const spec = { ...intake.spec };
    if (next.length === 0) {
      delete spec.knowledge;
    } else {
      spec.knowledge = next;
    }
    set({ spec });
  };
  const at = (path: string) => errors.filter((e) => e.path === `${SPEC_PREFIX}${path}`).map((e) => e.message);
  return (
    <Card>
      <CardHeader title={t.wizard.steps.knowledge} description={t.wizard.knowledgeHint} />
      <CardBody className="space-y-3">
        {docs.length === 0 ? <p className="text-sm text-slate-500">{t.wizard.noDocs}</p> : null}
        <ol className="space-y-3">
          {docs.map((doc, index) => (
            <li
              key={index}
              className="space-y-3 rounded-lg border border-slate-200 bg-slate-50/50 p-4"
              data-testid="wizard-doc"
            >
              <div className="flex items-center justify-between">
                <p className="text-xs font-semibold tracking-wide text-slate-500 uppercase">
                  {t.wizard.doc(index + 1)}
                </p>
                <Button variant="ghost" size="sm" onClick={() => update(docs.filter((_, i) => i !== index))}>
                  {t.common.remove}
                </Button>
              </div>
              <Field label={t.wizard.docTitle} errors={at(`knowledge.${index}.title`)}>
                {({ id, describedBy, invalid }) => (
                  <Input
                    id={id}
                    value={doc.title}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    onChange={(event) =>
                      update(docs.map((d, i) => (i === index ? { ...d, title: event.target.value } : d)))
                    }
                  />
                )}
              </Field>
              <Field label={t.wizard.docContent} errors={at(`knowledge.${index}.content`)}>
                {({ id, describedBy, invalid }) => (
                  <Textarea
                    id={id}
                    value={doc.content}
                    rows={4}
                    aria-describedby={describedBy}
                    aria-invalid={invalid}
                    onChange={(event) =>
                      update(docs.map((d, i) => (i === index ? { ...d, content: event.target.value } : d)))
                    }
                  />
                )}
              </Field>
            </li>
          ))}
        </ol>
        <Button variant="secondary" size="sm" onClick={() => update([...docs, { title: "", content: "" }])}>
          + {t.wizard.addDoc}
        </Button>
      </CardBody>
    </Card>
  );
}

function NumbersStep({
  intake,
  set,
  errors,
}: {
  intake: Intake;
  set: (patch: Partial<Intake>) => void;
  errors: FieldError[];
}) {
  const { t } = useI18n();
  const numbers = intake.numbers;
  const update = (index: number, patch: Partial<TOnboardNumber>) =>
    set({ numbers: numbers.map((n, i) => (i === index ? { ...n, ...patch } : n)) });
  const at = (path: string) => errors.filter((e) => e.path === path).map((e) => e.message);
  return (
    <Card>
      <CardHeader title={t.wizard.steps.numbers} description={t.wizard.numbersHint} />
      <CardBody className="space-y-3">
        {numbers.length === 0 ? <p className="text-sm text-amber-700">{t.wizard.noNumbers}</p> : null}
        <ol className="space-y-3">
          {numbers.map((number, index) => (
            <li
              key={index}
              className="rounded-lg border border-slate-200 bg-slate-50/50 p-4"
              data-testid="wizard-number"
            >
              <div className="mb-3 flex items-center justify-between">
                <p className="text-xs font-semibold tracking-wide text-slate-500 uppercase">
                  {t.wizard.number(index + 1)}
                </p>
                <Button
                  variant="ghost"
                  size="sm"
                  onClick={() => set({ numbers: numbers.filter((_, i) => i !== index) })}
                >
                  {t.common.remove}
                </Button>
              </div>
              <div className="grid gap-4 sm:grid-cols-2">
                <Field label={t.wizard.phoneNumberId} errors={at(`numbers.${index}.phoneNumberId`)}>
                  {({ id, describedBy, invalid }) => (
                    <Input
                      id={id}
                      value={number.phoneNumberId}
                      inputMode="numeric"
                      className="font-mono"
                      aria-describedby={describedBy}
                      aria-invalid={invalid}
                      onChange={(event) => update(index, { phoneNumberId: event.target.value })}
                    />
                  )}
                </Field>
                <Field label={t.wizard.displayPhoneNumber} errors={at(`numbers.${index}.displayPhoneNumber`)}>
                  {({ id, describedBy, invalid }) => (
                    <Input
                      id={id}
                      value={number.displayPhoneNumber}
                      placeholder="+55 11 99999-0000"
                      aria-describedby={describedBy}
                      aria-invalid={invalid}
                      onChange={(event) => update(index, { displayPhoneNumber: event.target.value })}
                    />
                  )}
                </Field>
                <Field label={t.wizard.accessToken} errors={at(`numbers.${index}.accessToken`)}>
                  {({ id, describedBy, invalid }) => (
                    <Input
                      id={id}
                      type="password"
                      autoComplete="off"
                      value={number.accessToken}
                      aria-describedby={describedBy}
                      aria-invalid={invalid}
                      onChange={(event) => update(index, { accessToken: event.target.value })}
                    />
                  )}
                </Field>
                <Field label={t.wizard.kind} errors={at(`numbers.${index}.kind`)}>
                  {({ id }) => (
                    <Select
                      id={id}
                      value={number.kind}
                      onChange={(event) =>
                        update(index, { kind: event.target.value as TOnboardNumber["kind"] })
                      }
                    >
                      {NUMBER_KINDS.map((kind) => (
                        <option key={kind} value={kind}>
                          {t.wizard.kinds[kind] ?? kind}
                        </option>
                      ))}
                    </Select>
                  )}
                </Field>
              </div>
            </li>
          ))}
        </ol>
        <Button
          variant="secondary"
          size="sm"
          onClick={() =>
            set({
              numbers: [
                ...numbers,
                { phoneNumberId: "", displayPhoneNumber: "", accessToken: "", kind: "sandbox" },
              ],
            })
          }
        >
          + {t.wizard.addNumber}
        </Button>
      </CardBody>
    </Card>
  );
}

/** The onboarding wizard: intake → the first AgentSpec, the tenant and its numbers (operators). */
export function NewTenantPage() {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [intake, setIntake] = useState<Intake>(initialIntake);
  const [step, setStep] = useState<Step>("tenant");
  const [confirmDiscard, setConfirmDiscard] = useState(false);

  useEffect(() => {
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(intake));
    } catch {
      // Private mode: the intake lasts for this page only.
    }
  }, [intake]);

  const set = useCallback((patch: Partial<Intake>) => setIntake((current) => ({ ...current, ...patch })), []);
  const setSpec = useCallback((spec: Record<string, unknown>) => set({ spec }), [set]);

  const input = useMemo(
    () => ({
      tenant: { slug: intake.tenantSlug, name: intake.tenantName },
      agentSlug: intake.agentSlug,
      spec: intake.spec,
      activate: intake.activate,
      numbers: intake.numbers,
    }),
    [intake],
  );
  const errors = useMemo(() => {
    const parsed = parseApplyFile(onboardingApplyFile(input));
    return parsed.ok ? [] : parsed.errors;
  }, [input]);
  const specErrors = useMemo(
    () =>
      errors
        .filter((e) => e.path.startsWith(SPEC_PREFIX) && stepOf(e.path) === "agent")
        .map((e) => ({ ...e, path: e.path.slice(SPEC_PREFIX.length) })),
    [errors],
  );
  const count = (s: Step) => errors.filter((e) => stepOf(e.path) === s).length;

  const create = useMutation(
    trpc.onboarding.create.mutationOptions({
      onSuccess: async (result) => {
        toast.success(t.wizard.created(intake.tenantName));
        window.localStorage.removeItem(STORAGE_KEY);
        await queryClient.invalidateQueries(trpc.tenants.pathFilter());
        void navigate(`/tenants/${result.tenantSlug}`);
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );

  const index = STEPS.indexOf(step);
  const agentName =
    isRecord(intake.spec.agent) && typeof intake.spec.agent.name === "string" ? intake.spec.agent.name : "";

  return (
    <Page className="max-w-5xl">
      <PageHeader
        crumbs={[{ label: t.tenants.title, to: "/tenants" }]}
        title={t.wizard.title}
        description={t.wizard.subtitle}
        actions={
          <Button variant="ghost" size="sm" onClick={() => setConfirmDiscard(true)}>
            {t.wizard.discard}
          </Button>
        }
      />
      <nav aria-label={t.wizard.stepsLabel} className="mb-6">
        <ol className="flex flex-wrap gap-2">
          {STEPS.map((s, i) => {
            const n = s === "review" ? 0 : count(s);
            return (
              <li key={s}>
                <button
                  type="button"
                  onClick={() => setStep(s)}
                  aria-current={s === step ? "step" : undefined}
                  data-testid={`wizard-step-${s}`}
                  className={cn(
                    "flex items-center gap-2 rounded-full px-3 py-1.5 text-sm font-medium ring-1 ring-inset transition-colors outline-none focus-visible:ring-2 focus-visible:ring-indigo-500",
                    s === step
                      ? "bg-indigo-600 text-white ring-indigo-600"
                      : "bg-white text-slate-700 ring-slate-200 hover:bg-slate-50",
                  )}
                >
                  <span className="tabular-nums opacity-70">{i + 1}</span>
                  {t.wizard.steps[s]}
                  {n > 0 ? (
                    <Badge tone="red" className="px-1.5 py-0 text-[10px]">
                      {t.wizard.errorsIn(n)}
                    </Badge>
                  ) : null}
                </button>
              </li>
            );
          })}
        </ol>
      </nav>

      <div className="space-y-6">
        {step === "tenant" ? <TenantStep intake={intake} set={set} errors={errors} /> : null}
        {step === "agent" ? <SpecForm spec={intake.spec} errors={specErrors} onChange={setSpec} /> : null}
        {step === "knowledge" ? <KnowledgeStep intake={intake} set={set} errors={errors} /> : null}
        {step === "numbers" ? <NumbersStep intake={intake} set={set} errors={errors} /> : null}
        {step === "review" ? (
          <Card>
            <CardHeader title={t.wizard.review} description={t.wizard.reviewHint} />
            <CardBody className="space-y-4">
              <ul className="space-y-1 text-sm text-slate-700" data-testid="wizard-summary">
                <li>{t.wizard.summaryTenant(intake.tenantName || "—", intake.tenantSlug || "—")}</li>
                <li>{t.wizard.summaryAgent(agentName || "—", intake.agentSlug || "—")}</li>
                <li>{t.wizard.summaryNumbers(intake.numbers.length)}</li>
              </ul>
              {errors.length > 0 ? (
                <SpecErrors errors={errors} title={t.wizard.fixFirst} />
              ) : (
                <p className="text-sm font-medium text-emerald-700" data-testid="wizard-ready">
                  {t.wizard.ready}
                </p>
              )}
              <details>
                <summary className="cursor-pointer text-sm text-slate-600">{t.wizard.specJson}</summary>
                <pre className="mt-2 max-h-96 overflow-auto rounded-md bg-slate-50 p-3 font-mono text-xs text-slate-800 ring-1 ring-slate-200">
                  {formatSpecJson(intake.spec)}
                </pre>
              </details>
              <Checkbox
                label={t.wizard.activate}
                checked={intake.activate}
                onChange={(event) => set({ activate: event.target.checked })}
              />
            </CardBody>
          </Card>
        ) : null}
      </div>

      <div className="mt-6 flex items-center justify-between">
        <Button
          variant="secondary"
          disabled={index === 0}
          onClick={() => setStep(STEPS[index - 1] ?? "tenant")}
        >
          ← {t.wizard.back}
        </Button>
        {step === "review" ? (
          <Button
            disabled={errors.length > 0}
            loading={create.isPending}
            onClick={() => create.mutate(input)}
            data-testid="wizard-create"
          >
            {create.isPending ? t.wizard.creating : t.wizard.create}
          </Button>
        ) : (
          <Button onClick={() => setStep(STEPS[index + 1] ?? "review")}>{t.wizard.next} →</Button>
        )}
      </div>
      <ConfirmDialog
        open={confirmDiscard}
        onClose={() => setConfirmDiscard(false)}
        onConfirm={() => {
          window.localStorage.removeItem(STORAGE_KEY);
          setIntake({
            tenantName: "",
            tenantSlug: "",
            slugTouched: false,
            agentSlug: "atendimento",
            spec: emptySpec(),
            numbers: [],
            activate: true,
          });
          setStep("tenant");
          setConfirmDiscard(false);
        }}
        title={t.wizard.discardTitle}
        description={t.wizard.discardBody}
        confirmLabel={t.wizard.discard}
        confirmVariant="danger"
      />
    </Page>
  );
}
