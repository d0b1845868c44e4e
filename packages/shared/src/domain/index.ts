// Pure domain logic ("@lx/shared/domain"): no I/O, browser-safe.
export * from "./semver.ts";
