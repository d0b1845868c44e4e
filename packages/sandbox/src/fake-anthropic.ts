/**
 * A fake Anthropic Messages server: `POST /v1/messages` answering real Message objects (text or
 * tool_use blocks, optionally streamed as SSE events), with scripted replies, latency, failure
 * injection in Anthropic's error JSON, and request recording.
 * Point the SDK at it with `new Anthropic({ apiKey: "test", baseURL: fake.url })`.
 */
import type { Context } from "hono";
import { z } from "zod";
import {
  estimateTokens,
  FakeLlmServer,
  sseResponse,
  toolArgumentsObject,
  type FakeLlmServerOptions,
  type FakeReply,
  type LlmRequestRecord,
} from "./fake-llm-common.ts";
import { randomId, requestBodyText, requestHeaders } from "./http-server.ts";

const ZBlock = z.looseObject({ type: z.string(), text: z.string().optional() });

const ZAnthropicMessage = z.looseObject({
  role: z.enum(["user", "assistant"]),
  content: z.union([z.string(), z.array(ZBlock)]),
});

const ZMessagesRequest = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z.array(ZAnthropicMessage).min(1),
  system: z.union([z.string(), z.array(ZBlock)]).optional(),
  tools: z.array(z.looseObject({ name: z.string(), description: z.string().optional(), input_schema: z.unknown().optional() })).optional(),
  tool_choice: z.unknown().optional(),
  stream: z.boolean().optional(),
});

export type MessagesRequestBody = z.infer<typeof ZMessagesRequest>;
export type AnthropicMessage = z.infer<typeof ZAnthropicMessage>;
export type FakeAnthropicRequest = LlmRequestRecord<MessagesRequestBody>;

/** `apiKey`, when set, must come as `x-api-key: <apiKey>`; otherwise any key works. */
export type FakeAnthropicOptions = FakeLlmServerOptions<MessagesRequestBody>;

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
};

const ERROR_MESSAGES: Record<number, string> = {
  429: "Number of request tokens has exceeded your per-minute rate limit.",
  500: "Internal server error",
  503: "Service unavailable",
  529: "Overloaded",
};

function anthropicError(status: number, requestId: string, message?: string): unknown {
  return {
    type: "error",
    error: { type: ERROR_TYPES[status] ?? "api_error", message: message ?? ERROR_MESSAGES[status] ?? `Error ${status}` },
    request_id: requestId,
  };
}

function contentText(content: AnthropicMessage["content"]): string {
  if (typeof content === "string") {
    return content;
  }
  return content
    .filter((block) => block.type === "text" && typeof block.text === "string")
    .map((block) => block.text ?? "")
    .join("\n");
}

function lastUserTextOf(body: MessagesRequestBody): string {
  for (let i = body.messages.length - 1; i >= 0; i -= 1) {
    const message = body.messages[i];
    if (message?.role === "user") {
      const text = contentText(message.content);
      if (text !== "") {
        return text;
      }
    }
  }
  return "";
}

type ContentBlock = { type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: unknown };

function buildContent(reply: FakeReply): { content: ContentBlock[]; stopReason: "end_turn" | "tool_use" } {
  if (reply.toolCalls === undefined) {
    return { content: [{ type: "text", text: reply.text }], stopReason: "end_turn" };
  }
  const content: ContentBlock[] = [];
  if (reply.text !== undefined && reply.text !== "") {
    content.push({ type: "text", text: reply.text });
  }
  for (const call of reply.toolCalls) {
    content.push({ type: "tool_use", id: call.id ?? `toolu_${randomId(24)}`, name: call.name, input: toolArgumentsObject(call.arguments) });
  }
  return { content, stopReason: "tool_use" };
}

/** A fake Anthropic Messages API server. */
export class FakeAnthropic extends FakeLlmServer<MessagesRequestBody, FakeAnthropicOptions> {
  constructor(options: FakeAnthropicOptions = {}) {
    super("fake anthropic", options);
    this.app.post("/v1/messages", (c) => this.handle(c));
    this.app.notFound((c) => c.json(anthropicError(404, `req_${randomId(24)}`, `Not found: ${c.req.method} ${c.req.path}`), 404));
  }

