export * from "./database.ts";
export * from "./fixture.ts";
export * from "./seed.ts";
export * from "./errors.ts";
export * from "./conversations.ts";
export * from "./proxy.ts";
