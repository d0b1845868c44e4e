// Server-side entry ("@lx/shared/compiler"): sha256 uses node:crypto.
export * from "./bundle.ts";
export * from "./canonical-json.ts";
export * from "./compile.ts";
export * from "./diff.ts";
export * from "./hash.ts";
export * from "./normalize-text.ts";
export { buildSystemPrompt, formatDuration, type PromptInput } from "./prompt.ts";
export { languageName, promptLocaleOf, type PromptLocale } from "./prompt-strings.ts";
export { buildTools } from "./tools.ts";
