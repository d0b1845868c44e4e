import { createServer, type IncomingMessage, type Server } from "node:http";

import { afterEach, expect, onTestFinished, test } from "vitest";

import { assertCrmTokenDestination, EgressRefused, egressFetch, parseEgressAllow, refusal, setEgressPolicy } from "./egress.ts";
import { postSignedWebhook } from "./outgoing-webhook.ts";

const strict = parseEgressAllow(undefined);

afterEach(() => setEgressPolicy(strict));

/** A receiver on 127.0.0.1 that records what reached it and answers with `answer`. */
async function receiver(answer: (req: IncomingMessage) => { status: number; headers?: Record<string, string>; body?: string }) {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    req.on("end", () => {
      const a = answer(req);
      res.writeHead(a.status, a.headers).end(a.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, seen };
}

test("loopback, private, link-local, shared, mapped and unique-local addresses are refused; public ones are not", () => {
  for (const a of ["127.0.0.1", "10.1.2.3", "172.20.0.5", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "::", "::ffff:7f00:1", "fd12::1", "fe80::1"]) {
    expect(refusal(strict, a), a).toMatch(/private or local address/);
  }
  for (const a of ["8.8.8.8", "157.240.0.35", "2606:4700:4700::1111"]) {
    expect(refusal(strict, a), a).toBeNull();
  }
  const allowed = parseEgressAllow("10.0.4.0/24, 127.0.0.1 ,n8n.internal");
  expect(refusal(allowed, "10.0.4.9")).toBeNull();
  expect(refusal(allowed, "127.0.0.1")).toBeNull();
  expect(refusal(allowed, "10.0.5.9")).toMatch(/private/);
  expect(refusal(allowed, "127.0.0.2")).toMatch(/private/);
  expect(() => parseEgressAllow("10.0.0.0/33")).toThrow(/bad prefix length/);
  expect(() => parseEgressAllow("http://n8n.internal")).toThrow(/not an address, a CIDR range or a host name/);
});

test("a URL naming a refused address, or a name resolving only to one, never connects", async () => {
  const r = await receiver(() => ({ status: 200, body: "{}" }));
  setEgressPolicy(strict);
  await expect(egressFetch(`${r.url}/hook`, { method: "POST", body: "{}" })).rejects.toThrow(EgressRefused);
  const port = new URL(r.url).port;
  // "localhost" resolves to loopback: refused at connect time, on the address the lookup gave.
  await expect(egressFetch(`http://localhost:${port}/hook`, { method: "POST", body: "{}" })).rejects.toThrow(
    /refused: localhost resolves to .* is a private or local address/,
  );
  await expect(egressFetch(`http://[::ffff:127.0.0.1]:${port}/hook`, { method: "POST" })).rejects.toThrow(EgressRefused);
  expect(r.seen).toEqual([]);

  // Allowed by name, the same server is reached.
  setEgressPolicy(parseEgressAllow("localhost"));
  expect((await egressFetch(`http://localhost:${port}/hook`, { method: "POST", body: "{}" })).status).toBe(200);
  expect(r.seen).toEqual(["POST /hook"]);
});

test("a redirect is not followed: a public-looking receiver cannot bounce the worker to an internal address", async () => {
  const internal = await receiver(() => ({ status: 200, body: '{"AccessKeyId":"internal-only"}' }));
  const bouncer = await receiver(() => ({ status: 302, headers: { location: `${internal.url}/latest/meta-data/` } }));
  setEgressPolicy(parseEgressAllow("127.0.0.1"));
  const res = await postSignedWebhook({ url: `${bouncer.url}/hook`, secret: "s", requestId: "r1", body: { event: "handoff" }, backoffMs: 1 });
  expect(res).toMatchObject({ ok: false, status: 302, kind: "http", attempts: 1, retryable: false });
  expect(res.ok ? "" : res.error).toBe("HTTP 302: redirects are not followed (the URL must be the receiver's own)");
  expect(bouncer.seen).toEqual(["POST /hook"]);
  expect(internal.seen).toEqual([]);
});

test("a refused webhook fails at once as `refused`, without retries, naming the address and not the URL", async () => {
  const r = await receiver(() => ({ status: 200, body: "{}" }));
  setEgressPolicy(strict);
  const res = await postSignedWebhook({ url: `${r.url}/hook?token=secret-in-url`, secret: "s", requestId: "r2", body: {}, backoffMs: 1 });
  expect(res).toMatchObject({ ok: false, status: null, kind: "refused", attempts: 1, retryable: false });
  const error = res.ok ? "" : res.error;
  expect(error).toMatch(/^EgressRefused: refused: 127\.0\.0\.1 is a private or local address/);
  expect(error).not.toContain("secret-in-url");
  expect(r.seen).toEqual([]);
});

test("a CRM token goes only to the CRM's own API hosts over https, or to what LX_EGRESS_ALLOW names itself", () => {
  setEgressPolicy(strict);
  for (const url of ["https://api.pipedrive.com", "https://haven.pipedrive.com/api", "https://HAVEN.Pipedrive.com/api/"]) {
    expect(() => assertCrmTokenDestination("pipedrive", url), url).not.toThrow();
  }
  for (const url of ["https://crm.rdstation.com", "https://api.rd.services/crm"]) {
    expect(() => assertCrmTokenDestination("rdstation", url), url).not.toThrow();
  }
  const refused: [("pipedrive" | "rdstation"), string][] = [
    ["pipedrive", "http://api.pipedrive.com"], // not https: the token would travel in clear
    ["pipedrive", "https://collector.example"],
    ["pipedrive", "https://api.pipedrive.com.collector.example"],
    ["pipedrive", "https://evilpipedrive.com"],
    ["pipedrive", "https://api.pipedrive.com:8443"],
    ["pipedrive", "https://user@haven.pipedrive.com"],
    ["pipedrive", "https://crm.rdstation.com"], // the other CRM's host
    ["rdstation", "https://api.pipedrive.com"],
    ["rdstation", "https://crm.rdstation.com.collector.example"],
    ["rdstation", "http://127.0.0.1:8080"],
    ["rdstation", "not a url"],
  ];
  for (const [backend, url] of refused) {
    expect(() => assertCrmTokenDestination(backend, url), url).toThrow(EgressRefused);
  }
  expect(() => assertCrmTokenDestination("pipedrive", "https://collector.example/v1?x=1")).toThrow(
    "refused: the CRM token goes only to https on Pipedrive's API (api.pipedrive.com or <company>.pipedrive.com), not to https://collector.example (LX_EGRESS_ALLOW lists other destinations)",
  );
  // Listed destinations, written as such in the URL (a local CRM proxy, a fake CRM), over http too.
  setEgressPolicy(parseEgressAllow("127.0.0.1,crm-proxy.internal"));
  expect(() => assertCrmTokenDestination("rdstation", "http://127.0.0.1:8080")).not.toThrow();
  expect(() => assertCrmTokenDestination("pipedrive", "http://crm-proxy.internal:3000/pd")).not.toThrow();
  // A name that merely resolves to a listed address is not listed itself.
  expect(() => assertCrmTokenDestination("pipedrive", "http://localhost:8080")).toThrow(EgressRefused);
  expect(() => assertCrmTokenDestination("pipedrive", "http://127.0.0.2:8080")).toThrow(EgressRefused);
});

test("IPv6 forms that carry a private IPv4 address, and IPv6's special ranges, are refused; the public ones they carry are not", async () => {
  const refused: [string, string | null][] = [
    ["::7f00:1", "127.0.0.1"], // IPv4-compatible
    ["::127.0.0.1", "127.0.0.1"],
    ["::a9fe:a9fe", "169.254.169.254"],
    ["2002:7f00:1::", "127.0.0.1"], // 6to4
    ["2002:a9fe:a9fe::1", "169.254.169.254"],
    ["64:ff9b::7f00:1", "127.0.0.1"], // NAT64, well-known prefix
    ["64:ff9b::10.0.0.1", "10.0.0.1"],
    ["::ffff:0:7f00:1", "127.0.0.1"], // SIIT
    ["::ffff:0:192.168.1.1", "192.168.1.1"],
    ["::ffff:127.0.0.1", "127.0.0.1"], // IPv4-mapped
    ["64:ff9b:1::a00:1", null], // NAT64, local-use prefix
    ["64:ff9b:1:ffff::8.8.8.8", null],
    ["fec0::1", null], // site-local
    ["feff::1", null],
    ["100::1", null], // discard-only
    ["100::ffff:ffff:ffff:ffff", null],
    ["2001::a00:1", null], // Teredo
    ["2001:db8::1", null], // documentation
    ["::2", null],
    ["fe80::1%eth0", null],
  ];
  for (const [a, inner] of refused) {
    const why = refusal(strict, a);
    expect(why, a).toMatch(/private or local address/);
    if (inner) {
      expect(why, a).toContain(`carries ${inner},`);
    }
  }
  for (const a of ["2002:808:808::1", "64:ff9b::8.8.8.8", "::ffff:8.8.8.8", "2a03:2880:f12f:83:face:b00c:0:25de", "2606:4700:4700::1111"]) {
    expect(refusal(strict, a), a).toBeNull();
  }
  // What LX_EGRESS_ALLOW lets through as IPv4 it lets through in these forms too; nothing more.
  const allowed = parseEgressAllow("127.0.0.1");
  expect(refusal(allowed, "2002:7f00:1::")).toBeNull();
  expect(refusal(allowed, "2002:7f00:2::")).toMatch(/carries 127\.0\.0\.2,/);

  // Written in a URL, they are refused before any connection, naming the address.
  const r = await receiver(() => ({ status: 200, body: "{}" }));
  const port = new URL(r.url).port;
  for (const host of ["[::127.0.0.1]", "[::ffff:0:7f00:1]", "[2002:7f00:1::]", "[64:ff9b::7f00:1]"]) {
    await expect(egressFetch(`http://${host}:${port}/hook`, { method: "POST" }), host).rejects.toThrow(/refused: .* carries 127\.0\.0\.1,/);
  }
  expect(r.seen).toEqual([]);
});
