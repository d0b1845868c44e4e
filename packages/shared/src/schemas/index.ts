// Browser-safe entry ("@lx/shared/schemas"): zod schemas only, no node:* and no compiler imports.
export * from "./issues.ts";
export * from "./agent-spec.ts";
export * from "./apply-file.ts";
export * from "./meta-webhook.ts";
export * from "./drafts.ts";
export * from "./console.ts";
export * from "./conversations.ts";
export * from "./operations.ts";
export * from "./metrics.ts";
export * from "./sandbox.ts";
export * from "./onboarding.ts";
export * from "./plugins.ts";
export * from "./regression.ts";
export * from "./users.ts";
export * from "./customers.ts";
export * from "./templates.ts";
export * from "./numbers.ts";
