// Pure domain logic ("@lx/shared/domain"): no I/O, browser-safe.
export * from "./semver.ts";
export * from "./conversation.ts";
export * from "./meta-errors.ts";
export * from "./meta-inbound.ts";
export * from "./sentinel.ts";
export * from "./routing.ts";
export * from "./pricing.ts";
export * from "./calendar.ts";
export * from "./regression.ts";
export * from "./phone.ts";
export * from "./llm-access.ts";
export * from "./ipv6.ts";
