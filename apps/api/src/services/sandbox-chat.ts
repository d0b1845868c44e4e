/**
 * The console's test chat: a fake customer writing to a tenant's sandbox number. The message is built
 * and signed exactly as Meta would send it (@lx/sandbox) and POSTed to this API's own webhook, so it
 * takes the real path: signature check, dedupe, enqueue, worker, outbox, Meta sandbox, status callbacks.
 */
import { createHash } from "node:crypto";

import type { Hono } from "hono";

import type { Database } from "@lx/db/client";
import { findConversationId, type SandboxNumber } from "@lx/db/queries";
import { inboundText, metaJsonStringify, signPayload } from "@lx/sandbox";
import { testCustomerWaId } from "@lx/shared/domain";
import { AppError } from "@lx/shared/errors";

import type { HonoEnv } from "../http/types.ts";

export const WEBHOOK_PATH = "/api/webhooks/whatsapp";

/** How the API reaches its own webhook (only when sandbox mode is on). */
export type SandboxGateway = {
  /** META_APP_SECRET: the webhook checks X-Hub-Signature-256 with it. */
  appSecret: string;
  /** POSTs a raw webhook body with its signature; returns the HTTP status. */
  post: (rawBody: string, signature: string) => Promise<number>;
  /** How long each step of the handoff test may wait for the worker and the sandbox. */
  stepTimeoutMs: number;
};

const JSON_HEADERS = { "content-type": "application/json", "user-agent": "lx-console-test-chat" };

/** Over HTTP to `selfUrl` (`pnpm start`: http://127.0.0.1:<PORT>). */
export function httpSandboxGateway(selfUrl: string, appSecret: string, stepTimeoutMs = 20_000): SandboxGateway {
  const url = `${selfUrl.replace(/\/+$/, "")}${WEBHOOK_PATH}`;
  return {
    appSecret,
    stepTimeoutMs,
    post: async (rawBody, signature) => {
      const response = await fetch(url, {
        method: "POST",
        headers: { ...JSON_HEADERS, "x-hub-signature-256": signature },
        body: rawBody,
      });
      await response.body?.cancel();
      return response.status;
    },
  };
}

/** In-process, through `app.request` (tests build the app with `newApp` and no listening socket). */
export function appSandboxGateway(app: Hono<HonoEnv>, appSecret: string, stepTimeoutMs = 20_000): SandboxGateway {
  return {
    appSecret,
    stepTimeoutMs,
    post: async (rawBody, signature) => {
      const response = await app.request(WEBHOOK_PATH, {
        method: "POST",
        headers: { ...JSON_HEADERS, "x-hub-signature-256": signature },
        body: rawBody,
      });
      return response.status;
    },
  };
}

/** Each operator's own test customer (stable, so the chat continues where it was). */
export function testCustomerFor(user: { id: string }): string {
  return testCustomerWaId(Number.parseInt(createHash("sha256").update(user.id).digest("hex").slice(0, 12), 16));
}

export type SentAsCustomer = { conversationId: string; waId: string; metaMessageId: string };

/** Writes `text` to `number` as customer `waId`, through the webhook, and finds its conversation. */
export async function sendAsCustomer(
  deps: { db: Database; gateway: SandboxGateway },
  p: { tenantId: string; number: SandboxNumber; waId: string; name: string; text: string },
): Promise<SentAsCustomer> {
  const payload = inboundText({
    phoneNumberId: p.number.phoneNumberId,
    displayPhoneNumber: p.number.displayPhoneNumber.replace(/\D/g, ""),
    waId: p.waId,
    name: p.name,
    text: p.text,
  });
  const metaMessageId = payload.entry[0]?.changes[0]?.value.messages?.[0]?.id ?? "";
  const rawBody = metaJsonStringify(payload);
  const status = await deps.gateway.post(rawBody, signPayload(deps.gateway.appSecret, rawBody));
  if (status !== 200) {
    throw new Error(`the webhook answered ${status} to the test chat's message`);
  }
  const conversationId = await findConversationId(deps.db, {
    tenantId: p.tenantId,
    numberId: p.number.id,
    customerKey: p.waId,
  });
  if (!conversationId) {
    throw new AppError("INTERNAL", { message: "the webhook accepted the message but stored no conversation" });
  }
  return { conversationId, waId: p.waId, metaMessageId };
}
