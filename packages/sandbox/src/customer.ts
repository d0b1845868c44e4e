/**
 * The customer side of the Meta sandbox: builders for webhook payloads shaped exactly like
 * fixtures/meta/inbound-*.json and status-*.json, Meta-style JSON serialisation (the bytes Meta
 * signs), `X-Hub-Signature-256` signing, and a poster. Used by `pnpm start`, tests and benchmarks.
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { randomHex } from "./http-server.ts";
import { webhookError, type WebhookError, type WebhookErrorInput } from "./meta-errors.ts";

/** The fake ids of the fixtures (reference doc §12). */
export const SANDBOX_DEFAULTS = {
  wabaId: "109876543210001",
  phoneNumberId: "106000000000010",
  displayPhoneNumber: "12025550100",
  waId: "12025550143",
  name: "Ana Example",
} as const;

// ---------------------------------------------------------------------------------------------
// Wire types

export interface WebhookContact {
  profile: { name?: string; username?: string };
  wa_id?: string;
  user_id?: string;
}

export interface InboundMessage {
  context?: { from: string; id: string };
  from?: string;
  from_user_id?: string;
  id: string;
  timestamp: string;
  errors?: WebhookError[];
  type: string;
  [payload: string]: unknown;
}

export type StatusName = "sent" | "delivered" | "read" | "failed" | "played";

export interface StatusConversation {
  id: string;
  expiration_timestamp?: string;
  origin: { type: string };
}

export interface StatusPricing {
  billable: boolean;
  pricing_model: string;
  type: string;
  category: string;
}

export interface StatusItem {
  id: string;
  status: StatusName;
  timestamp: string;
  recipient_id?: string;
  recipient_user_id?: string;
  biz_opaque_callback_data?: string;
  conversation?: StatusConversation;
  pricing?: StatusPricing;
  errors?: WebhookError[];
}

export interface WebhookValue {
  messaging_product: "whatsapp";
  metadata: { display_phone_number: string; phone_number_id: string };
  contacts?: WebhookContact[];
  messages?: InboundMessage[];
  statuses?: StatusItem[];
  errors?: WebhookError[];
}

export interface WebhookChange {
  value: WebhookValue;
  field: string;
}

export interface WebhookEntry {
  id: string;
  changes: WebhookChange[];
}

export interface WebhookPayload {
  object: "whatsapp_business_account";
  entry: WebhookEntry[];
}

// ---------------------------------------------------------------------------------------------
// Serialisation and signature

/**
 * JSON the way Meta serialises webhook bodies (reference doc §2): compact, non-ASCII as `\uXXXX`
 * with lowercase hex (UTF-16 surrogate pairs for emoji), `/` as `\/`, `@` as `\u0040`, `<` as
 * `\u003C`, `%` as `\u0025`. The signature is over exactly these bytes, so a receiver that re-serialises
 * the parsed object computes a different HMAC.
 */
