import { createTRPCRouter } from "./init.ts";
import { agentsRouter } from "./routers/agents.ts";
import { auditRouter } from "./routers/audit.ts";
import { authRouter } from "./routers/auth.ts";
import { conversationsRouter } from "./routers/conversations.ts";
import { draftsRouter } from "./routers/drafts.ts";
import { tenantsRouter } from "./routers/tenants.ts";
import { versionsRouter } from "./routers/versions.ts";

export const appRouter = createTRPCRouter({
  auth: authRouter,
  tenants: tenantsRouter,
  agents: agentsRouter,
  versions: versionsRouter,
  audit: auditRouter,
  drafts: draftsRouter,
  conversations: conversationsRouter,
});

export type AppRouter = typeof appRouter;
