/**
 * A fake Meta Graph API (`graph.facebook.com`) speaking the real wire format: sends, mark-as-read and
 * typing indicators on `POST /:version/:phoneNumberId/messages`, Meta's error bodies, failure injection
 * (errors, the ambiguous accepted-then-dropped send, delays, hangs) and signed status webhooks
 * (`sent` → `delivered` → `read`) to a configured callback URL.
 *
 * Standalone: `startFakeGraph()` listens on 127.0.0.1 (random port). Mounted: the API builds
 * `createFakeGraphApp(createFakeGraphState(options))` and routes it under a prefix such as `/sandbox/graph`.
 */
import { Hono } from "hono";
import {
  metaJsonStringify,
  newWamid,
  SANDBOX_DEFAULTS,
  signPayload,
  statusUpdate,
  type StatusConversation,
  type StatusName,
  type StatusPricing,
  type WebhookPayload,
} from "./customer.ts";
import { listenApp, randomId, requestBodyText, sleep, socketOf, type ListenOptions, type LogFn, type RunningServer } from "./http-server.ts";
import { defaultHttpStatusForCode, metaErrorBody, type WebhookErrorInput } from "./meta-errors.ts";
import { DEFAULT_WAIT_MS, Recorder } from "./recorder.ts";

// ---------------------------------------------------------------------------------------------
// Types

/** What a failure rule makes the fake do with a request it would otherwise accept. */
export type GraphFailure =
  /**
   * Answer Meta's error JSON; `status` defaults by code (400 for 100/13xxxx, 401 for 190, 429 for
   * 4/80007/130429, 5xx for 1/2/131000/131016). `retryAfter`: a `Retry-After` header (as a proxy or
   * load balancer in front of the API may send).
   */
  | { kind: "error"; code: number; status?: number; subcode?: number; message?: string; details?: string; type?: string; retryAfter?: string }
  /** Accept the message (a wamid is recorded, it counts as sent, statuses follow), then destroy the socket without answering. */
  | { kind: "drop-after-accept" }
  /** Answer normally after `ms`. The message is accepted (and recorded) before the delay. */
  | { kind: "delay"; ms: number }
  /** Never answer; the socket is closed when the fake stops. Nothing is accepted. */
  | { kind: "hang" }
  /** Answer 200 with a wamid, then the status webhook is `failed` with `code` (default 131047), as Meta often does. */
  | { kind: "accept-then-fail"; code?: number; details?: string };

export type GraphOutcome =
  /** Send accepted and answered with a wamid. */
  | "sent"
  /** Send accepted (wamid recorded) but the connection was dropped before answering. */
  | "dropped"
  /** Mark-as-read answered `{ success: true }`. */
  | "read"
  /** Typing indicator (mark-as-read + `typing_indicator`) answered `{ success: true }`. */
  | "typing"
  /** Injected error answered. */
  | "error"
  /** Body rejected by validation (code 100 / 131009). */
  | "invalid"
  /** Missing or wrong Bearer token (code 190). */
  | "unauthorized"
  /** Never answered. */
  | "hung";

/** The body of a `/messages` request, loosely typed (anything the client sent is kept). */
export interface GraphSendBody {
  messaging_product?: unknown;
  recipient_type?: unknown;
  to?: unknown;
  recipient?: unknown;
  type?: unknown;
  context?: unknown;
  biz_opaque_callback_data?: unknown;
  status?: unknown;
  message_id?: unknown;
  typing_indicator?: unknown;
  [key: string]: unknown;
}

export type GraphRequestKind = "send" | "read" | "typing";

export interface GraphRequest {
  /** Date.now() when the request was decided (accepted, rejected, …). */
  at: number;
  version: string;
  phoneNumberId: string;
  /** The Bearer token sent, or null. */
  token: string | null;
  /** Parsed JSON body, or null when it was not a JSON object. */
  body: GraphSendBody | null;
  rawBody: string;
  kind: GraphRequestKind | null;
  outcome: GraphOutcome;
  /** For accepted sends. */
  wamid?: string;
  /** HTTP status answered (absent for dropped / hung). */
  httpStatus?: number;
  /** Meta error code answered, if any. */
  errorCode?: number;
  /** Conveniences read from the body. */
  to?: string;
  recipient?: string;
  type?: string;
  /** `text.body` of a text message. */
  text?: string;
  bizOpaque?: string;
  /** The failure rule applied, if any. */
  failure?: GraphFailure;
}

