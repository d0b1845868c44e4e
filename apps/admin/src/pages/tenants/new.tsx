import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState, type FocusEvent } from "react";
import { useNavigate, useSearchParams } from "react-router";

import { isValidTimeZone, parseOnboardingInput, type FieldError } from "@lx/shared/schemas";

import { Badge } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { ConfirmDialog } from "../../components/ui/dialog.tsx";
import { Checkbox } from "../../components/ui/field.tsx";
import { Page, PageHeader } from "../../components/ui/page.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { formatSpecJson } from "../../features/draft/format.ts";
import { humanPath } from "../../features/onboarding/human-path.ts";
import {
  emptyIntake,
  STEPS,
  stepOf,
  STORAGE_KEY,
  storedIntake,
  toOnboardingInput,
  type Intake,
  type Step,
} from "../../features/onboarding/intake.ts";
import { RoutingStep } from "../../features/onboarding/routing-step.tsx";
import {
  AgentStep,
  AgentTabs,
  agentLabel,
  KnowledgeStep,
  NumbersStep,
  TenantStep,
} from "../../features/onboarding/steps.tsx";
import { TemplatesStep } from "../../features/onboarding/templates-step.tsx";
import { cn } from "../../lib/cn.ts";
import { errorMessage } from "../../lib/errors.ts";
import { afterPointer, isTouched, useTouched } from "../../lib/form-issues.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { isRecord } from "../../lib/paths.ts";
import { useSingleFlight } from "../../lib/single-flight.ts";
import { useTRPC } from "../../lib/trpc.ts";

/** What a fresh wizard holds: the intake's fields are "edited" once they differ from it. */
const EMPTY_INPUT = toOnboardingInput(emptyIntake());

