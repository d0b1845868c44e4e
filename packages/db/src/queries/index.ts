export * from "./audit.ts";
export * from "./tenants.ts";
export * from "./users.ts";
export * from "./versions.ts";
export * from "./apply.ts";
export * from "./inbound.ts";
export * from "./outbound.ts";