  protected async handle(c: Context): Promise<Response> {
    const headers = requestHeaders(c);
    const requestId = `req_${randomId(24)}`;
    const key = headers["x-api-key"] ?? /^Bearer\s+(\S+)/i.exec(headers.authorization ?? "")?.[1];
    if ((key === undefined && this.options.apiKey !== null) || (typeof this.options.apiKey === "string" && key !== this.options.apiKey)) {
      return c.json(anthropicError(401, requestId, key === undefined ? "x-api-key header is required" : "invalid x-api-key"), 401);
    }
    let json: unknown;
    try {
      json = JSON.parse(await requestBodyText(c));
    } catch {
      return c.json(anthropicError(400, requestId, "There was an issue with the JSON body of your request."), 400);
    }
    const parsed = ZMessagesRequest.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return c.json(anthropicError(400, requestId, `${issue?.path.join(".") ?? ""}: ${issue?.message ?? "invalid request"}`), 400);
    }
    const body = parsed.data;
    const core = this.core;
    const record = core.receive(c.req.path, headers, body, lastUserTextOf(body));
    this.options.onLog?.("fake anthropic: request", { index: record.index, model: body.model });

    const failure = core.takeFailure();
    if (failure !== undefined) {
      record.failure = failure;
      if ("hang" in failure) {
        return new Promise<Response>(() => undefined);
      }
      await core.wait();
      core.responded(record, failure.status);
      return new Response(JSON.stringify(failure.body ?? anthropicError(failure.status, requestId)), {
        status: failure.status,
        headers: { "content-type": "application/json", "request-id": requestId, ...failure.headers },
      });
    }

    const reply = await core.computeReply(record);
    record.reply = reply;
    await core.wait();
    const { content, stopReason } = buildContent(reply);
    const systemText = body.system === undefined ? "" : typeof body.system === "string" ? body.system : contentText(body.system);
    const inputTokens = estimateTokens(
      systemText + body.messages.map((m) => `${m.role}: ${typeof m.content === "string" ? m.content : JSON.stringify(m.content)}`).join("\n") + JSON.stringify(body.tools ?? []),
    );
    const outputTokens = estimateTokens(content.map((b) => (b.type === "text" ? b.text : b.name + JSON.stringify(b.input))).join(""));
    const id = `msg_${randomId(24)}`;
    const headersOut = { "request-id": requestId };
    core.responded(record, 200);

    if (body.stream === true) {
      const events: { event: string; data: unknown }[] = [
        {
          event: "message_start",
          data: {
            type: "message_start",
            message: {
              id,
              type: "message",
              role: "assistant",
              model: body.model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: inputTokens, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
            },
          },
        },
      ];
      content.forEach((block, index) => {
        if (block.type === "text") {
          events.push({ event: "content_block_start", data: { type: "content_block_start", index, content_block: { type: "text", text: "" } } });
          events.push({ event: "content_block_delta", data: { type: "content_block_delta", index, delta: { type: "text_delta", text: block.text } } });
        } else {
          events.push({
            event: "content_block_start",
            data: { type: "content_block_start", index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } },
          });
          events.push({
            event: "content_block_delta",
            data: { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } },
          });
        }
        events.push({ event: "content_block_stop", data: { type: "content_block_stop", index } });
      });
      events.push({
        event: "message_delta",
        data: { type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } },
      });
      events.push({ event: "message_stop", data: { type: "message_stop" } });
      return sseResponse(events, headersOut);
    }

    return new Response(
      JSON.stringify({
        id,
        type: "message",
        role: "assistant",
        model: body.model,
        content,
        stop_reason: stopReason,
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: outputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
      }),
      { status: 200, headers: { "content-type": "application/json", ...headersOut } },
    );
  }
}

export function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  return new FakeAnthropic(options).listen();
}
