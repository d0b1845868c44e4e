/**
 * Meta Graph error bodies, embedded (shapes and wording of fixtures/meta/error-*.json and the error
 * table of the reference doc), so the fakes never read /work/shared at run time.
 */
import { randomId } from "./http-server.ts";

interface ErrorTemplate {
  /** Synchronous `error.message` (the "(#code) title" form). */
  message: string;
  /** Asynchronous (webhook) `errors[].title`. */
  title: string;
  details?: string;
  subcode?: number;
  transient?: boolean;
  status: number;
}

const TEMPLATES: Record<number, ErrorTemplate> = {
  1: { message: "An unknown error occurred", title: "API Unknown", details: "Invalid request or possible server error.", transient: true, status: 500 },
  2: { message: "An unexpected error has occurred. Please retry your request later.", title: "API Service", details: "Temporary due to downtime or due to being overloaded.", transient: true, status: 503 },
  4: { message: "(#4) Application request limit reached", title: "Too many calls", details: "The app has reached its API call rate limit.", transient: true, status: 429 },
  100: { message: "(#100) Invalid parameter", title: "Invalid parameter", details: "Invalid parameter.", status: 400 },
  190: {
    message: "Error validating access token: Session has expired on Thursday, 01-Jan-26 00:00:00 PST. The current time is Friday, 02-Jan-26 09:00:00 PST.",
    title: "Access token has expired",
    subcode: 463,
    status: 401,
  },
  368: { message: "(#368) Temporarily blocked for policies violations", title: "Temporarily blocked for policies violations", details: "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy.", status: 403 },
  80007: {
    message: "(#80007) There have been too many calls to this WhatsApp Business account. Wait a bit and try again.",
    title: "Rate limit issues",
    details: "The WhatsApp Business Account has reached its rate limit.",
    status: 429,
  },
  130429: { message: "(#130429) Rate limit hit", title: "Rate limit hit", details: "Cloud API message throughput has been reached.", status: 429 },
  130472: { message: "(#130472) User's number is part of an experiment", title: "User's number is part of an experiment", details: "Failed to send message because this user's phone number is part of an experiment.", status: 400 },
  131000: { message: "(#131000) Something went wrong", title: "Something went wrong", details: "Message failed to send due to an unknown error.", status: 500 },
  131005: { message: "(#131005) Access denied", title: "Access denied", details: "Permission is either not granted or has been removed.", status: 403 },
  131008: { message: "(#131008) Required parameter is missing", title: "Required parameter is missing", details: "The request is missing a required parameter.", status: 400 },
  131009: { message: "(#131009) Parameter value is not valid", title: "Parameter value is not valid", details: "One or more parameter values are invalid.", status: 400 },
  131016: { message: "(#131016) Service unavailable", title: "Service unavailable", details: "A service is temporarily unavailable.", status: 503 },
  131021: { message: "(#131021) Recipient cannot be sender", title: "Recipient cannot be sender", details: "Sender and recipient phone number is the same.", status: 400 },
  131026: { message: "(#131026) Message Undeliverable", title: "Message Undeliverable", details: "Message Undeliverable.", status: 400 },
  131031: { message: "(#131031) Business Account locked", title: "Business Account locked", details: "The WhatsApp Business Account associated with the app has been restricted or disabled.", status: 403 },
  131042: { message: "(#131042) Business eligibility payment issue", title: "Business eligibility payment issue", details: "There was an error related to your payment method.", status: 400 },
  131045: { message: "(#131045) Incorrect certificate", title: "Incorrect certificate", details: "Message failed to send due to a phone number registration error.", status: 400 },
  131047: {
    message: "(#131047) Re-engagement message",
    title: "Re-engagement message",
    details: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
    status: 400,
  },
  131048: { message: "(#131048) Spam rate limit hit", title: "Spam rate limit hit", details: "Message failed to send because there are restrictions on how many messages can be sent from this phone number.", status: 400 },
  131049: { message: "(#131049) This message was not delivered to maintain healthy ecosystem engagement.", title: "This message was not delivered to maintain healthy ecosystem engagement.", details: "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.", status: 400 },
  131050: { message: "(#131050) Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business", title: "User stopped marketing messages", details: "This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.", status: 400 },
  131051: { message: "(#131051) Unsupported message type", title: "Message type unknown", details: "Message type is currently not supported.", status: 400 },
  131052: { message: "(#131052) Media download error", title: "Media download error", details: "Unable to download the media sent by the user.", status: 400 },
  131053: { message: "(#131053) Media upload error", title: "Media upload error", details: "Unable to upload the media used in the message.", status: 400 },
  131056: {
    message: "(#131056) (Business Account, Consumer Account) pair rate limit hit",
    title: "(Business Account, Consumer Account) pair rate limit hit",
    details: "Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.",
    status: 400,
  },
  131057: { message: "(#131057) Account in maintenance mode", title: "Account in maintenance mode", details: "Business Account is in maintenance mode.", transient: true, status: 503 },
  132000: {
    message: "(#132000) Number of parameters does not match the expected number of params",
    title: "Number of parameters does not match the expected number of params",
    details: "body: number of localizable_params (1) does not match the expected number of params (2)",
    status: 400,
  },
  132001: {
    message: "(#132001) Template name does not exist in the translation",
    title: "Template name does not exist in the translation",
    details: "template name does not exist in the translation",
    status: 404,
  },
  132005: { message: "(#132005) Translated text too long", title: "Translated text too long", details: "Translated text is too long.", status: 400 },
  132007: { message: "(#132007) Template Format Character Policy Violated", title: "Template Format Character Policy Violated", details: "Template content violates a WhatsApp policy.", status: 400 },
  132012: { message: "(#132012) Template Parameter Format Mismatch", title: "Template Parameter Format Mismatch", details: "Variable parameter values formatted incorrectly.", status: 400 },
  132015: { message: "(#132015) Template is Paused", title: "Template is Paused", details: "Template is paused due to low quality so it cannot be sent in a template message.", status: 400 },
  132016: { message: "(#132016) Template is Disabled", title: "Template is Disabled", details: "Template has been paused too many times due to low quality and is now permanently disabled.", status: 400 },
  133010: { message: "(#133010) Phone number Not Registered", title: "Phone number Not Registered", details: "Phone number is not registered on the Whatsapp Business Platform.", status: 400 },
};

