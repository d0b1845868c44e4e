/**
 * Reading a request body with a size cap, straight from Node's request stream under
 * @hono/node-server (the Meta webhook, 4 MiB, and the console API, `/trpc`): an oversize body is
 * refused by its Content-Length before a byte is read, or as soon as the count passes the cap, and is
 * never held in memory.
 */
import type { Context } from "hono";

import type { HonoEnv } from "./types.ts";

export const TOO_LARGE = Symbol("too large");

/** Past this much, an oversize body is not read to its end: the connection is cut instead. */
const DISCARD_MAX_BYTES = 32 * 1024 * 1024;

/**
 * Reads the rest of an oversize body and throws it away, so that the sender, still writing, gets
 * the 413: a request left unread is destroyed after the answer (@hono/node-server), and a client
 * mid-upload then sees its connection reset instead of the status (Node's fetch: "fetch failed",
 * ECONNRESET). Bounded: a body declared (Content-Length) or read past DISCARD_MAX_BYTES is left
 * unread, and the cut stands. `read` is what was read already.
 */
async function discardRest(incoming: NodeJS.ReadableStream, read: number, declared = read): Promise<void> {
  if (declared > DISCARD_MAX_BYTES) {
    return;
  }
  let size = read;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > DISCARD_MAX_BYTES) {
      return;
    }
  }
}

/**
 * The exact request bytes, or TOO_LARGE past `max` (refused by Content-Length before reading, or as
 * soon as the count passes it). Under @hono/node-server the bytes are read straight from Node's
 * request stream: the webhook never builds a WHATWG Request (that object and its stream were about a
 * quarter of the API's CPU per webhook). Elsewhere (app.request in tests) through the Request.
 */
export async function readRawBody(c: Context<HonoEnv>, max: number): Promise<Buffer | typeof TOO_LARGE> {
  // Typed by HonoEnv's Bindings (@hono/node-server); absent under app.request in tests.
  const incoming = c.env?.incoming;
  const streamed = incoming !== undefined && typeof incoming.on === "function" && !incoming.readableEnded;
  const length = Number(c.req.header("content-length") ?? NaN);
  if (length > max) {
    if (streamed) {
      await discardRest(incoming, 0, length);
    }
    return TOO_LARGE;
  }
  if (!streamed) {
    const buf = Buffer.from(await c.req.arrayBuffer());
    return buf.length > max ? TOO_LARGE : buf;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      await discardRest(incoming, size);
      return TOO_LARGE;
    }
    chunks.push(chunk);
  }
  const [only] = chunks;
  return chunks.length === 1 && only ? only : Buffer.concat(chunks, size);
}