export function metaJsonStringify(value: unknown): string {
  return JSON.stringify(value).replace(/[\u0080-\uffff/@<%]/g, (ch) => {
    switch (ch) {
      case "/":
        return "\\/";
      case "@":
        return "\\u0040";
      case "<":
        return "\\u003C";
      case "%":
        return "\\u0025";
      default:
        return `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
    }
  });
}

/** `sha256=<hex HMAC-SHA256 of the raw body bytes>` keyed with the app secret (`X-Hub-Signature-256`). */
export function signPayload(appSecret: string, rawBody: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", appSecret).update(rawBody).digest("hex")}`;
}

// ---------------------------------------------------------------------------------------------
// Ids

let wamidCounter = 0;

export interface NewWamidOptions {
  /** The user the id is about (Meta's layout embeds it); default the fixtures' user. */
  waId?: string;
  /** inbound (from a user, the default) or outbound (a business message). */
  direction?: "inbound" | "outbound";
}

/**
 * A fresh, unique wamid mimicking Meta's layout (`wamid.` + base64 of a small binary record holding
 * the user id and a hex message id). Treat it as opaque.
 */
export function newWamid(options: NewWamidOptions = {}): string {
  const user = options.waId ?? SANDBOX_DEFAULTS.waId;
  const outbound = options.direction === "outbound";
  wamidCounter = (wamidCounter + 1) % 0x1_0000_0000;
  const counter = wamidCounter.toString(16).padStart(8, "0");
  const hex = (counter + randomHex(16)).slice(0, outbound ? 18 : 20).toUpperCase();
  const userBytes = Buffer.from(user, "latin1");
  const record = Buffer.concat([
    Buffer.from([0x1c, 0x18, userBytes.length]),
    userBytes,
    Buffer.from([0x15, 0x02, 0x00, outbound ? 0x11 : 0x12, 0x18, hex.length]),
    Buffer.from(hex, "latin1"),
    Buffer.from([0x00]),
  ]);
  return `wamid.${record.toString("base64")}`;
}

function randomMediaId(): string {
  return `1${randomBytes(8).readBigUInt64BE().toString().padStart(15, "0").slice(0, 15)}`;
}

function toTimestamp(value: string | number | Date | undefined): string {
  if (value === undefined) {
    return String(Math.floor(Date.now() / 1000));
  }
  if (value instanceof Date) {
    return String(Math.floor(value.getTime() / 1000));
  }
  return String(value);
}

// ---------------------------------------------------------------------------------------------
// Inbound builders

export interface InboundBase {
  phoneNumberId: string;
  /** Digits, no `+`. Default the fixtures' business number. */
  displayPhoneNumber?: string;
  /** `entry[].id`. Default the fixtures' WABA. */
  wabaId?: string;
  /** The user's WhatsApp id (phone digits). Default the fixtures' user unless `userId` is given. */
  waId?: string;
  /**
   * Business-scoped user id (BSUID, e.g. `US.13491208655302741918`). Given without `waId`, the payload is
   * that of a username user (reference doc §3): `contacts[].user_id` and `messages[].from_user_id`, no phone.
   */
  userId?: string;
  /** `contacts[].profile.username` (username users). */
  username?: string;
  /** Profile name. Default `Ana Example`. */
  name?: string;
  /** The inbound wamid. Default a fresh `newWamid()`. */
  id?: string;
  /** Unix seconds (string or number) or a Date. Default now. */
  timestamp?: string | number | Date;
  /** A reply: `context.id` = the business message being answered. */
  contextMessageId?: string;
  /** `context.from`; default the display phone number. */
  contextFrom?: string;
}

interface Identity {
  waId: string | undefined;
  userId: string | undefined;
}

function identityOf(base: InboundBase): Identity {
  if (base.waId === undefined && base.userId === undefined) {
    return { waId: SANDBOX_DEFAULTS.waId, userId: undefined };
  }
  return { waId: base.waId, userId: base.userId };
}

function contactOf(base: InboundBase, who: Identity): WebhookContact {
  const profile: WebhookContact["profile"] = { name: base.name ?? SANDBOX_DEFAULTS.name };
  if (base.username !== undefined) {
    profile.username = base.username;
  }
  const contact: WebhookContact = { profile };
  if (who.waId !== undefined) {
    contact.wa_id = who.waId;
  }
  if (who.userId !== undefined) {
    contact.user_id = who.userId;
  }
  return contact;
}

function metadataOf(phoneNumberId: string, displayPhoneNumber: string | undefined): WebhookValue["metadata"] {
  return { display_phone_number: displayPhoneNumber ?? SANDBOX_DEFAULTS.displayPhoneNumber, phone_number_id: phoneNumberId };
}

/** Wraps one message in the full envelope; `content` holds `type`, the type object and `errors`, in wire order. */
function inbound(base: InboundBase, content: { type: string } & Record<string, unknown>, forceContext = false): WebhookPayload {
  const who = identityOf(base);
  const message: Record<string, unknown> = {};
  if (base.contextMessageId !== undefined || forceContext) {
    message.context = {
      from: base.contextFrom ?? base.displayPhoneNumber ?? SANDBOX_DEFAULTS.displayPhoneNumber,
      id: base.contextMessageId ?? newWamid({ waId: who.waId ?? who.userId, direction: "outbound" }),
    };
  }
  if (who.waId !== undefined) {
    message.from = who.waId;
  }
  if (who.userId !== undefined) {
    message.from_user_id = who.userId;
  }
  message.id = base.id ?? newWamid({ waId: who.waId ?? who.userId });
  message.timestamp = toTimestamp(base.timestamp);
  const { errors, type, ...rest } = content;
  if (errors !== undefined) {
    message.errors = errors;
  }
  message.type = type;
  Object.assign(message, rest);
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: base.wabaId ?? SANDBOX_DEFAULTS.wabaId,
        changes: [
          {
            value: {
              messaging_product: "whatsapp",
              metadata: metadataOf(base.phoneNumberId, base.displayPhoneNumber),
              contacts: [contactOf(base, who)],
              messages: [message as InboundMessage],
            },
            field: "messages",
          },
        ],
      },
    ],
  };
}

