import { useParams } from "react-router";

import { Page, PageHeader } from "../components/ui/page.tsx";
import { NotAvailableYet } from "../components/ui/states.tsx";
import { useI18n } from "../lib/i18n/context.tsx";

/*
 * Routes whose APIs do not exist yet. Each renders an honest "not available yet" state and no data.
 * Replace the component when its API lands (issue 5: inbox, test chat, operations, setup checklist,
 * onboarding wizard).
 */

/** TODO(issue 5): conversations inbox — needs the conversations API. */
export function ConversationsPlaceholder() {
  const { t } = useI18n();
  const { tenantSlug = "" } = useParams();
  return (
    <Page>
      <PageHeader
        crumbs={[
          { label: t.tenants.title, to: "/tenants" },
          { label: tenantSlug, to: `/tenants/${tenantSlug}` },
        ]}
        title={t.placeholder.conversations.title}
      />
      <NotAvailableYet title={t.placeholder.conversations.title} body={t.placeholder.conversations.body} />
    </Page>
  );
}

/** TODO(issue 5): setup-delivered checklist — needs the setup API. */
export function SetupPlaceholder() {
  const { t } = useI18n();
  const { tenantSlug = "" } = useParams();
  return (
    <Page>
      <PageHeader
        crumbs={[
          { label: t.tenants.title, to: "/tenants" },
          { label: tenantSlug, to: `/tenants/${tenantSlug}` },
        ]}
        title={t.placeholder.setup.title}
      />
      <NotAvailableYet title={t.placeholder.setup.title} body={t.placeholder.setup.body} />
    </Page>
  );
}

/** TODO(issue 5): test chat and guided handoff test — needs the test-chat API. Rendered inside the agent layout. */
export function TestChatPlaceholder() {
  const { t } = useI18n();
  return <NotAvailableYet title={t.placeholder.testChat.title} body={t.placeholder.testChat.body} />;
}

/** TODO(issue 5): operations (queue, dead letters, failed sends, send pause) — needs the operations API. */
export function OperationsPlaceholder() {
  const { t } = useI18n();
  return (
    <Page>
      <PageHeader title={t.placeholder.operations.title} />
      <NotAvailableYet title={t.placeholder.operations.title} body={t.placeholder.operations.body} />
    </Page>
  );
}

/** TODO(issue 5): onboarding wizard (intake → first AgentSpec) — needs a tenant-creation API. */
export function NewTenantPlaceholder() {
  const { t } = useI18n();
  return (
    <Page>
      <PageHeader crumbs={[{ label: t.tenants.title, to: "/tenants" }]} title={t.placeholder.wizard.title} />
      <NotAvailableYet title={t.placeholder.wizard.title} body={t.placeholder.wizard.body} />
    </Page>
  );
}
