import { Page, PageHeader } from "../../components/ui/page.tsx";
import { AccountsCard } from "../../features/users/accounts-card.tsx";
import { useI18n } from "../../lib/i18n/context.tsx";

/** The agency's operators: who signs in to the console, with a new login, a password reset, disable and enable. */
export function OperatorsPage() {
  const { t } = useI18n();
  return (
    <Page className="max-w-5xl">
      <PageHeader title={t.users.operators.title} description={t.users.operators.subtitle} />
      <AccountsCard />
    </Page>
  );
}