/** The HTTP status the fake answers for a code when the caller names none (reference doc §5). */
export function defaultHttpStatusForCode(code: number): number {
  return TEMPLATES[code]?.status ?? 400;
}

export interface MetaErrorOverrides {
  message?: string;
  details?: string;
  /** null drops the template's subcode. */
  subcode?: number | null;
  type?: string;
}

export interface MetaErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data?: { messaging_product: "whatsapp"; details: string };
    is_transient?: boolean;
    fbtrace_id: string;
  };
}

/** A synchronous Graph error body, e.g. `{ error: { message, type: "OAuthException", code, error_data, fbtrace_id } }`. */
export function metaErrorBody(code: number, overrides: MetaErrorOverrides = {}): MetaErrorBody {
  const known = TEMPLATES[code];
  const message = overrides.message ?? known?.message ?? `(#${code}) Error ${code}`;
  const details = overrides.details ?? known?.details;
  const subcode = overrides.subcode === null ? undefined : (overrides.subcode ?? known?.subcode);
  return {
    error: {
      message,
      type: overrides.type ?? "OAuthException",
      code,
      ...(subcode === undefined ? {} : { error_subcode: subcode }),
      ...(details === undefined ? {} : { error_data: { messaging_product: "whatsapp" as const, details } }),
      ...(known?.transient === true ? { is_transient: true } : {}),
      fbtrace_id: randomId(23),
    },
  };
}

export interface WebhookErrorInput {
  code: number;
  title?: string;
  message?: string;
  details?: string;
  href?: string;
}

export interface WebhookError {
  code: number;
  title: string;
  message: string;
  error_data: { details: string };
  href?: string;
}

export const ERROR_CODES_HREF = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/";

/** An asynchronous error item as carried by `statuses[].errors[]` (like fixtures/meta/status-failed.json). */
export function webhookError(input: WebhookErrorInput | number): WebhookError {
  const value = typeof input === "number" ? { code: input } : input;
  const known = TEMPLATES[value.code];
  const title = value.title ?? known?.title ?? `Error ${value.code}`;
  return {
    code: value.code,
    title,
    message: value.message ?? title,
    error_data: { details: value.details ?? known?.details ?? title },
    href: value.href ?? ERROR_CODES_HREF,
  };
}