export function inboundText(input: InboundBase & { text: string }): WebhookPayload {
  return inbound(input, { type: "text", text: { body: input.text } });
}

export interface ReplyInput extends InboundBase {
  /** The `id` given to the button / row when the business sent it. */
  replyId: string;
  title: string;
}

/** A tap on an interactive reply button; `context.id` is the business message (random if not given). */
export function inboundInteractiveButtonReply(input: ReplyInput): WebhookPayload {
  return inbound(input, { type: "interactive", interactive: { type: "button_reply", button_reply: { id: input.replyId, title: input.title } } }, true);
}

/** A row picked in an interactive list. */
export function inboundListReply(input: ReplyInput & { description?: string }): WebhookPayload {
  const listReply: Record<string, string> = { id: input.replyId, title: input.title };
  if (input.description !== undefined) {
    listReply.description = input.description;
  }
  return inbound(input, { type: "interactive", interactive: { type: "list_reply", list_reply: listReply } }, true);
}

/** A template quick-reply button tap (`type: "button"`). */
export function inboundTemplateButton(input: InboundBase & { payload: string; text: string }): WebhookPayload {
  return inbound(input, { type: "button", button: { payload: input.payload, text: input.text } }, true);
}

export type InboundMediaKind = "image" | "audio" | "document" | "video" | "sticker";

export interface InboundMediaInput extends InboundBase {
  mediaId?: string;
  mimeType?: string;
  /** base64 SHA-256 of the file; default derived from the media id. */
  sha256?: string;
  caption?: string;
  /** documents only; default `document.pdf`. */
  filename?: string;
  /** audio only; default true (a voice note, `audio/ogg; codecs=opus`). */
  voice?: boolean;
  /** The lookaside download URL; default a fake one, `null` to omit it (Meta rolls `url` out gradually). */
  url?: string | null;
}

const DEFAULT_MIME: Record<InboundMediaKind, string> = {
  image: "image/jpeg",
  audio: "audio/ogg; codecs=opus",
  document: "application/pdf",
  video: "video/mp4",
  sticker: "image/webp",
};

/** An inbound image / audio / document / video / sticker (fields in the fixtures' order). */
export function inboundMedia(kind: InboundMediaKind, input: InboundMediaInput): WebhookPayload {
  const mediaId = input.mediaId ?? randomMediaId();
  const sha256 = input.sha256 ?? createHash("sha256").update(mediaId).digest("base64");
  const expires = Number(toTimestamp(input.timestamp)) + 300;
  const url =
    input.url === undefined
      ? `https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=${mediaId}&ext=${expires}&hash=FAKEHASH`
      : input.url;
  const media: Record<string, unknown> = {};
  if (input.caption !== undefined && kind !== "audio" && kind !== "sticker") {
    media.caption = input.caption;
  }
  if (kind === "document") {
    media.filename = input.filename ?? "document.pdf";
  }
  media.mime_type = input.mimeType ?? DEFAULT_MIME[kind];
  media.sha256 = sha256;
  media.id = mediaId;
  if (url !== null) {
    media.url = url;
  }
  if (kind === "audio") {
    media.voice = input.voice ?? true;
  }
  if (kind === "sticker") {
    media.animated = false;
  }
  return inbound(input, { type: kind, [kind]: media });
}

export interface LocationInput extends InboundBase {
  latitude: number;
  longitude: number;
  /** `location.name` (the place; `name` is the customer's profile name). */
  locationName?: string;
  address?: string;
  url?: string;
}