/** What `failWhere` predicates see (before the fake decides). */
export interface GraphRequestInfo {
  phoneNumberId: string;
  token: string | null;
  body: GraphSendBody;
  kind: GraphRequestKind;
}

export interface WebhookTarget {
  url: string;
  appSecret: string;
}

export interface StatusDelays {
  /** ms after acceptance; null = not sent. Default 5. */
  sent?: number | null;
  /** ms after acceptance; null = not sent. Default 20. */
  delivered?: number | null;
  /** ms after acceptance; null = not sent (default). */
  read?: number | null;
}

export interface WebhookDelivery {
  at: number;
  url: string;
  /** The exact bytes posted (Meta-style escaped JSON). */
  rawBody: string;
  signature: string;
  payload: WebhookPayload;
  wamid: string;
  statusName: StatusName;
  attempt: number;
  /** HTTP status answered by the receiver, or null on a network error. */
  status: number | null;
  error?: string;
}

export interface EmitStatusInput {
  /** Default: the number the wamid was sent from. */
  phoneNumberId?: string;
  wamid: string;
  status: StatusName;
  /** Default: the send's `biz_opaque_callback_data`. */
  bizOpaque?: string;
  /** For `failed`, e.g. `[131047]` or `[{ code: 131026, details: "…" }]`. */
  errors?: (WebhookErrorInput | number)[];
  /** Default: the digits of the send's `to`. */
  recipientId?: string;
  recipientUserId?: string;
  timestamp?: string | number | Date;
  conversation?: StatusConversation;
  pricing?: StatusPricing;
}

export interface NumberConfig {
  displayPhoneNumber?: string;
  wabaId?: string;
  token?: string;
}

export interface FakeGraphOptions extends ListenOptions {
  /** Where status webhooks go (also `setWebhook`). */
  webhook?: WebhookTarget;
  statusDelaysMs?: StatusDelays;
  /** Tokens per phone_number_id (also `setToken`); numbers without one accept any Bearer token. */
  tokens?: Record<string, string>;
  /** Display number and WABA per phone_number_id, used in status webhooks. */
  numbers?: Record<string, NumberConfig>;
  /** Default WABA id of status webhooks. */
  wabaId?: string;
  /** v23 (default): statuses carry `conversation` like the fixtures; v24: conversation omitted. */
  statusShape?: "v23" | "v24";
  /** Pricing category of template messages in statuses (default `utility`). */
  templateCategory?: string;
  /** Re-deliveries of a status webhook answered non-200 or failing (default 2, delay doubling from `webhookRetryDelayMs`). */
  webhookRetries?: number;
  webhookRetryDelayMs?: number;
  /** Latency added to every answer (also `setLatency`). */
  latencyMs?: number;
  onLog?: LogFn;
}

interface FailureRule {
  predicate: (info: GraphRequestInfo) => boolean;
  failure: GraphFailure;
}

interface PendingHang {
  destroy: (() => void) | undefined;
  release: (response: Response) => void;
}

const SEND_TYPES = new Set([
  "text",
  "template",
  "interactive",
  "image",
  "audio",
  "document",
  "video",
  "sticker",
  "reaction",
  "location",
  "contacts",
]);

const BODY_KEYS = new Set([
  "messaging_product",
  "recipient_type",
  "to",
  "recipient",
  "type",
  "context",
  "biz_opaque_callback_data",
  "status",
  "message_id",
  "typing_indicator",
  ...SEND_TYPES,
]);

const DEFAULT_DELAYS = { sent: 5, delivered: 20, read: null } as const;

// ---------------------------------------------------------------------------------------------
// Validation (a useful subset of Meta's rules, reference doc §5 and §10)

