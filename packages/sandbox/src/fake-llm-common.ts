/**
 * What the OpenAI and Anthropic fakes share: scripted replies, failure injection, latency, and
 * request / event recording with an event-based `waitFor`.
 */
import { Hono, type Context } from "hono";

import { DEFAULT_WAIT_MS, Recorder } from "./recorder.ts";
import { listenApp, sleep, type ListenOptions, type LogFn, type RunningServer } from "./http-server.ts";

export interface FakeToolCall {
  name: string;
  /** An object (serialised for OpenAI) or a JSON string. Default `{}`. */
  arguments?: unknown;
  /** Default a fresh `call_…` / `toolu_…` id. */
  id?: string;
}

/** What the fake model answers: text, or tool calls (optionally with text before them). */
export type FakeReply = { text: string; toolCalls?: undefined } | { toolCalls: FakeToolCall[]; text?: string };

/** An HTTP error with the provider's error JSON (default body by status), or a request never answered. */
export type LlmFailure = { status: number; body?: unknown; headers?: Record<string, string> } | { hang: true };

export interface LlmRequestRecord<Body> {
  /** 0-based arrival order since the last reset. */
  index: number;
  at: number;
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: Body;
  /** Text of the last user message that has text ("" if none). */
  lastUserText: string;
  /** Filled when answered. */
  status?: number;
  reply?: FakeReply;
  failure?: LlmFailure;
  respondedAt?: number;
}

/** `received` when a request arrives, `responded` just before its answer is sent. */
export interface LlmEvent {
  kind: "received" | "responded";
  index: number;
  at: number;
}

export type ReplyFn<Body> = (request: LlmRequestRecord<Body>) => FakeReply | Promise<FakeReply>;

export interface FakeLlmOptions<Body> {
  /** Computes each answer (after queued replies). Default: `Resposta para: <last user text>`. */
  reply?: ReplyFn<Body>;
  /** Delay before each answer; concurrent requests wait concurrently. */
  latencyMs?: number;
  /** Failures for the first requests, like calling `failNext(n, failure)`. */
  failNext?: { n: number; failure: LlmFailure };
}

export function defaultReplyText(lastUserText: string): string {
  return `Resposta para: ${lastUserText}`;
}

/** A rough, deterministic token estimate (4 characters a token). */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function toolArgumentsJson(value: unknown): string {
  if (value === undefined) {
    return "{}";
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}

export function toolArgumentsObject(value: unknown): unknown {
  if (typeof value !== "string") {
    return value ?? {};
  }
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return {};
  }
}

export class LlmCore<Body> {
  readonly requests: Recorder<LlmRequestRecord<Body>>;
  readonly events = new Recorder<LlmEvent>((e) => `${e.kind} #${e.index}`);
  readonly #options: FakeLlmOptions<Body>;
  #failNext: LlmFailure[] = [];
  #queue: FakeReply[] = [];
  #replyFn: ReplyFn<Body> | undefined;
  #latencyMs: number;
  #counter = 0;

  constructor(options: FakeLlmOptions<Body>, describe: (r: LlmRequestRecord<Body>) => string) {
    this.#options = options;
    this.requests = new Recorder(describe);
    this.#replyFn = options.reply;
    this.#latencyMs = options.latencyMs ?? 0;
    if (options.failNext !== undefined) {
      this.failNext(options.failNext.n, options.failNext.failure);
    }
  }

  get latencyMs(): number {
    return this.#latencyMs;
  }

  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  failNext(n: number, failure: LlmFailure): void {
    for (let i = 0; i < n; i += 1) {
      this.#failNext.push(failure);
    }
  }

  enqueueReply(replies: FakeReply[]): void {
    this.#queue.push(...replies);
  }

  setReply(fn: ReplyFn<Body> | undefined): void {
    this.#replyFn = fn;
  }

  reset(): void {
    this.requests.clear();
    this.events.clear();
    this.#failNext = [];
    this.#queue = [];
    this.#replyFn = this.#options.reply;
    this.#latencyMs = this.#options.latencyMs ?? 0;
    this.#counter = 0;
  }

