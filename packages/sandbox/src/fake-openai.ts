/**
 * A fake OpenAI-compatible server: `POST /v1/chat/completions` (and `/chat/completions`) answering
 * real Chat Completions responses (text or tool calls, optionally streamed as SSE), with scripted
 * replies, latency, failure injection in OpenAI's error JSON, and request recording.
 * Point the SDK at it with `new OpenAI({ apiKey: "test", baseURL: fake.url + "/v1" })`.
 */
import type { Context } from "hono";
import { z } from "zod";
import {
  estimateTokens,
  FakeLlmServer,
  sseResponse,
  toolArgumentsJson,
  type FakeLlmServerOptions,
  type FakeReply,
  type LlmRequestRecord,
} from "./fake-llm-common.ts";
import { randomId, requestBodyText, requestHeaders } from "./http-server.ts";

const ZContentPart = z.looseObject({ type: z.string(), text: z.string().optional() });

const ZChatMessage = z.looseObject({
  role: z.string(),
  content: z.union([z.string(), z.array(ZContentPart), z.null()]).optional(),
  name: z.string().optional(),
  tool_call_id: z.string().optional(),
  tool_calls: z
    .array(z.looseObject({ id: z.string(), type: z.string(), function: z.looseObject({ name: z.string(), arguments: z.string() }) }))
    .optional(),
});

const ZChatCompletionRequest = z.looseObject({
  model: z.string().min(1),
  messages: z.array(ZChatMessage).min(1),
  tools: z
    .array(
      z.looseObject({
        type: z.string(),
        function: z.looseObject({ name: z.string(), description: z.string().optional(), parameters: z.unknown().optional() }),
      }),
    )
    .optional(),
  tool_choice: z.unknown().optional(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
});

export type ChatCompletionRequestBody = z.infer<typeof ZChatCompletionRequest>;
export type ChatMessage = z.infer<typeof ZChatMessage>;
export type FakeOpenAIRequest = LlmRequestRecord<ChatCompletionRequestBody>;

/** `apiKey`, when set, must come as `Authorization: Bearer <apiKey>`; otherwise any key works. */
export type FakeOpenAIOptions = FakeLlmServerOptions<ChatCompletionRequestBody>;

function messageText(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === "string") {
    return content;
  }
  if (Array.isArray(content)) {
    return content
      .filter((part) => part.type === "text" && typeof part.text === "string")
      .map((part) => part.text ?? "")
      .join("\n");
  }
  return "";
}

function lastUserTextOf(body: ChatCompletionRequestBody): string {
  for (let i = body.messages.length - 1; i >= 0; i -= 1) {
    const message = body.messages[i];
    if (message?.role === "user") {
      const text = messageText(message);
      if (text !== "") {
        return text;
      }
    }
  }
  return "";
}

function openAIError(status: number, message?: string): unknown {
  switch (status) {
    case 400:
      return { error: { message: message ?? "Invalid request.", type: "invalid_request_error", param: null, code: null } };
    case 401:
      return {
        error: { message: message ?? "Incorrect API key provided.", type: "invalid_request_error", param: null, code: "invalid_api_key" },
      };
    case 429:
      return {
        error: {
          message: message ?? "Rate limit reached for requests. Please try again in 20ms.",
          type: "requests",
          param: null,
          code: "rate_limit_exceeded",
        },
      };
    case 500:
      return {
        error: {
          message: message ?? "The server had an error while processing your request. Sorry about that!",
          type: "server_error",
          param: null,
          code: null,
        },
      };
    case 503:
      return {
        error: { message: message ?? "The engine is currently overloaded, please try again later.", type: "server_error", param: null, code: null },
      };
    default:
      return { error: { message: message ?? `Error ${status}`, type: "api_error", param: null, code: null } };
  }
}

interface BuiltChoice {
  message: {
    role: "assistant";
    content: string | null;
    refusal: null;
    tool_calls?: { id: string; type: "function"; function: { name: string; arguments: string } }[];
    annotations: [];
  };
  finishReason: "stop" | "tool_calls";
  completionText: string;
}

function buildChoice(reply: FakeReply): BuiltChoice {
  if (reply.toolCalls === undefined) {
    return {
      message: { role: "assistant", content: reply.text, refusal: null, annotations: [] },
      finishReason: "stop",
      completionText: reply.text,
    };
  }
  const toolCalls = reply.toolCalls.map((call) => ({
    id: call.id ?? `call_${randomId(24)}`,
    type: "function" as const,
    function: { name: call.name, arguments: toolArgumentsJson(call.arguments) },
  }));
  return {
    message: { role: "assistant", content: reply.text ?? null, refusal: null, tool_calls: toolCalls, annotations: [] },
    finishReason: "tool_calls",
    completionText: (reply.text ?? "") + toolCalls.map((c) => c.function.name + c.function.arguments).join(""),
  };
}