export function inboundLocation(input: LocationInput): WebhookPayload {
  const location: Record<string, unknown> = {};
  if (input.address !== undefined) {
    location.address = input.address;
  }
  location.latitude = input.latitude;
  location.longitude = input.longitude;
  if (input.locationName !== undefined) {
    location.name = input.locationName;
  }
  if (input.url !== undefined) {
    location.url = input.url;
  }
  return inbound(input, { type: "location", location });
}

/** A reaction to a business message; without `emoji` it is a reaction removal. */
export function inboundReaction(input: InboundBase & { messageId: string; emoji?: string }): WebhookPayload {
  const reaction: Record<string, string> = { message_id: input.messageId };
  if (input.emoji !== undefined) {
    reaction.emoji = input.emoji;
  }
  return inbound(input, { type: "reaction", reaction });
}

/** An unsupported message (poll, edit, …) with its 131051 error item. */
export function inboundUnsupported(input: InboundBase & { unsupportedType?: string }): WebhookPayload {
  const error = webhookError(131051);
  return inbound(input, {
    type: "unsupported",
    errors: [{ code: error.code, title: error.title, message: error.message, error_data: error.error_data }],
    unsupported: { type: input.unsupportedType ?? "poll_creation" },
  });
}

// ---------------------------------------------------------------------------------------------
// Statuses

export interface StatusInput {
  phoneNumberId: string;
  displayPhoneNumber?: string;
  wabaId?: string;
  /** The business message's wamid. */
  wamid: string;
  status: StatusName;
  /** Phone digits of the recipient (`recipient_id`). */
  recipientId?: string;
  /** BSUID of a username recipient (`recipient_user_id`, plus `contacts` except on `failed`). */
  recipientUserId?: string;
  /** Echo of the send's `biz_opaque_callback_data`. */
  bizOpaque?: string;
  timestamp?: string | number | Date;
  /** Omitted when absent (the v24+ shape). */
  conversation?: StatusConversation;
  pricing?: StatusPricing;
  /** For `failed`: error items (codes get Meta's titles and details). */
  errors?: (WebhookErrorInput | number)[];
}

/** A status webhook shaped like fixtures/meta/status-*.json. */
export function statusUpdate(input: StatusInput): WebhookPayload {
  const item: StatusItem = { id: input.wamid, status: input.status, timestamp: toTimestamp(input.timestamp) };
  if (input.recipientId !== undefined) {
    item.recipient_id = input.recipientId;
  }
  if (input.recipientUserId !== undefined) {
    item.recipient_user_id = input.recipientUserId;
  }
  if (input.bizOpaque !== undefined) {
    item.biz_opaque_callback_data = input.bizOpaque;
  }
  if (input.status === "failed") {
    item.errors = (input.errors ?? [131026]).map((error) => webhookError(error));
  } else {
    if (input.conversation !== undefined) {
      item.conversation = input.conversation;
    }
    if (input.pricing !== undefined) {
      item.pricing = input.pricing;
    }
    if (input.errors !== undefined) {
      item.errors = input.errors.map((error) => webhookError(error));
    }
  }
  const value: WebhookValue = {
    messaging_product: "whatsapp",
    metadata: metadataOf(input.phoneNumberId, input.displayPhoneNumber),
  };
  if (input.recipientUserId !== undefined && input.status !== "failed") {
    value.contacts = [{ profile: {}, user_id: input.recipientUserId }];
  }
  value.statuses = [item];
  return {
    object: "whatsapp_business_account",
    entry: [{ id: input.wabaId ?? SANDBOX_DEFAULTS.wabaId, changes: [{ value, field: "messages" }] }],
  };
}

// ---------------------------------------------------------------------------------------------
// Batching and posting

export interface BatchOptions {
  /** Merge payloads of the same WABA into one entry with several changes (default: one entry each). */
  groupByWaba?: boolean;
}

/** Several payloads as one POST body (Meta batches up to 1,000 updates, possibly across numbers). */
export function batch(payloads: readonly WebhookPayload[], options: BatchOptions = {}): WebhookPayload {
  const entries: WebhookEntry[] = [];
  for (const payload of payloads) {
    for (const entry of payload.entry) {
      const existing = options.groupByWaba === true ? entries.find((e) => e.id === entry.id) : undefined;
      if (existing !== undefined) {
        existing.changes.push(...entry.changes);
      } else {
        entries.push({ id: entry.id, changes: [...entry.changes] });
      }
    }
  }
  return { object: "whatsapp_business_account", entry: entries };
}