  receive(path: string, headers: Record<string, string>, body: Body, lastUserText: string): LlmRequestRecord<Body> {
    const record: LlmRequestRecord<Body> = { index: this.#counter, at: Date.now(), path, headers, body, lastUserText };
    this.#counter += 1;
    this.requests.push(record);
    this.events.push({ kind: "received", index: record.index, at: record.at });
    return record;
  }

  takeFailure(): LlmFailure | undefined {
    return this.#failNext.shift();
  }

  async computeReply(record: LlmRequestRecord<Body>): Promise<FakeReply> {
    const queued = this.#queue.shift();
    if (queued !== undefined) {
      return queued;
    }
    if (this.#replyFn !== undefined) {
      return this.#replyFn(record);
    }
    return { text: defaultReplyText(record.lastUserText) };
  }

  /** Waits the configured latency (concurrently with other requests). */
  async wait(): Promise<void> {
    await sleep(this.#latencyMs);
  }

  responded(record: LlmRequestRecord<Body>, status: number): void {
    record.status = status;
    record.respondedAt = Date.now();
    this.events.push({ kind: "responded", index: record.index, at: record.respondedAt });
  }

  waitFor(predicate: (r: LlmRequestRecord<Body>) => boolean, timeoutMs: number = DEFAULT_WAIT_MS): Promise<LlmRequestRecord<Body>> {
    return this.requests.waitFor(predicate, timeoutMs);
  }
}

export function sseResponse(events: { event?: string; data: unknown }[], headers: Record<string, string>): Response {
  const text = events
    .map((e) => `${e.event === undefined ? "" : `event: ${e.event}\n`}data: ${typeof e.data === "string" ? e.data : JSON.stringify(e.data)}\n\n`)
    .join("");
  return new Response(text, {
    status: 200,
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...headers },
  });
}

/** The options every fake LLM server takes. */
export interface FakeLlmServerOptions<Body> extends FakeLlmOptions<Body>, ListenOptions {
  /**
   * When set, requests must carry this key; otherwise any key works. `null`: a server that needs no
   * key (Ollama, vLLM): a request without one is answered too.
   */
  apiKey?: string | null;
  onLog?: LogFn;
}

/**
 * The shell both fake LLM servers share: the Hono app, the recorded requests and events, scripted
 * replies, latency and failures, listening and stopping. A subclass adds its routes and answers them
 * in its provider's wire format through `core`.
 */
export abstract class FakeLlmServer<Body, Options extends FakeLlmServerOptions<Body> = FakeLlmServerOptions<Body>> {
  readonly app = new Hono();
  protected readonly core: LlmCore<Body>;
  protected readonly options: Options;
  readonly #name: string;
  #server: RunningServer | undefined;

  protected constructor(name: string, options: Options) {
    this.#name = name;
    this.options = options;
    this.core = new LlmCore(options, (r) => `#${r.index} ${modelOf(r.body)} "${r.lastUserText}" → ${r.status ?? "pending"}`);
  }

  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    if (this.#server === undefined) {
      throw new Error(`${this.#name}: not listening`);
    }
    return this.#server.url;
  }

  /** Requests received (well-formed and authenticated), in arrival order. */
  get requests(): readonly LlmRequestRecord<Body>[] {
    return this.core.requests.items;
  }

  /** `received` / `responded` events in the order they happened. */
  get events(): readonly LlmEvent[] {
    return this.core.events.items;
  }

  waitFor(predicate: (request: LlmRequestRecord<Body>) => boolean, timeoutMs: number = DEFAULT_WAIT_MS): Promise<LlmRequestRecord<Body>> {
    return this.core.waitFor(predicate, timeoutMs);
  }

  waitForCount(count: number, timeoutMs: number = DEFAULT_WAIT_MS): Promise<LlmRequestRecord<Body>[]> {
    return this.core.requests.waitForCount(count, () => true, timeoutMs);
  }

  /** The next `n` requests fail with `failure` (status + the provider's error JSON, or never answered). */
  failNext(n: number, failure: LlmFailure): void {
    this.core.failNext(n, failure);
  }

  /** Replies used (first in, first out) before the reply function. */
  enqueueReply(...replies: FakeReply[]): void {
    this.core.enqueueReply(replies);
  }

  setReply(fn: ReplyFn<Body> | undefined): void {
    this.core.setReply(fn);
  }

  setLatency(ms: number): void {
    this.core.setLatency(ms);
  }

  /** Forgets requests, events, failures and queued replies; restores the options' reply and latency. */
  reset(): void {
    this.core.reset();
  }

  /** Starts listening on the options' port and hostname (a free port on 127.0.0.1 by default). */
  async listen(): Promise<this> {
    this.#server = await listenApp(this.app, { port: this.options.port, hostname: this.options.hostname });
    return this;
  }

  async stop(): Promise<void> {
    await this.#server?.close();
  }

  protected abstract handle(c: Context): Promise<Response>;
}

function modelOf(body: unknown): string {
  return typeof body === "object" && body !== null && "model" in body ? String(body.model) : "?";
}