/** The intake's errors with human paths ("Agente 1 › Nome"), as the review lists them. */
function ReviewErrors({ errors, title }: { errors: readonly FieldError[]; title: string }) {
  const { t, validation } = useI18n();
  return (
    <div
      role="alert"
      className="rounded-lg bg-rose-50 px-4 py-3 ring-1 ring-rose-200"
      data-testid="spec-errors"
    >
      <p className="text-sm font-semibold text-rose-800">{title}</p>
      <ul className="mt-2 space-y-1 text-sm text-rose-700">
        {errors.map((error, index) => (
          <li key={`${error.path}-${index}`}>
            <span className="font-medium text-rose-800" title={error.path}>
              {humanPath(error.path, t)}:
            </span>{" "}
            <span>{validation(error)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The `?step=` of the URL, if it names a step. */
function stepParam(value: string | null): Step | null {
  return STEPS.find((s) => s === value) ?? null;
}

/**
 * The step the wizard shows for the URL's `requested` one: any step up to the first one whose data
 * is incomplete (the review once nothing is), or one the operator already reached in this page with
 * the wizard's own buttons (they may move on past errors); anything further — a reloaded or typed
 * `?step=routing` while the agent is unfinished — falls back to that first incomplete step.
 */
function allowedStep(requested: Step, errors: readonly FieldError[], reached: ReadonlySet<Step>): Step {
  const firstIncomplete = STEPS.find((s) => errors.some((e) => stepOf(e.path) === s)) ?? "review";
  return reached.has(requested) || STEPS.indexOf(requested) <= STEPS.indexOf(firstIncomplete)
    ? requested
    : firstIncomplete;
}

function initialIntake(): Intake {
  try {
    return storedIntake(window.localStorage.getItem(STORAGE_KEY)) ?? emptyIntake();
  } catch {
    // A broken or unavailable store starts a fresh intake.
    return emptyIntake();
  }
}

/**
 * The onboarding wizard (operators): intake → each agent's first AgentSpec, the WhatsApp templates,
 * the routing (by number or an initial menu), the tenant and its numbers. Validated live as the
 * apply file it becomes, with path-named errors counted on each step; created in one transaction by
 * `onboarding.create`. The intake stays in this browser until then.
 */
export function NewTenantPage() {
  const { t, validation } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [intake, setIntake] = useState<Intake>(initialIntake);
  // The step lives in the URL (`?step=agent`; none is the first): the browser's Back (Android's back
  // gesture) returns to the previous step, a reload stays where it was (the intake is in localStorage).
  const [searchParams, setSearchParams] = useSearchParams();
  const requested = stepParam(searchParams.get("step")) ?? "tenant";
  const [reached, setReached] = useState<ReadonlySet<Step>>(() => new Set());
  const [agentIndex, setAgentIndex] = useState(0);
  const [confirmDiscard, setConfirmDiscard] = useState(false);
  const current = Math.min(agentIndex, intake.agents.length - 1);

  useEffect(() => {
    try {
      window.localStorage.setItem(STORAGE_KEY, JSON.stringify(intake));
    } catch {
      // Private mode: the intake lasts for this page only.
    }
  }, [intake]);

  const set = useCallback((patch: Partial<Intake>) => setIntake((state) => ({ ...state, ...patch })), []);

  const input = useMemo(() => toOnboardingInput(intake), [intake]);
  const { errors, warnings } = useMemo(() => {
    const parsed = parseOnboardingInput(input);
    return { errors: parsed.ok ? [] : parsed.errors, warnings: parsed.warnings };
  }, [input]);
  const step = allowedStep(requested, errors, reached);
  const setStep = useCallback(
    (next: Step, { replace = false }: { replace?: boolean } = {}) => {
      setReached((done) => (done.has(next) ? done : new Set([...done, next])));
      setSearchParams(next === "tenant" ? {} : { step: next }, { replace });
    },
    [setSearchParams],
  );
  // A URL naming a step the intake does not allow yet shows the first incomplete one: say so in the URL.
  useEffect(() => {
    if (step !== requested) {
      setStep(step, { replace: true });
    }
  }, [step, requested, setStep]);
  // An error shows once its field is touched (edited, or left: `name`/`data-path` on the control)
  // or once its step was left with Next or a step button; the review shows them all.
  const { touched, touch, reset } = useTouched(input, EMPTY_INPUT);
  const [attempted, setAttempted] = useState<ReadonlySet<Step>>(() => new Set());
  const shown = useMemo(
    () => errors.filter((e) => attempted.has(stepOf(e.path)) || isTouched(touched, e.path)),
    [errors, attempted, touched],
  );
  const count = (s: Step) => shown.filter((e) => stepOf(e.path) === s).length;
  const goTo = (next: Step) => {
    setAttempted((done) => new Set([...done, step, ...(next === "review" ? STEPS : [])]));
    setStep(next);
  };
  const onBlur = (event: FocusEvent<HTMLElement>) => {
    const name = event.target.getAttribute("name");
    const specPath = event.target.closest("[data-path]")?.getAttribute("data-path");
    if (name) {
      afterPointer(() => touch(name));
    } else if (specPath && (step === "agent" || step === "knowledge")) {
      const path = `agents.${current}.spec.${specPath}`;
      afterPointer(() => touch(path));
    }
  };

  // `create.isPending` turns true on a later task: two clicks in the same tick would both see it false
  // and send the intake twice (the second refused as a taken slug beside the success toast).
  const singleFlight = useSingleFlight();
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
  // The error is shown by onError; the guard only needs the call to settle.
  const submit = () => void singleFlight(() => create.mutateAsync(input));

  const index = STEPS.indexOf(step);
  const tabs = { intake, set, errors: shown, step, current, onSelect: setAgentIndex };
  const firstIdentity = intake.agents[0]?.spec.agent;
  const timeZone =
    isRecord(firstIdentity) && typeof firstIdentity.timezone === "string" ? firstIdentity.timezone : "";

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
                  onClick={() => goTo(s)}
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

      <div className="space-y-6" onBlur={onBlur}>
        {step === "tenant" ? <TenantStep intake={intake} set={set} errors={shown} /> : null}
        {step === "agent" ? (
          <>
            <AgentTabs {...tabs} canAdd />
            <AgentStep intake={intake} set={set} errors={shown} current={current} />
          </>
        ) : null}
        {step === "knowledge" ? (
          <>
            {intake.agents.length > 1 ? <AgentTabs {...tabs} canAdd={false} /> : null}
            <KnowledgeStep intake={intake} set={set} errors={shown} current={current} />
          </>
        ) : null}
        {step === "templates" ? (
          <TemplatesStep intake={intake} set={set} errors={shown} warnings={warnings} />
        ) : null}
        {step === "routing" ? <RoutingStep intake={intake} set={set} errors={shown} /> : null}
        {step === "numbers" ? <NumbersStep intake={intake} set={set} errors={shown} /> : null}
        {step === "review" ? (
          <Card>
            <CardHeader title={t.wizard.review} description={t.wizard.reviewHint} />
            <CardBody className="space-y-4">
              <ul className="space-y-1 text-sm text-slate-700" data-testid="wizard-summary">
                <li>{t.wizard.summaryTenant(intake.tenantName || "—", intake.tenantSlug || "—")}</li>
                {intake.agents.map((agent, i) => (
                  <li key={i}>{t.wizard.summaryAgent(agentLabel(intake, i) || "—", agent.slug || "—")}</li>
                ))}
                <li>{t.wizard.summaryTemplates(intake.templates.length)}</li>
                <li>{t.wizard.summaryRouting(intake.routing.mode)}</li>
                <li>{t.wizard.summaryNumbers(intake.numbers.length)}</li>
                {isValidTimeZone(timeZone) ? <li>{t.wizard.summaryTimeZone(timeZone)}</li> : null}
              </ul>
              {errors.length > 0 ? (
                <ReviewErrors errors={errors} title={t.wizard.fixFirst} />
              ) : (
                <p className="text-sm font-medium text-emerald-700" data-testid="wizard-ready">
                  {t.wizard.ready}
                </p>
              )}
              {warnings.length > 0 ? (
                <div
                  className="rounded-lg bg-amber-50 px-4 py-3 ring-1 ring-amber-200"
                  data-testid="wizard-warnings"
                >
                  <p className="text-sm font-semibold text-amber-800">{t.wizard.warningsTitle}</p>
                  <ul className="mt-2 space-y-1 text-sm text-amber-800">
                    {warnings.map((warning) => (
                      <li key={warning.path}>
                        <span className="font-medium" title={warning.path}>
                          {humanPath(warning.path, t)}:
                        </span>{" "}
                        <span>{validation(warning.message)}</span>
                      </li>
                    ))}
                  </ul>
                </div>
              ) : null}
              {intake.agents.map((agent, i) => (
                <details key={i}>
                  <summary className="cursor-pointer text-sm text-slate-600">
                    {t.wizard.specJson(agent.slug)}
                  </summary>
                  <pre className="mt-2 max-h-96 overflow-auto rounded-md bg-slate-50 p-3 font-mono text-xs text-slate-800 ring-1 ring-slate-200">
                    {formatSpecJson(agent.spec)}
                  </pre>
                </details>
              ))}
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
            onClick={submit}
            data-testid="wizard-create"
          >
            {create.isPending ? t.wizard.creating : t.wizard.create}
          </Button>
        ) : (
          <Button onClick={() => goTo(STEPS[index + 1] ?? "review")}>{t.wizard.next} →</Button>
        )}
      </div>
      <ConfirmDialog
        open={confirmDiscard}
        onClose={() => setConfirmDiscard(false)}
        onConfirm={() => {
          window.localStorage.removeItem(STORAGE_KEY);
          setIntake(emptyIntake());
          setReached(new Set());
          setStep("tenant", { replace: true });
          setAttempted(new Set());
          reset();
          setAgentIndex(0);
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