type Validation = { ok: true; kind: GraphRequestKind } | { ok: false; code: number; details: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function invalid(details: string, code = 100): Validation {
  return { ok: false, code, details };
}

function validateBody(body: GraphSendBody): Validation {
  if (body.messaging_product !== "whatsapp") {
    return invalid("The parameter messaging_product is required and must be \"whatsapp\".");
  }
  for (const key of Object.keys(body)) {
    if (!BODY_KEYS.has(key)) {
      return invalid(`Unexpected key "${key}" on param "message".`);
    }
  }
  if (body.status !== undefined) {
    if (body.status !== "read" || typeof body.message_id !== "string" || body.message_id === "") {
      return invalid("Mark as read needs status \"read\" and a message_id.");
    }
    if (body.typing_indicator === undefined) {
      return { ok: true, kind: "read" };
    }
    if (!isRecord(body.typing_indicator) || body.typing_indicator.type !== "text") {
      return invalid("Param typing_indicator[type] must be \"text\".");
    }
    return { ok: true, kind: "typing" };
  }
  const to = body.to ?? body.recipient;
  if (typeof to !== "string" || to.trim() === "") {
    return invalid("The parameter to is required.");
  }
  const type = body.type ?? "text";
  if (typeof type !== "string" || !SEND_TYPES.has(type)) {
    return invalid(`Param type must be one of {${[...SEND_TYPES].join(", ")}} - got ${JSON.stringify(type)}.`);
  }
  const content = body[type];
  if (!isRecord(content) && !(type === "contacts" && Array.isArray(content))) {
    return invalid(`The parameter ${type} is required.`);
  }
  const problem = validateContent(type, content);
  if (problem !== undefined) {
    return problem;
  }
  return { ok: true, kind: "send" };
}

function validateContent(type: string, content: unknown): Validation | undefined {
  if (!isRecord(content)) {
    return undefined;
  }
  switch (type) {
    case "text": {
      for (const key of Object.keys(content)) {
        if (key !== "body" && key !== "preview_url") {
          return invalid(`Unexpected key "${key}" on param "text".`);
        }
      }
      if (typeof content.body !== "string" || content.body === "") {
        return invalid("The parameter text['body'] is required.");
      }
      if (content.body.length > 4096) {
        return invalid("Param text['body'] must be at most 4096 characters long.");
      }
      return undefined;
    }
    case "template": {
      if (typeof content.name !== "string" || content.name === "") {
        return invalid("The parameter template['name'] is required.");
      }
      if (!isRecord(content.language) || typeof content.language.code !== "string") {
        return invalid("The parameter template['language']['code'] is required.");
      }
      return undefined;
    }
    case "interactive":
      return validateInteractive(content);
    case "image":
    case "audio":
    case "document":
    case "video":
    case "sticker": {
      if (typeof content.id !== "string" && typeof content.link !== "string") {
        return invalid(`Param ${type} must contain an id or a link.`);
      }
      return undefined;
    }
    case "reaction": {
      if (typeof content.message_id !== "string" || typeof content.emoji !== "string") {
        return invalid("The parameters reaction['message_id'] and reaction['emoji'] are required.");
      }
      return undefined;
    }
    case "location": {
      if (typeof content.latitude !== "number" || typeof content.longitude !== "number") {
        return invalid("The parameters location['latitude'] and location['longitude'] are required.");
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function validateInteractive(content: Record<string, unknown>): Validation | undefined {
  const kind = content.type;
  if (typeof kind !== "string") {
    return invalid("The parameter interactive['type'] is required.");
  }
  const action = content.action;
  if (kind === "button" || kind === "list") {
    if (!isRecord(content.body) || typeof content.body.text !== "string") {
      return invalid("The parameter interactive['body']['text'] is required.");
    }
    if (!isRecord(action)) {
      return invalid("The parameter interactive['action'] is required.");
    }
  }
  if (kind === "button" && isRecord(action)) {
    const buttons = action.buttons;
    if (!Array.isArray(buttons) || buttons.length < 1 || buttons.length > 3) {
      return invalid("Param interactive['action']['buttons'] must have between 1 and 3 elements.", 131009);
    }
    for (const button of buttons) {
      const reply = isRecord(button) ? button.reply : undefined;
      if (!isRecord(reply) || typeof reply.id !== "string" || typeof reply.title !== "string") {
        return invalid("Each button needs reply['id'] and reply['title'].", 131009);
      }
      if (reply.title.length > 20) {
        return invalid("Button title length invalid. Max length is 20.", 131009);
      }
    }
  }
  if (kind === "list" && isRecord(action)) {
    const sections = action.sections;
    if (typeof action.button !== "string" || !Array.isArray(sections) || sections.length < 1 || sections.length > 10) {
      return invalid("Param interactive['action'] needs a button label and 1 to 10 sections.", 131009);
    }
    let rows = 0;
    for (const section of sections) {
      const sectionRows = isRecord(section) ? section.rows : undefined;
      if (!Array.isArray(sectionRows)) {
        return invalid("Each section needs rows.", 131009);
      }
      for (const row of sectionRows) {
        if (!isRecord(row) || typeof row.id !== "string" || typeof row.title !== "string" || row.title.length > 24) {
          return invalid("Each row needs an id and a title of at most 24 characters.", 131009);
        }
        rows += 1;
      }
    }
    if (rows < 1 || rows > 10) {
      return invalid("Total row count exceed max allowed count: 10", 131009);
    }
  }
  return undefined;
}

function digitsOf(value: string): string {
  return value.replace(/\D/g, "");
}

function bearerOf(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S.*)$/i.exec(header ?? "");
  return match?.[1]?.trim() ?? null;
}

function jsonResponse(body: unknown, status: number, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

function describeRequest(r: GraphRequest): string {
  const what = r.kind === "send" ? `${r.type ?? "?"} to ${r.to ?? r.recipient ?? "?"}` : (r.kind ?? "unparsed");
  const code = r.errorCode === undefined ? "" : ` code ${r.errorCode}`;
  return `${r.outcome}${code} ${what} via ${r.phoneNumberId}${r.wamid === undefined ? "" : ` ${r.wamid}`}`;
}

// ---------------------------------------------------------------------------------------------
// State

/**
 * Everything the fake Graph knows and all its test controls. Serve it with `startFakeGraph`, or mount
 * `createFakeGraphApp(state)` in another Hono app.
 */
export class FakeGraphState {
  readonly #requests = new Recorder<GraphRequest>(describeRequest);
  readonly #deliveries = new Recorder<WebhookDelivery>((d) => `${d.statusName} ${d.wamid} → ${d.status ?? d.error ?? "?"}`);
  readonly #tokens = new Map<string, string>();
  readonly #numbers = new Map<string, NumberConfig>();
  readonly #conversationIds = new Map<string, string>();
  readonly #options: FakeGraphOptions;
  #failNext: GraphFailure[] = [];
  #rules: FailureRule[] = [];
  #latencyMs: number;
  #webhook: WebhookTarget | null;
  #delays: { sent: number | null; delivered: number | null; read: number | null };
  #lifecycle = new AbortController();
  #hangs = new Set<PendingHang>();

  constructor(options: FakeGraphOptions = {}) {
    this.#options = options;
    this.#latencyMs = options.latencyMs ?? 0;
    this.#webhook = options.webhook ?? null;
    this.#delays = { ...DEFAULT_DELAYS, ...options.statusDelaysMs };
    for (const [phoneNumberId, token] of Object.entries(options.tokens ?? {})) {
      this.#tokens.set(phoneNumberId, token);
    }
    for (const [phoneNumberId, config] of Object.entries(options.numbers ?? {})) {
      this.#numbers.set(phoneNumberId, config);
      if (config.token !== undefined) {
        this.#tokens.set(phoneNumberId, config.token);
      }
    }
  }

  // --- inspection -----------------------------------------------------------------------------

  /** Every request to `/messages`, in arrival order. */
  get requests(): readonly GraphRequest[] {
    return this.#requests.items;
  }

  /** Accepted sends (answered or dropped after acceptance), excluding mark-as-read / typing. */
  sent(): GraphRequest[] {
    return this.#requests.items.filter((r) => r.outcome === "sent" || r.outcome === "dropped");
  }

  /** Resolves with the first recorded request matching `predicate` (already there or to come). */
  waitFor(predicate: (request: GraphRequest) => boolean, timeoutMs: number = DEFAULT_WAIT_MS): Promise<GraphRequest> {
    return this.#requests.waitFor(predicate, timeoutMs);
  }

  /** Resolves once `count` recorded requests match `predicate` (default: accepted sends). */
  waitForCount(
    count: number,
    predicate: (request: GraphRequest) => boolean = (r) => r.outcome === "sent" || r.outcome === "dropped",
    timeoutMs: number = DEFAULT_WAIT_MS,
  ): Promise<GraphRequest[]> {
    return this.#requests.waitForCount(count, predicate, timeoutMs);
  }

  /** Status webhooks posted (every attempt). */
  get deliveries(): readonly WebhookDelivery[] {
    return this.#deliveries.items;
  }

  waitForDelivery(predicate: (delivery: WebhookDelivery) => boolean, timeoutMs: number = DEFAULT_WAIT_MS): Promise<WebhookDelivery> {
    return this.#deliveries.waitFor(predicate, timeoutMs);
  }

  // --- controls -------------------------------------------------------------------------------

  /**
   * The next `n` sends (not mark-as-read / typing) get `failure`. Queued after earlier `failNext` calls.
   * Requests rejected by auth or validation do not consume it.
   */
  failNext(n: number, failure: GraphFailure): void {
    for (let i = 0; i < n; i += 1) {
      this.#failNext.push(failure);
    }
  }

  /** Every request matching `predicate` gets `failure` (checked before `failNext`). Returns a remover. */
  failWhere(predicate: (info: GraphRequestInfo) => boolean, failure: GraphFailure): () => void {
    const rule: FailureRule = { predicate, failure };
    this.#rules.push(rule);
    return () => {
      this.#rules = this.#rules.filter((r) => r !== rule);
    };
  }

  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  /** Requests for `phoneNumberId` must carry this token (null: any token). */
  setToken(phoneNumberId: string, token: string | null): void {
    if (token === null) {
      this.#tokens.delete(phoneNumberId);
    } else {
      this.#tokens.set(phoneNumberId, token);
    }
  }

  setNumber(phoneNumberId: string, config: NumberConfig): void {
    this.#numbers.set(phoneNumberId, config);
    if (config.token !== undefined) {
      this.#tokens.set(phoneNumberId, config.token);
    }
  }

  /** Where status webhooks go; null stops them. */
  setWebhook(webhook: WebhookTarget | null): void {
    this.#webhook = webhook;
  }

  setStatusDelays(delays: StatusDelays): void {
    this.#delays = { ...this.#delays, ...delays };
  }

  /**
   * Forgets recorded requests and deliveries, failure rules and latency, cancels pending status
   * webhooks and releases hung requests. Keeps tokens, numbers, webhook target and status delays.
   */
  reset(): void {
    this.#requests.clear();
    this.#deliveries.clear();
    this.#failNext = [];
    this.#rules = [];
    this.#latencyMs = this.#options.latencyMs ?? 0;
    this.#cancelPending();
  }

  /** Cancels pending status webhooks and releases hung requests (the server's stop calls it). */
  dispose(): void {
    this.#cancelPending();
  }

  #cancelPending(): void {
    this.#lifecycle.abort();
    this.#lifecycle = new AbortController();
    for (const hang of this.#hangs) {
      if (hang.destroy !== undefined) {
        hang.destroy();
      } else {
        hang.release(jsonResponse(metaErrorBody(2), 503));
      }
    }
    this.#hangs.clear();
  }

  /** Posts one status webhook now (e.g. `failed` with 131047) and resolves with the delivery. */
  async emitStatus(input: EmitStatusInput): Promise<WebhookDelivery> {
    const webhook = this.#webhook;
    if (webhook === null) {
      throw new Error("fake graph: no webhook target; pass options.webhook or call setWebhook()");
    }
    const send = this.#requests.items.find((r) => r.wamid === input.wamid);
    const phoneNumberId = input.phoneNumberId ?? send?.phoneNumberId;
    if (phoneNumberId === undefined) {
      throw new Error(`fake graph: unknown wamid ${input.wamid}; pass phoneNumberId`);
    }
    const number = this.#numbers.get(phoneNumberId);
    const payload = statusUpdate({
      phoneNumberId,
      displayPhoneNumber: number?.displayPhoneNumber ?? SANDBOX_DEFAULTS.displayPhoneNumber,
      wabaId: number?.wabaId ?? this.#options.wabaId ?? SANDBOX_DEFAULTS.wabaId,
      wamid: input.wamid,
      status: input.status,
      recipientId: input.recipientId ?? (input.recipientUserId === undefined && send?.to !== undefined ? digitsOf(send.to) : undefined),
      recipientUserId: input.recipientUserId ?? (send?.to === undefined ? send?.recipient : undefined),
      bizOpaque: input.bizOpaque ?? send?.bizOpaque,
      timestamp: input.timestamp,
      conversation: input.conversation,
      pricing: input.pricing,
      errors: input.errors,
    });
    return this.#deliver(webhook, payload, input.wamid, input.status, this.#lifecycle.signal);
  }

  async #deliver(
    webhook: WebhookTarget,
    payload: WebhookPayload,
    wamid: string,
    statusName: StatusName,
    signal: AbortSignal,
  ): Promise<WebhookDelivery> {
    const rawBody = metaJsonStringify(payload);
    const signature = signPayload(webhook.appSecret, rawBody);
    const retries = this.#options.webhookRetries ?? 2;
    let delay = this.#options.webhookRetryDelayMs ?? 50;
    for (let attempt = 1; ; attempt += 1) {
      const delivery: WebhookDelivery = {
        at: Date.now(),
        url: webhook.url,
        rawBody,
        signature,
        payload,
        wamid,
        statusName,
        attempt,
        status: null,
      };
      try {
        const response = await fetch(webhook.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "facebookexternalua",
            "x-hub-signature-256": signature,
          },
          body: rawBody,
          signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
        });
        delivery.status = response.status;
        await response.arrayBuffer();
      } catch (error) {
        delivery.error = error instanceof Error ? error.message : String(error);
      }
      if (signal.aborted) {
        return delivery;
      }
      this.#deliveries.push(delivery);
      this.#options.onLog?.("fake graph: status webhook", {
        status: statusName,
        wamid,
        attempt,
        answered: delivery.status,
        error: delivery.error,
      });
      if (delivery.status === 200 || attempt > retries) {
        return delivery;
      }
      await sleep(delay, signal);
      delay *= 2;
      if (signal.aborted) {
        return delivery;
      }
    }
  }

  async #runStatuses(record: GraphRequest, failure: GraphFailure | undefined, signal: AbortSignal): Promise<void> {
    const wamid = record.wamid;
    if (wamid === undefined) {
      return;
    }
    const base = { phoneNumberId: record.phoneNumberId, wamid };
    if (failure?.kind === "accept-then-fail") {
      await sleep(this.#delays.sent ?? DEFAULT_DELAYS.sent, signal);
      if (!signal.aborted && this.#webhook !== null) {
        await this.emitStatus({ ...base, status: "failed", errors: [{ code: failure.code ?? 131047, details: failure.details }] });
      }
      return;
    }
    const isTemplate = record.type === "template";
    const category = isTemplate ? (this.#options.templateCategory ?? "utility") : "service";
    const pricing: StatusPricing = isTemplate
      ? { billable: true, pricing_model: "PMP", type: "regular", category }
      : { billable: false, pricing_model: "PMP", type: "free_customer_service", category };
    // Keyed by the user as Meta knows them: "+5511…" and "5511…" are the same phone.
    const conversationKey = `${record.phoneNumberId}:${record.to !== undefined ? digitsOf(record.to) : (record.recipient ?? "")}`;
    let conversationId = this.#conversationIds.get(conversationKey);
    if (conversationId === undefined) {
      conversationId = randomId(32).toLowerCase();
      this.#conversationIds.set(conversationKey, conversationId);
    }
    const v23 = (this.#options.statusShape ?? "v23") === "v23";
    let elapsed = 0;
    for (const name of ["sent", "delivered", "read"] as const) {
      const at = this.#delays[name];
      if (at === null) {
        continue;
      }
      await sleep(at - elapsed, signal);
      elapsed = Math.max(elapsed, at);
      if (signal.aborted || this.#webhook === null) {
        return;
      }
      const conversation: StatusConversation | undefined =
        !v23 || name === "read"
          ? undefined
          : name === "sent"
            ? { id: conversationId, expiration_timestamp: String(Math.floor(Date.now() / 1000) + 86_400), origin: { type: category } }
            : { id: conversationId, origin: { type: category } };
      await this.emitStatus({ ...base, status: name, conversation, pricing: name === "read" ? undefined : pricing });
    }
  }

  #decide(info: GraphRequestInfo): GraphFailure | undefined {
    const rule = this.#rules.find((r) => r.predicate(info));
    if (rule !== undefined) {
      return rule.failure;
    }
    if (info.kind === "send") {
      return this.#failNext.shift();
    }
    return undefined;
  }

  #record(partial: Omit<GraphRequest, "at" | "to" | "recipient" | "type" | "text" | "bizOpaque">): GraphRequest {
    const body = partial.body;
    const record: GraphRequest = { at: Date.now(), ...partial };
    if (body !== null) {
      if (typeof body.to === "string") {
        record.to = body.to;
      }
      if (typeof body.recipient === "string") {
        record.recipient = body.recipient;
      }
      if (partial.kind === "send") {
        record.type = typeof body.type === "string" ? body.type : "text";
      }
      const text = body.text;
      if (isRecord(text) && typeof text.body === "string") {
        record.text = text.body;
      }
      if (typeof body.biz_opaque_callback_data === "string") {
        record.bizOpaque = body.biz_opaque_callback_data;
      }
    }
    this.#requests.push(record);
    this.#options.onLog?.(`fake graph: ${describeRequest(record)}`);
    return record;
  }

  /**
   * Handles `POST /:version/:phoneNumberId/messages`. Used by `createFakeGraphApp`; `env` is the
   * @hono/node-server binding (for dropping sockets), absent under `app.request()`.
   */
  async handleMessages(
    request: { authorization: string | undefined; body: string },
    params: { version: string; phoneNumberId: string },
    env: unknown,
  ): Promise<Response> {
    const { version, phoneNumberId } = params;
    const token = bearerOf(request.authorization);
    const rawBody = request.body;
    let body: GraphSendBody | null = null;
    try {
      const parsed: unknown = JSON.parse(rawBody);
      body = isRecord(parsed) ? parsed : null;
    } catch {
      body = null;
    }
    const base = { version, phoneNumberId, token, body, rawBody };

    if (!/^v\d+\.\d+$/.test(version)) {
      this.#record({ ...base, kind: null, outcome: "invalid", httpStatus: 400, errorCode: 100 });
      return this.#answer(metaErrorBody(100, { message: `Unknown path components: /${version}/${phoneNumberId}/messages` }), 400);
    }
    const expected = this.#tokens.get(phoneNumberId);
    if (token === null || (expected !== undefined && token !== expected)) {
      this.#record({ ...base, kind: null, outcome: "unauthorized", httpStatus: 401, errorCode: 190 });
      const message =
        token === null ? "An active access token must be used to query information about the current user." : "Invalid OAuth access token - Cannot parse access token";
      return this.#answer(metaErrorBody(190, { message, subcode: null }), 401);
    }
    if (body === null) {
      this.#record({ ...base, kind: null, outcome: "invalid", httpStatus: 400, errorCode: 100 });
      return this.#answer(metaErrorBody(100, { details: "The request body must be a JSON object." }), 400);
    }
    const validation = validateBody(body);
    if (!validation.ok) {
      this.#record({ ...base, kind: null, outcome: "invalid", httpStatus: 400, errorCode: validation.code });
      return this.#answer(metaErrorBody(validation.code, { details: validation.details }), 400);
    }
    const kind = validation.kind;
    const failure = this.#decide({ phoneNumberId, token, body, kind });
    const withFailure = failure === undefined ? {} : { failure };

    if (failure?.kind === "error") {
      const status = failure.status ?? defaultHttpStatusForCode(failure.code);
      this.#record({ ...base, ...withFailure, kind, outcome: "error", httpStatus: status, errorCode: failure.code });
      return this.#answer(
        metaErrorBody(failure.code, { message: failure.message, details: failure.details, subcode: failure.subcode, type: failure.type }),
        status,
        failure.retryAfter === undefined ? undefined : { "retry-after": failure.retryAfter },
      );
    }
    if (failure?.kind === "hang") {
      this.#record({ ...base, ...withFailure, kind, outcome: "hung" });
      return this.#hang(env);
    }

    const signal = this.#lifecycle.signal;
    let responseBody: unknown;
    if (kind === "send") {
      const to = typeof body.to === "string" ? body.to : undefined;
      const recipient = typeof body.recipient === "string" ? body.recipient : undefined;
      const input = to ?? recipient ?? "";
      const wamid = newWamid({ waId: to === undefined ? input : digitsOf(to), direction: "outbound" });
      const dropped = failure?.kind === "drop-after-accept";
      const record = this.#record({
        ...base,
        ...withFailure,
        kind,
        outcome: dropped ? "dropped" : "sent",
        wamid,
        ...(dropped ? {} : { httpStatus: 200 }),
      });
      void this.#runStatuses(record, failure, signal).catch((error: unknown) => {
        this.#options.onLog?.("fake graph: status webhooks failed", { error: String(error) });
      });
      const contact = to === undefined ? { input, user_id: input } : { input, wa_id: digitsOf(to) };
      const message = body.type === "template" ? { id: wamid, message_status: "accepted" } : { id: wamid };
      responseBody = { messaging_product: "whatsapp", contacts: [contact], messages: [message] };
    } else {
      const dropped = failure?.kind === "drop-after-accept";
      this.#record({ ...base, ...withFailure, kind, outcome: kind, ...(dropped ? {} : { httpStatus: 200 }) });
      responseBody = { success: true };
    }

    if (failure?.kind === "delay") {
      await sleep(failure.ms, signal);
    }
    if (failure?.kind === "drop-after-accept") {
      await sleep(this.#latencyMs, signal);
      return this.#drop(env);
    }
    return this.#answer(responseBody, 200);
  }

  async #answer(body: unknown, status: number, headers?: Record<string, string>): Promise<Response> {
    await sleep(this.#latencyMs, this.#lifecycle.signal);
    return jsonResponse(body, status, headers);
  }

  #drop(env: unknown): Promise<Response> {
    const socket = socketOf(env);
    if (socket === undefined) {
      // Not served by @hono/node-server (e.g. app.request in a test): the closest thing is a failed request.
      return Promise.reject(new Error("fake graph: connection dropped after accepting the message"));
    }
    socket.destroy();
    // Never settles: the connection is gone, there is nothing left to answer.
    return new Promise<Response>(() => undefined);
  }

  #hang(env: unknown): Promise<Response> {
    const socket = socketOf(env);
    return new Promise<Response>((resolve) => {
      const hang: PendingHang = {
        destroy: socket === undefined ? undefined : () => socket.destroy(),
        release: resolve,
      };
      this.#hangs.add(hang);
      socket?.once("close", () => this.#hangs.delete(hang));
    });
  }
}

