/**
 * A fake tenant / n8n webhook endpoint (tools backend, handoff notices): records every POST with its
 * raw body and headers, checks `X-LX-Signature`, answers configurable JSON per tool name, and injects
 * failures (status codes, delays, hangs for timeout tests). It also serves as a generic receiver, e.g.
 * of the fake Graph's status webhooks.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { Hono, type Context } from "hono";
import { headersToObject, listenApp, sleep, type ListenOptions, type LogFn, type RunningServer } from "./http-server.ts";
import { DEFAULT_WAIT_MS, Recorder } from "./recorder.ts";

/** `sha256=<hex HMAC-SHA256 of the raw body>` keyed with the tenant's webhook secret. */
export function signLx(secret: string, rawBody: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
}

/** Constant-time check of an `X-LX-Signature` header against the raw body. */
export function verifyLxSignature(secret: string, rawBody: string | Uint8Array, header: string | null | undefined): boolean {
  if (typeof header !== "string" || !/^sha256=[0-9a-fA-F]{64}$/.test(header)) {
    return false;
  }
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  const given = Buffer.from(header.slice("sha256=".length), "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface ReceivedWebhook {
  index: number;
  at: number;
  method: string;
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  rawBody: string;
  /** Parsed body, undefined when it is not JSON. */
  json: unknown;
  /** `tool` / `event` of an LX outgoing webhook body, when present. */
  tool?: string;
  event?: string;
  /** `X-LX-Request-Id`. */
  requestId?: string;
  /** `X-LX-Signature`. */
  signature?: string;
  /** With `options.secret`: whether `X-LX-Signature` matched (bad ones get 401). */
  signatureValid?: boolean;
  failure?: ReceiverFailure;
  /** Filled when answered; absent for hung requests. */
  status?: number;
  respondedAt?: number;
}

export type ReceiverFailure =
  /** Answer this status (and JSON body, default `{ "error": "injected failure" }`). */
  | { kind: "status"; status: number; body?: unknown }
  /** Answer normally after `ms`. */
  | { kind: "delay"; ms: number }
  /** Never answer (the connection closes when the receiver stops). */
  | { kind: "hang" };

/** Computes the JSON answer from the request. */
export type ToolResponder = (request: ReceivedWebhook) => unknown;

/** A JSON value, or a function of the request returning one. */
export type ReceiverResponseBody = ToolResponder | object | string | number | boolean | null;

interface ToolResponse {
  body: ReceiverResponseBody;
  status: number;
}

export interface FakeWebhookReceiverOptions extends ListenOptions {
  /** Checks `X-LX-Signature` with this secret; mismatches are answered 401 (still recorded). */
  secret?: string;
  /** JSON answered per tool name (a value, or a function of the request). */
  toolResponses?: Record<string, ReceiverResponseBody>;
  /** JSON answered for everything else. Default `{ "ok": true }`. */
  defaultResponse?: ReceiverResponseBody;
  latencyMs?: number;
  onLog?: LogFn;
}

interface ReceiverRule {
  predicate: (request: ReceivedWebhook) => boolean;
  failure: ReceiverFailure;
}

function stringField(json: unknown, key: string): string | undefined {
  if (typeof json !== "object" || json === null) {
    return undefined;
  }
  const value = (json as Record<string, unknown>)[key];
  return typeof value === "string" ? value : undefined;
}

/** A recording webhook endpoint on its own port (any path, any method). */
export class FakeWebhookReceiver {
  readonly app: Hono;
  readonly #requests = new Recorder<ReceivedWebhook>(
    (r) => `${r.method} ${r.path} ${r.tool ?? r.event ?? ""} → ${r.status ?? "pending"}`,
  );
  readonly #options: FakeWebhookReceiverOptions;
  readonly #tools = new Map<string, ToolResponse>();
  #failNext: ReceiverFailure[] = [];
  #rules: ReceiverRule[] = [];
  #latencyMs: number;
  #counter = 0;
  #server: RunningServer | undefined;

  constructor(options: FakeWebhookReceiverOptions = {}) {
    this.#options = options;
    this.#latencyMs = options.latencyMs ?? 0;
    this.#loadToolResponses();
    this.app = new Hono();
    this.app.all("*", (c) => this.#handle(c));
  }

  /** Base URL, e.g. `http://127.0.0.1:40123`; any path under it is accepted. */
  get url(): string {
    if (this.#server === undefined) {
      throw new Error("fake webhook receiver: not listening");
    }
    return this.#server.url;
  }

  get requests(): readonly ReceivedWebhook[] {
    return this.#requests.items;
  }

  waitFor(predicate: (request: ReceivedWebhook) => boolean, timeoutMs: number = DEFAULT_WAIT_MS): Promise<ReceivedWebhook> {
    return this.#requests.waitFor(predicate, timeoutMs);
  }

  waitForCount(
    count: number,
    predicate: (request: ReceivedWebhook) => boolean = () => true,
    timeoutMs: number = DEFAULT_WAIT_MS,
  ): Promise<ReceivedWebhook[]> {
    return this.#requests.waitForCount(count, predicate, timeoutMs);
  }

  /** Whether a recorded request carries a valid `X-LX-Signature` for `secret`. */
  verify(request: ReceivedWebhook, secret: string): boolean {
    return verifyLxSignature(secret, request.rawBody, request.signature);
  }

  /** What to answer for calls of tool `name` (JSON value or function of the request). */
  setToolResponse(name: string, body: ReceiverResponseBody, status = 200): void {
    this.#tools.set(name, { body, status });
  }

  /** The next `n` requests get `failure`. */
  failNext(n: number, failure: ReceiverFailure): void {
    for (let i = 0; i < n; i += 1) {
      this.#failNext.push(failure);
    }
  }

  /** Requests matching `predicate` get `failure` (checked before `failNext`). Returns a remover. */
  failWhere(predicate: (request: ReceivedWebhook) => boolean, failure: ReceiverFailure): () => void {
    const rule: ReceiverRule = { predicate, failure };
    this.#rules.push(rule);
    return () => {
      this.#rules = this.#rules.filter((r) => r !== rule);
    };
  }

  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  /** Forgets requests, failures and tool responses set after start; restores the options. */
  reset(): void {
    this.#requests.clear();
    this.#failNext = [];
    this.#rules = [];
    this.#latencyMs = this.#options.latencyMs ?? 0;
    this.#counter = 0;
    this.#tools.clear();
    this.#loadToolResponses();
  }

  /** @internal used by startFakeWebhookReceiver */
  async listen(options: ListenOptions): Promise<void> {
    this.#server = await listenApp(this.app, options);
  }

  async stop(): Promise<void> {
    await this.#server?.close();
  }

  #loadToolResponses(): void {
    for (const [name, body] of Object.entries(this.#options.toolResponses ?? {})) {
      this.#tools.set(name, { body, status: 200 });
    }
  }

  async #handle(c: Context): Promise<Response> {
    const rawBody = await c.req.text();
    let json: unknown;
    try {
      json = rawBody === "" ? undefined : (JSON.parse(rawBody) as unknown);
    } catch {
      json = undefined;
    }
    const headers = headersToObject(c.req.raw.headers);
    const record: ReceivedWebhook = {
      index: this.#counter,
      at: Date.now(),
      method: c.req.method,
      path: c.req.path,
      headers,
      rawBody,
      json,
    };
    this.#counter += 1;
    const tool = stringField(json, "tool");
    const event = stringField(json, "event");
    if (tool !== undefined) {
      record.tool = tool;
    }
    if (event !== undefined) {
      record.event = event;
    }
    if (headers["x-lx-request-id"] !== undefined) {
      record.requestId = headers["x-lx-request-id"];
    }
    if (headers["x-lx-signature"] !== undefined) {
      record.signature = headers["x-lx-signature"];
    }
    const secret = this.#options.secret;
    if (secret !== undefined) {
      record.signatureValid = verifyLxSignature(secret, rawBody, record.signature);
    }
    const failure = this.#rules.find((r) => r.predicate(record))?.failure ?? this.#failNext.shift();
    if (failure !== undefined) {
      record.failure = failure;
    }
    this.#requests.push(record);
    this.#options.onLog?.("fake webhook receiver: request", { path: record.path, tool, event, failure: failure?.kind });

    if (failure?.kind === "hang") {
      return new Promise<Response>(() => undefined);
    }
    if (failure?.kind === "delay") {
      await sleep(failure.ms);
    }
    await sleep(this.#latencyMs);
    if (record.signatureValid === false) {
      return this.#respond(record, { error: "invalid signature" }, 401);
    }
    if (failure?.kind === "status") {
      return this.#respond(record, failure.body ?? { error: "injected failure" }, failure.status);
    }
    const configured = tool === undefined ? undefined : this.#tools.get(tool);
    const source = configured?.body ?? this.#options.defaultResponse ?? { ok: true };
    const body: unknown = typeof source === "function" ? (source as ToolResponder)(record) : source;
    return this.#respond(record, body, configured?.status ?? 200);
  }

  #respond(record: ReceivedWebhook, body: unknown, status: number): Response {
    record.status = status;
    record.respondedAt = Date.now();
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  }
}

export async function startFakeWebhookReceiver(options: FakeWebhookReceiverOptions = {}): Promise<FakeWebhookReceiver> {
  const receiver = new FakeWebhookReceiver(options);
  await receiver.listen({ port: options.port, hostname: options.hostname });
  return receiver;
}
