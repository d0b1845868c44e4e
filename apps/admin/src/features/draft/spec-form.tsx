import { useMemo } from "react";

import { AGENT_ROLES, PERSONA_TONES, type FieldError } from "@lx/shared/schemas";

import { useI18n } from "../../lib/i18n/context.tsx";
import { pathKey } from "../../lib/paths.ts";
import { setSpecValue } from "../spec-form/edit.ts";
import {
  CheckField,
  FormContext,
  NumberField,
  ObjectListField,
  Section,
  SelectField,
  StringListField,
  TextField,
  type FormApi,
} from "../spec-form/fields.tsx";
import { HoursField } from "../spec-form/hours-field.tsx";
import {
  ContextSection,
  KnowledgeSection,
  ModelSection,
  PluginsSection,
  TemplatesSection,
} from "../spec-form/sections.tsx";

/**
 * The form view of the draft: every AgentSpec field, each with its path-named errors. With
 * `tenantSlug` (the spec editor) it also has the knowledge and templates sections, the latter
 * offering that tenant's Meta templates; the onboarding wizard leaves it out, having steps of its own
 * for both.
 */
export function SpecForm({
  spec,
  errors,
  onChange,
  tenantSlug,
}: {
  spec: Record<string, unknown>;
  errors: FieldError[];
  onChange: (spec: Record<string, unknown>) => void;
  tenantSlug?: string;
}) {
  const { t } = useI18n();
  const f = t.spec.fields;
  const s = t.spec.sections;

  const api = useMemo<FormApi>(() => {
    const byPath = new Map<string, FieldError[]>();
    for (const error of errors) {
      const list = byPath.get(error.path) ?? [];
      list.push(error);
      byPath.set(error.path, list);
    }
    return {
      spec,
      update: (path, value) => onChange(setSpecValue(spec, path, value)),
      errorsAt: (path) => byPath.get(pathKey(path)) ?? [],
      hasErrorsUnder: (path) => {
        const key = pathKey(path);
        return errors.some((error) => error.path === key || error.path.startsWith(`${key}.`));
      },
    };
  }, [spec, errors, onChange]);

  const roleOptions = AGENT_ROLES.map((role) => ({ value: role, label: t.spec.roles[role] ?? role }));
  const toneOptions = PERSONA_TONES.map((tone) => ({ value: tone, label: t.spec.tones[tone] ?? tone }));

  return (
    <FormContext value={api}>
      <div className="space-y-6" data-testid="spec-form">
        <Section
          id="agent"
          title={s.agent}
          hint={s.agentHint}
          className="grid gap-4 space-y-0 sm:grid-cols-2"
        >
          <TextField path={["agent", "name"]} label={f.name} required />
          <SelectField path={["agent", "role"]} label={f.role} options={roleOptions} />
          <TextField path={["agent", "language"]} label={f.language} required placeholder="pt-BR" />
          <TextField
            path={["agent", "timezone"]}
            label={f.timezone}
            required
            placeholder="America/Sao_Paulo"
          />
        </Section>

        <Section id="business" title={s.business} hint={s.businessHint}>
          <TextField path={["business", "name"]} label={f.businessName} required />
          <TextField path={["business", "description"]} label={f.description} required multiline />
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField path={["business", "website"]} label={f.website} placeholder="https://" />
            <TextField path={["business", "address"]} label={f.address} />
          </div>
          <HoursField path={["business", "hours"]} />
        </Section>

        <Section id="persona" title={s.persona} hint={s.personaHint}>
          <div className="grid gap-4 sm:grid-cols-2">
            <SelectField
              path={["persona", "tone"]}
              label={f.tone}
              options={toneOptions}
              emptyLabel={f.toneNone}
            />
            <div className="flex items-end pb-2">
              <CheckField path={["persona", "useEmojis"]} label={f.useEmojis} />
            </div>
          </div>
          <StringListField
            path={["persona", "instructions"]}
            label={f.instructions}
            itemLabel={(i) => `${f.instructions} ${i}`}
          />
        </Section>

        <Section id="goals" title={s.goals} hint={s.goalsHint}>
          <StringListField path={["goals"]} label={s.goals} itemLabel={f.goal} />
        </Section>

        <Section id="services" title={s.services} hint={s.servicesHint}>
          <ObjectListField
            path={["services"]}
            addLabel={f.addService}
            itemLabel={f.service}
            newItem={() => ({ name: "" })}
            renderItem={(itemPath) => (
              <div className="grid gap-3 sm:grid-cols-[2fr_1fr_1fr]">
                <TextField path={[...itemPath, "name"]} label={f.name} required />
                <TextField path={[...itemPath, "price"]} label={f.price} />
                <NumberField path={[...itemPath, "durationMinutes"]} label={f.duration} />
                <TextField
                  path={[...itemPath, "description"]}
                  label={f.description}
                  multiline
                  className="sm:col-span-3"
                />
              </div>
            )}
          />
        </Section>

        <Section id="faq" title={s.faq}>
          <ObjectListField
            path={["faq"]}
            addLabel={f.addFaq}
            itemLabel={f.faqEntry}
            newItem={() => ({ question: "", answer: "" })}
            renderItem={(itemPath) => (
              <div className="space-y-3">
                <TextField path={[...itemPath, "question"]} label={f.question} required />
                <TextField path={[...itemPath, "answer"]} label={f.answer} required multiline />
              </div>
            )}
          />
        </Section>

        {tenantSlug ? <KnowledgeSection /> : null}

        <Section id="rules" title={s.rules} className="grid gap-6 space-y-0 lg:grid-cols-2">
          <StringListField
            path={["rules", "always"]}
            label={f.always}
            itemLabel={(i) => `${f.always} ${i}`}
          />
          <StringListField path={["rules", "never"]} label={f.never} itemLabel={(i) => `${f.never} ${i}`} />
        </Section>

        <Section id="handoff" title={s.handoff} hint={s.handoffHint}>
          <StringListField
            path={["handoff", "keywords"]}
            label={f.keywords}
            itemLabel={(i) => `${f.keywords} ${i}`}
          />
          <CheckField path={["handoff", "allowModelRequest"]} label={f.allowModelRequest} />
          <TextField path={["handoff", "message"]} label={f.handoffMessage} required multiline />
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField
              path={["handoff", "notifyWebhookUrl"]}
              label={f.notifyWebhookUrl}
              placeholder="https://"
            />
            <NumberField path={["handoff", "resumeAfterMinutes"]} label={f.resumeAfterMinutes} />
          </div>
        </Section>

        <Section id="policies" title={s.policies} hint={s.policiesHint}>
          <div className="grid gap-6 lg:grid-cols-2">
            <StringListField
              path={["policies", "blockedTopics"]}
              label={f.blockedTopics}
              itemLabel={(i) => `${f.blockedTopics} ${i}`}
            />
            <StringListField
              path={["policies", "blockedPhrases"]}
              label={f.blockedPhrases}
              itemLabel={(i) => `${f.blockedPhrases} ${i}`}
            />
            <StringListField
              path={["policies", "allowedLinkDomains"]}
              label={f.allowedLinkDomains}
              itemLabel={(i) => `${f.allowedLinkDomains} ${i}`}
            />
            <NumberField path={["policies", "maxReplyChars"]} label={f.maxReplyChars} />
          </div>
          <TextField path={["policies", "fallbackMessage"]} label={f.fallbackMessage} multiline />
        </Section>

        {tenantSlug ? <TemplatesSection tenantSlug={tenantSlug} /> : null}

        <ModelSection />

        <ContextSection />

        <PluginsSection />
      </div>
    </FormContext>
  );
}