/** A fake OpenAI-compatible Chat Completions server. */
export class FakeOpenAI extends FakeLlmServer<ChatCompletionRequestBody, FakeOpenAIOptions> {
  constructor(options: FakeOpenAIOptions = {}) {
    super("fake openai", options);
    this.app.post("/v1/chat/completions", (c) => this.handle(c));
    this.app.post("/chat/completions", (c) => this.handle(c));
    const models = (c: Context): Response =>
      c.json({ object: "list", data: [{ id: "gpt-4o-mini", object: "model", created: 1_700_000_000, owned_by: "lx-sandbox" }] });
    this.app.get("/v1/models", models);
    this.app.get("/models", models);
    this.app.notFound((c) => c.json(openAIError(404, `Invalid URL (${c.req.method} ${c.req.path})`), 404));
  }

  protected async handle(c: Context): Promise<Response> {
    const headers = requestHeaders(c);
    const key = /^Bearer\s+(\S+)/i.exec(headers.authorization ?? "")?.[1];
    if ((key === undefined && this.options.apiKey !== null) || (typeof this.options.apiKey === "string" && key !== this.options.apiKey)) {
      return c.json(
        openAIError(401, key === undefined ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth." : undefined),
        401,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(await requestBodyText(c));
    } catch {
      return c.json(openAIError(400, "We could not parse the JSON body of your request."), 400);
    }
    const parsed = ZChatCompletionRequest.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue?.path.join(".") ?? "";
      return c.json(
        { error: { message: `Invalid request: ${param} ${issue?.message ?? ""}`.trim(), type: "invalid_request_error", param, code: null } },
        400,
      );
    }
    const body = parsed.data;
    const core = this.core;
    const record = core.receive(c.req.path, headers, body, lastUserTextOf(body));
    this.options.onLog?.("fake openai: request", { index: record.index, model: body.model });
    const requestId = `req_${randomId(32)}`;

    const failure = core.takeFailure();
    if (failure !== undefined) {
      record.failure = failure;
      if ("hang" in failure) {
        return new Promise<Response>(() => undefined);
      }
      await core.wait();
      core.responded(record, failure.status);
      return new Response(JSON.stringify(failure.body ?? openAIError(failure.status)), {
        status: failure.status,
        headers: { "content-type": "application/json", "x-request-id": requestId, ...failure.headers },
      });
    }

    const reply = await core.computeReply(record);
    record.reply = reply;
    await core.wait();
    const choice = buildChoice(reply);
    const promptText = body.messages.map((m) => `${m.role}: ${messageText(m)}`).join("\n") + JSON.stringify(body.tools ?? []);
    const promptTokens = estimateTokens(promptText) + body.messages.length;
    const completionTokens = estimateTokens(choice.completionText);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    };
    const id = `chatcmpl-${randomId(29)}`;
    const created = Math.floor(Date.now() / 1000);
    const responseHeaders = { "x-request-id": requestId, "openai-processing-ms": String(core.latencyMs) };
    core.responded(record, 200);

    if (body.stream === true) {
      const chunk = (delta: unknown, finishReason: string | null): unknown => ({
        id,
        object: "chat.completion.chunk",
        created,
        model: body.model,
        system_fingerprint: "fp_lx_sandbox",
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      });
      const events: { data: unknown }[] = [{ data: chunk({ role: "assistant", content: "", refusal: null }, null) }];
      if (choice.message.content !== null && choice.message.content !== "") {
        events.push({ data: chunk({ content: choice.message.content }, null) });
      }
      (choice.message.tool_calls ?? []).forEach((call, index) => {
        events.push({
          data: chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }, null),
        });
        events.push({ data: chunk({ tool_calls: [{ index, function: { arguments: call.function.arguments } }] }, null) });
      });
      events.push({ data: chunk({}, choice.finishReason) });
      if (body.stream_options?.include_usage === true) {
        events.push({
          data: { id, object: "chat.completion.chunk", created, model: body.model, system_fingerprint: "fp_lx_sandbox", choices: [], usage },
        });
      }
      events.push({ data: "[DONE]" });
      return sseResponse(events, responseHeaders);
    }

    return new Response(
      JSON.stringify({
        id,
        object: "chat.completion",
        created,
        model: body.model,
        choices: [{ index: 0, message: choice.message, logprobs: null, finish_reason: choice.finishReason }],
        usage,
        service_tier: "default",
        system_fingerprint: "fp_lx_sandbox",
      }),
      { status: 200, headers: { "content-type": "application/json", ...responseHeaders } },
    );
  }
}

export function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  return new FakeOpenAI(options).listen();
}
