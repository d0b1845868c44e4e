import http from "node:http";
import type { AddressInfo } from "node:net";

import { afterEach, describe, expect, test } from "vitest";

import { RawConnection, rawPost } from "./raw-http.ts";

const servers: http.Server[] = [];

async function serve(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r).closeAllConnections())));
});

function post(body: string, path = "/hook"): Buffer {
  return rawPost({ host: "127.0.0.1", path, headers: { "content-type": "application/json", "x-test": "1" }, body: Buffer.from(body) });
}

describe("raw-http (the load generator's client)", () => {
  test("sends the exact body and headers, and reads Content-Length responses back to back on one connection", async () => {
    const seen: { body: string; header: string | undefined; socket: unknown }[] = [];
    const port = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        seen.push({ body: Buffer.concat(chunks).toString(), header: String(req.headers["x-test"]), socket: req.socket });
        res.writeHead(seen.length === 2 ? 401 : 200, { "content-type": "text/plain" }).end("ok");
      });
    });
    const c = new RawConnection(port, "127.0.0.1");
    const statuses = [];
    for (const body of ['{"a":"é"}', "{}", "{}"]) {
      statuses.push((await c.request(post(body))).status);
    }
    c.close();
    expect(statuses).toEqual([200, 401, 200]);
    expect(seen.map((s) => s.body)).toEqual(['{"a":"é"}', "{}", "{}"]);
    expect(seen.every((s) => s.header === "1")).toBe(true);
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
  });

  test("reads chunked responses, including one split across packets", async () => {
    const port = await serve((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200);
        res.write("first part,");
        setTimeout(() => res.end("second part"), 20);
      });
    });
    const c = new RawConnection(port, "127.0.0.1");
    expect((await c.request(post("{}"))).status).toBe(200);
    expect((await c.request(post("{}"))).status).toBe(200);
    c.close();
  });

  test("reconnects after the server says connection: close, and rejects a response cut short", async () => {
    let n = 0;
    const port = await serve((req, res) => {
      req.resume();
      req.on("end", () => {
        n++;
        if (n === 2) {
          req.socket.destroy();
          return;
        }
        res.writeHead(200, { connection: "close", "content-length": "2" }).end("ok");
      });
    });
    const c = new RawConnection(port, "127.0.0.1");
    expect((await c.request(post("{}"))).status).toBe(200);
    await expect(c.request(post("{}"))).rejects.toThrow(/closed before the response ended/);
    expect((await c.request(post("{}"))).status).toBe(200);
    c.close();
    expect(n).toBe(3);
  });
});
