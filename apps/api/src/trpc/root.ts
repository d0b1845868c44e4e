import { createTRPCRouter } from "./init.ts";
import { agentsRouter } from "./routers/agents.ts";
import { appointmentsRouter } from "./routers/appointments.ts";
import { auditRouter } from "./routers/audit.ts";
import { authRouter } from "./routers/auth.ts";
import { conversationsRouter } from "./routers/conversations.ts";
import { customersRouter } from "./routers/customers.ts";
import { dealsRouter } from "./routers/deals.ts";
import { draftsRouter } from "./routers/drafts.ts";
import { integrationsRouter } from "./routers/integrations.ts";
import { metricsRouter } from "./routers/metrics.ts";
import { numbersRouter } from "./routers/numbers.ts";
import { onboardingRouter } from "./routers/onboarding.ts";
import { operationsRouter } from "./routers/operations.ts";
import { regressionRouter } from "./routers/regression.ts";
import { sandboxRouter } from "./routers/sandbox.ts";
import { setupRouter } from "./routers/setup.ts";
import { templatesRouter } from "./routers/templates.ts";
import { tenantsRouter } from "./routers/tenants.ts";
import { usersRouter } from "./routers/users.ts";
import { versionsRouter } from "./routers/versions.ts";

export const appRouter = createTRPCRouter({
  auth: authRouter,
  appointments: appointmentsRouter,
  deals: dealsRouter,
  tenants: tenantsRouter,
  agents: agentsRouter,
  versions: versionsRouter,
  audit: auditRouter,
  drafts: draftsRouter,
  conversations: conversationsRouter,
  customers: customersRouter,
  operations: operationsRouter,
  setup: setupRouter,
  templates: templatesRouter,
  numbers: numbersRouter,
  integrations: integrationsRouter,
  metrics: metricsRouter,
  sandbox: sandboxRouter,
  onboarding: onboardingRouter,
  regression: regressionRouter,
  users: usersRouter,
});

export type AppRouter = typeof appRouter;
