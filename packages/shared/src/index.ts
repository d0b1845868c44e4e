// "@lx/shared": schemas, compiler, domain logic and errors. Not crypto (import "@lx/shared/crypto").
// The compiler hashes with node:crypto, so browser code imports "@lx/shared/schemas" instead.
export * from "./schemas/index.ts";
export * from "./compiler/index.ts";
export * from "./domain/index.ts";
export * from "./errors.ts";