export interface PostWebhookOptions {
  /** Send these bytes instead of `metaJsonStringify(payload)` (still signed unless `signature` is given). */
  rawBody?: string;
  /** Header value to send instead of the correct one; `null` omits the header. */
  signature?: string | null;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface PostWebhookResult {
  status: number;
  text: string;
  /** The exact body sent. */
  rawBody: string;
}

/** POSTs a webhook like Meta: Meta-style JSON, `X-Hub-Signature-256` over those bytes. */
export async function postWebhook(
  url: string,
  appSecret: string,
  payload: unknown,
  options: PostWebhookOptions = {},
): Promise<PostWebhookResult> {
  const rawBody = options.rawBody ?? metaJsonStringify(payload);
  const signature = options.signature === undefined ? signPayload(appSecret, rawBody) : options.signature;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "facebookexternalua",
    ...options.headers,
  };
  if (signature !== null) {
    headers["x-hub-signature-256"] = signature;
  }
  const response = await fetch(url, { method: "POST", headers, body: rawBody, signal: options.signal });
  return { status: response.status, text: await response.text(), rawBody };
}

// ---------------------------------------------------------------------------------------------
// A customer bound to one conversation

export interface CustomerOptions {
  webhookUrl: string;
  appSecret: string;
  phoneNumberId: string;
  displayPhoneNumber?: string;
  wabaId?: string;
  waId?: string;
  userId?: string;
  username?: string;
  name?: string;
}

export interface CustomerPostResult extends PostWebhookResult {
  payload: WebhookPayload;
  /** The inbound wamid of the message posted. */
  messageId: string;
}

type PerMessage<T> = Omit<T, keyof CustomerOptions | "phoneNumberId"> & Partial<Pick<InboundBase, "id" | "timestamp">>;

export interface Customer {
  readonly options: CustomerOptions;
  /** POSTs any payload (signed) to the webhook URL. */
  post(payload: WebhookPayload, options?: PostWebhookOptions): Promise<CustomerPostResult>;
  text(text: string, extra?: PerMessage<InboundBase>): Promise<CustomerPostResult>;
  buttonReply(input: PerMessage<ReplyInput>): Promise<CustomerPostResult>;
  listReply(input: PerMessage<ReplyInput & { description?: string }>): Promise<CustomerPostResult>;
  media(kind: InboundMediaKind, input?: PerMessage<InboundMediaInput>): Promise<CustomerPostResult>;
  location(input: PerMessage<LocationInput>): Promise<CustomerPostResult>;
  reaction(messageId: string, emoji?: string): Promise<CustomerPostResult>;
}

/** A simulated WhatsApp user talking to one business number through the webhook. */
export function createCustomer(options: CustomerOptions): Customer {
  const base: InboundBase = {
    phoneNumberId: options.phoneNumberId,
    displayPhoneNumber: options.displayPhoneNumber,
    wabaId: options.wabaId,
    waId: options.waId,
    userId: options.userId,
    username: options.username,
    name: options.name,
  };
  const clean = <T extends object>(value: T): T =>
    Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
  const post = async (payload: WebhookPayload, postOptions?: PostWebhookOptions): Promise<CustomerPostResult> => {
    const result = await postWebhook(options.webhookUrl, options.appSecret, payload, postOptions);
    const messageId = payload.entry[0]?.changes[0]?.value.messages?.[0]?.id ?? "";
    return { ...result, payload, messageId };
  };
  const b = clean(base);
  return {
    options,
    post,
    text: (text, extra = {}) => post(inboundText({ ...b, ...extra, text })),
    buttonReply: (input) => post(inboundInteractiveButtonReply({ ...b, ...input })),
    listReply: (input) => post(inboundListReply({ ...b, ...input })),
    media: (kind, input = {}) => post(inboundMedia(kind, { ...b, ...input })),
    location: (input) => post(inboundLocation({ ...b, ...input })),
    reaction: (messageId, emoji) => post(inboundReaction(emoji === undefined ? { ...b, messageId } : { ...b, messageId, emoji })),
  };
}
