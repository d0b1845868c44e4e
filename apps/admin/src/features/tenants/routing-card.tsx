import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { ZSetRoutingInput } from "@lx/shared/schemas";

import { Button } from "../../components/ui/button.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { Dialog, FormFooter } from "../../components/ui/dialog.tsx";
import { FormError } from "../../components/ui/states.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { errorMessage } from "../../lib/errors.ts";
import { useCheckedForm } from "../../lib/form-issues.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import { DEFAULT_MENU_PROMPT, type RoutingIntake } from "../onboarding/intake.ts";
import { RoutingEditor } from "../onboarding/routing-step.tsx";

type Routing = RouterOutputs["tenants"]["bySlug"]["routing"];

/** The editor's state for a stored routing (a menu's prompt and options kept while "by number" is chosen). */
function intakeOf(routing: Routing): RoutingIntake {
  return routing.mode === "menu"
    ? { mode: "menu", prompt: routing.prompt, options: routing.options }
    : { mode: "number", prompt: DEFAULT_MENU_PROMPT, options: [] };
}

/**
 * How the tenant's customers reach an agent — by number, or an initial menu (its options shown) —
 * and the dialog that changes it with the onboarding wizard's editor (`tenants.setRouting`).
 */
export function RoutingCard({ tenantSlug, routing, className }: { tenantSlug: string; routing: Routing; className?: string }) {
  const { t } = useI18n();
  const [editing, setEditing] = useState(false);
  return (
    <Card className={className} data-testid="routing-card">
      <CardHeader
        title={t.tenant.routingTitle}
        actions={
          <Button size="sm" variant="secondary" onClick={() => setEditing(true)}>
            {t.tenant.editRouting}
          </Button>
        }
      />
      <CardBody className="space-y-2 text-sm text-slate-700" data-testid="routing-summary">
        <p className="font-medium text-slate-900">{t.tenant.routingMode[routing.mode] ?? routing.mode}</p>
        {routing.mode === "menu" ? (
          <>
            <p className="text-slate-600">{routing.prompt}</p>
            <ol className="space-y-0.5">
              {routing.options.map((option, i) => (
                <li key={i}>
                  {i + 1} {option.title} <span className="font-mono text-xs text-slate-500">→ {option.agent}</span>
                </li>
              ))}
            </ol>
          </>
        ) : (
          <p className="text-slate-600">{t.tenant.routingByNumber}</p>
        )}
      </CardBody>
      <Dialog open={editing} onClose={() => setEditing(false)} wide title={t.tenant.routingTitle} description={t.tenant.routingBody}>
        {editing ? <RoutingForm tenantSlug={tenantSlug} routing={routing} onClose={() => setEditing(false)} /> : null}
      </Dialog>
    </Card>
  );
}

function RoutingForm({ tenantSlug, routing, onClose }: { tenantSlug: string; routing: Routing; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const agents = useQuery(trpc.agents.list.queryOptions({ tenantSlug }));
  const [draft, setDraft] = useState<RoutingIntake>(() => intakeOf(routing));
  const save = useMutation(
    trpc.tenants.setRouting.mutationOptions({
      onSuccess: async (result) => {
        toast.success(result.changed ? t.tenant.routingSaved : t.tenant.routingUnchanged);
        onClose();
        await queryClient.invalidateQueries(trpc.tenants.bySlug.pathFilter());
      },
    }),
  );
  const form = useCheckedForm(
    ZSetRoutingInput,
    {
      tenantSlug,
      routing: draft.mode === "menu" ? { mode: "menu", prompt: draft.prompt, options: draft.options } : { mode: "number" },
    },
    (input) => save.mutate(input),
  );
  return (
    <form onSubmit={form.submit} onBlur={form.onBlur} noValidate className="space-y-4" data-testid="routing-form">
      {save.error ? <FormError>{errorMessage(save.error, t)}</FormError> : null}
      <RoutingEditor
        routing={draft}
        agents={(agents.data ?? []).map((a) => ({ slug: a.slug, label: a.name }))}
        errorsAt={(path) => form.issues.get(`routing.${path}`) ?? []}
        numberHint={t.wizard.routingNumberHintPage}
        onChange={(patch) => setDraft((d) => ({ ...d, ...patch }))}
      />
      <FormFooter busy={save.isPending} submitLabel={t.tenant.saveRouting} onCancel={onClose} />
    </form>
  );
}