export function createFakeGraphState(options: FakeGraphOptions = {}): FakeGraphState {
  return new FakeGraphState(options);
}

/** The Hono app of the fake Graph API; mount it under any prefix (`app.route("/sandbox/graph", …)`). */
export function createFakeGraphApp(state: FakeGraphState): Hono {
  const app = new Hono();
  app.post("/:version/:phoneNumberId/messages", async (c) =>
    state.handleMessages(
      { authorization: c.req.header("authorization"), body: await requestBodyText(c) },
      { version: c.req.param("version"), phoneNumberId: c.req.param("phoneNumberId") },
      c.env,
    ),
  );
  app.notFound((c) => c.json(metaErrorBody(100, { message: `Unsupported ${c.req.method.toLowerCase()} request.` }), 400));
  return app;
}

/** A fake Graph API served on its own port. */
export class FakeGraph extends FakeGraphState {
  readonly app: Hono;
  #server: RunningServer | undefined;

  constructor(options: FakeGraphOptions = {}) {
    super(options);
    this.app = createFakeGraphApp(this);
  }

  /** Base URL, e.g. `http://127.0.0.1:40123` (use as `META_GRAPH_URL`). */
  get url(): string {
    if (this.#server === undefined) {
      throw new Error("fake graph: not listening");
    }
    return this.#server.url;
  }

  /** @internal used by startFakeGraph */
  async listen(options: ListenOptions): Promise<void> {
    this.#server = await listenApp(this.app, options);
  }

  /** Cancels pending status webhooks, closes every connection (hung ones included) and the server. */
  async stop(): Promise<void> {
    this.dispose();
    await this.#server?.close();
  }
}

export async function startFakeGraph(options: FakeGraphOptions = {}): Promise<FakeGraph> {
  const fake = new FakeGraph(options);
  await fake.listen({ port: options.port, hostname: options.hostname });
  return fake;
}
