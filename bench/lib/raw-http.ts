/**
 * A minimal HTTP/1.1 keep-alive client for the load generator: one request in flight per connection,
 * each request written as ONE prebuilt buffer (request line, headers and body), the response read just
 * far enough to know its status and where it ends (Content-Length or chunked). It stands in for Meta's
 * servers, which are not on our machine in production: `node:http`'s client (request and response
 * objects, header validation, streams) cost the benchmark's machine about 0.1 ms of CPU per webhook,
 * taken from the system under test. Not a general client: no pipelining, no redirects, no upgrades.
 */
import net from "node:net";

export type RawResponse = { status: number; ms: number };

/** The bytes of one POST, ready to write (header names as Meta sends them, lower-case). */
export function rawPost(p: { host: string; path: string; headers: Record<string, string>; body: Buffer }): Buffer {
  const lines = [`POST ${p.path} HTTP/1.1`, `host: ${p.host}`, `content-length: ${p.body.length}`];
  for (const [name, value] of Object.entries(p.headers)) {
    lines.push(`${name}: ${value}`);
  }
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), p.body]);
}

const HEADER_END = Buffer.from("\r\n\r\n");
const CHUNKED_END = Buffer.from("0\r\n\r\n");

type Pending = { resolve: (r: RawResponse) => void; reject: (e: Error) => void; t0: number };

export class RawConnection {
  private socket: net.Socket | undefined;
  private buffered: Buffer = Buffer.alloc(0);
  private pending: Pending | undefined;

  constructor(
    private readonly port: number,
    private readonly host: string,
  ) {}

  /** Sends one request (see rawPost) and resolves with the response's status once it has fully arrived. */
  request(bytes: Buffer): Promise<RawResponse> {
    if (this.pending) {
      return Promise.reject(new Error("raw-http: one request at a time per connection"));
    }
    return new Promise<RawResponse>((resolve, reject) => {
      this.pending = { resolve, reject, t0: performance.now() };
      this.connection().write(bytes);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private connection(): net.Socket {
    if (this.socket && !this.socket.destroyed) {
      return this.socket;
    }
    const socket = net.connect({ port: this.port, host: this.host, noDelay: true });
    this.buffered = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      if (this.socket !== socket) {
        return;
      }
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.parse();
    });
    // Events of a connection already replaced (closed after a `connection: close`) are ignored.
    const fail = (err: Error) => {
      if (this.socket !== socket) {
        return;
      }
      this.socket = undefined;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(err);
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("raw-http: connection closed before the response ended")));
    this.socket = socket;
    return socket;
  }

  private parse(): void {
    const p = this.pending;
    if (!p) {
      return;
    }
    const end = this.buffered.indexOf(HEADER_END);
    if (end < 0) {
      return;
    }
    const head = this.buffered.toString("latin1", 0, end);
    const status = Number(head.slice(9, 12));
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const bodyStart = end + HEADER_END.length;
    let bodyEnd: number;
    if (length) {
      bodyEnd = bodyStart + Number(length[1]);
      if (this.buffered.length < bodyEnd) {
        return;
      }
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const last = this.buffered.indexOf(CHUNKED_END, bodyStart);
      if (last < 0) {
        return;
      }
      bodyEnd = last + CHUNKED_END.length;
    } else {
      bodyEnd = bodyStart;
    }
    this.buffered = this.buffered.subarray(bodyEnd);
    this.pending = undefined;
    if (/\r\nconnection:\s*close/i.test(head)) {
      this.close();
    }
    p.resolve({ status, ms: performance.now() - p.t0 });
  }
}
