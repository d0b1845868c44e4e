import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";

import { ZCreateAgentInput } from "@lx/shared/schemas";

import { Dialog, FormFooter } from "../../components/ui/dialog.tsx";
import { SelectField, TextField } from "../../components/ui/field.tsx";
import { FormError } from "../../components/ui/states.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { errorCode, errorMessage } from "../../lib/errors.ts";
import { useCheckedForm } from "../../lib/form-issues.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { useTRPC } from "../../lib/trpc.ts";

/** An agent the new one may start from (its draft or live spec is copied). */
type Source = { slug: string; name: string };

/**
 * A new agent of the tenant (`agents.create`): its slug and name, and the agent whose spec its draft
 * copies (the first, by default) or a starter spec. On success the operator lands in its spec editor.
 */
export function NewAgentDialog({
  tenantSlug,
  agents,
  open,
  onClose,
}: {
  tenantSlug: string;
  agents: readonly Source[];
  open: boolean;
  onClose: () => void;
}) {
  const { t } = useI18n();
  return (
    <Dialog open={open} onClose={onClose} title={t.tenant.newAgentTitle} description={t.tenant.newAgentBody}>
      {open ? <NewAgentForm tenantSlug={tenantSlug} agents={agents} onClose={onClose} /> : null}
    </Dialog>
  );
}

function NewAgentForm({ tenantSlug, agents, onClose }: { tenantSlug: string; agents: readonly Source[]; onClose: () => void }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [slug, setSlug] = useState("");
  const [name, setName] = useState("");
  const [copyFrom, setCopyFrom] = useState(agents[0]?.slug ?? "");
  const create = useMutation(
    trpc.agents.create.mutationOptions({
      onSuccess: async (created) => {
        toast.success(t.tenant.agentCreated(created.slug));
        onClose();
        await queryClient.invalidateQueries(trpc.agents.list.pathFilter());
        await navigate(`/tenants/${tenantSlug}/agents/${created.slug}/spec`);
      },
    }),
  );
  const form = useCheckedForm(
    ZCreateAgentInput,
    { tenantSlug, slug: slug.trim(), name, copyFrom: copyFrom === "" ? undefined : copyFrom },
    (input) => create.mutate(input),
  );
  return (
    <form onSubmit={form.submit} noValidate className="space-y-4" data-testid="new-agent-form">
      {create.error ? (
        <FormError>{errorCode(create.error) === "CONFLICT" ? t.tenant.agentTaken(slug.trim()) : errorMessage(create.error, t)}</FormError>
      ) : null}
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField
          label={t.tenant.agentSlug}
          hint={t.tenant.agentSlugHint}
          errors={form.issues.get("slug")}
          value={slug}
          placeholder="vendas"
          controlClassName="font-mono"
          autoComplete="off"
          autoFocus
          onChange={(event) => setSlug(event.target.value)}
        />
        <TextField
          label={t.tenant.agentName}
          errors={form.issues.get("name")}
          value={name}
          placeholder="Vendas"
          maxLength={120}
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <SelectField label={t.tenant.startFrom} errors={form.issues.get("copyFrom")} value={copyFrom} onChange={(event) => setCopyFrom(event.target.value)}>
        {agents.map((agent) => (
          <option key={agent.slug} value={agent.slug}>
            {t.tenant.copyOf(agent.name, agent.slug)}
          </option>
        ))}
        <option value="">{t.tenant.starter}</option>
      </SelectField>
      <FormFooter busy={create.isPending} submitLabel={t.tenant.createAgent} onCancel={onClose} />
    </form>
  );
}
