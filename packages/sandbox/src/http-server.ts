/**
 * Serves a Hono app on a local port with @hono/node-server, and closes it hard: `close()` also
 * destroys connections still waiting for an answer (hung requests), so tests never wait on them.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { getRequestListener, type HttpBindings } from "@hono/node-server";
import type { Context } from "hono";

export interface ListenOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  hostname?: string;
}

export interface RunningServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface FetchApp {
  fetch: (request: Request, env: HttpBindings) => Response | Promise<Response>;
}

export async function listenApp(app: FetchApp, options: ListenOptions = {}): Promise<RunningServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const listener = getRequestListener((request, env) => app.fetch(request, env as HttpBindings), { hostname });
  const server = createServer((incoming, outgoing) => {
    void listener(incoming, outgoing);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostname}:${address.port}`,
    port: address.port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** The node socket behind a request when the app runs under @hono/node-server, else undefined. */
export function socketOf(env: unknown): Socket | undefined {
  if (typeof env !== "object" || env === null || !("incoming" in env)) {
    return undefined;
  }
  const incoming = (env as { incoming: unknown }).incoming;
  if (typeof incoming !== "object" || incoming === null || !("socket" in incoming)) {
    return undefined;
  }
  return (incoming as IncomingMessage).socket;
}

/** Node's request behind a Hono context under @hono/node-server, if it can still be read. */
function incomingOf(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming && typeof incoming.on === "function" ? incoming : undefined;
}

/**
 * The request body as text. Under @hono/node-server it is read straight from Node's stream: building
 * the WHATWG Request and its body stream was the largest part of a fake's CPU per request, which the
 * benchmarks pay for on the same cores as the system measured. Elsewhere (app.request) through the Request.
 */
export async function requestBodyText(c: Context): Promise<string> {
  const incoming = incomingOf(c);
  if (!incoming || incoming.readableEnded) {
    return c.req.text();
  }
  const chunks: Buffer[] = [];
  for await (const chunk of incoming as AsyncIterable<Buffer>) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The request headers as a plain object with lower-case names (from Node's request when there is one). */
export function requestHeaders(c: Context): Record<string, string> {
  const incoming = incomingOf(c);
  if (!incoming) {
    return headersToObject(c.req.raw.headers);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) {
      out[name] = Array.isArray(value) ? value.join(", ") : value;
    }
  }
  return out;
}

/** Headers as a plain object with lower-case names. */
export function headersToObject(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted === true) {
    return Promise.resolve();
  }
  return new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Random alphanumeric id (crypto-random), e.g. for `chatcmpl-…`, `msg_…`, `fbtrace_id`. */
export function randomId(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) {
    out += ID_ALPHABET[randomByte() % ID_ALPHABET.length] ?? "A";
  }
  return out;
}

/** `length` random hex digits from the pooled buffer (ids in fakes, not secrets). */
export function randomHex(length: number): string {
  let out = "";
  for (let i = 0; i < length; i += 2) {
    out += (randomByte() + 0x100).toString(16).slice(1);
  }
  return out.slice(0, length);
}

// Random bytes drawn from a pooled buffer: one randomBytes call per 4 KiB, not one per id.
let pool = Buffer.alloc(0);
let poolAt = 0;
function randomByte(): number {
  if (poolAt >= pool.length) {
    pool = randomBytes(4096);
    poolAt = 0;
  }
  return pool[poolAt++] ?? 0;
}

/** Optional log sink of every fake (they never write to the console). */
export type LogFn = (message: string, fields?: Record<string, unknown>) => void;
