/**
 * @lx/sandbox — local fake servers that speak the real wire formats (Meta Graph API, a WhatsApp
 * customer, OpenAI Chat Completions, Anthropic Messages, a tenant webhook endpoint, a mail server), for `pnpm start`,
 * integration tests, benchmarks and the console's test chat.
 */
export * from "./customer.ts";
export * from "./fake-anthropic.ts";
export * from "./fake-crm.ts";
export * from "./fake-graph.ts";
export type { FakeLlmOptions, FakeReply, FakeToolCall, LlmEvent, LlmFailure, LlmRequestRecord, ReplyFn } from "./fake-llm-common.ts";
export { defaultReplyText } from "./fake-llm-common.ts";
export * from "./fake-openai.ts";
export * from "./fake-smtp.ts";
export * from "./fake-webhook-receiver.ts";
export type { ListenOptions, LogFn } from "./http-server.ts";
export * from "./meta-errors.ts";
export { Recorder } from "./recorder.ts";
