/**
 * A fake CRM speaking the two wire formats the CRM plugin's direct adapters use:
 * - Pipedrive v1: `POST /v1/deals?api_token=…` `{ title }` → `{ success, data: { id } }`, and
 *   `POST /v1/notes?api_token=…` `{ deal_id, content }`;
 * - RD Station CRM v1: `POST /api/v1/deals?token=…` `{ deal: { name } }` → `{ _id, id, name }`, and
 *   `POST /api/v1/activities?token=…` `{ activity: { deal_id, text } }`.
 * A wrong token is a 401 in each API's own error shape. Requests are recorded; failures injectable.
 */
import { randomBytes } from "node:crypto";

import { Hono, type Context } from "hono";

import { listenApp, type ListenOptions, type RunningServer } from "./http-server.ts";

export interface CrmRequest {
  api: "pipedrive" | "rdstation";
  path: string;
  token: string | null;
  json: unknown;
  status: number;
}

export class FakeCrm {
  readonly app = new Hono();
  #server: RunningServer | undefined;
  readonly #requests: CrmRequest[] = [];
  readonly #failNext: number[] = [];
  #nextId = 1000;

  constructor(private readonly token: string) {
    this.app.post("/v1/deals", (c) => this.#pipedrive(c, "deal"));
    this.app.post("/v1/notes", (c) => this.#pipedrive(c, "note"));
    this.app.post("/api/v1/deals", (c) => this.#rd(c, "deal"));
    this.app.post("/api/v1/activities", (c) => this.#rd(c, "activity"));
  }

  get url(): string {
    if (!this.#server) {
      throw new Error("fake CRM not started");
    }
    return this.#server.url;
  }

  get requests(): readonly CrmRequest[] {
    return this.#requests;
  }

  /** The next `n` requests are answered with `status` (e.g. 500). */
  failNext(n: number, status: number): void {
    for (let i = 0; i < n; i += 1) {
      this.#failNext.push(status);
    }
  }

  async #body(c: Context): Promise<unknown> {
    try {
      return (await c.req.json()) as unknown;
    } catch {
      return null;
    }
  }

  async #pipedrive(c: Context, kind: "deal" | "note"): Promise<Response> {
    const json = await this.#body(c);
    const token = c.req.query("api_token") ?? null;
    const record: CrmRequest = { api: "pipedrive", path: c.req.path, token, json, status: 0 };
    this.#requests.push(record);
    const failed = this.#failNext.shift();
    if (failed !== undefined) {
      record.status = failed;
      return c.json({ success: false, error: "injected failure" }, failed as 500);
    }
    if (token !== this.token) {
      record.status = 401;
      return c.json({ success: false, error: "You need to be authorized to make this request.", errorCode: 401 }, 401);
    }
    const body = (json ?? {}) as Record<string, unknown>;
    if (kind === "deal" && (typeof body.title !== "string" || body.title === "")) {
      record.status = 400;
      return c.json({ success: false, error: "Title is required", errorCode: 400 }, 400);
    }
    record.status = 201;
    return c.json({ success: true, data: { id: this.#nextId++, ...body } }, 201);
  }

  async #rd(c: Context, kind: "deal" | "activity"): Promise<Response> {
    const json = await this.#body(c);
    const token = c.req.query("token") ?? null;
    const record: CrmRequest = { api: "rdstation", path: c.req.path, token, json, status: 0 };
    this.#requests.push(record);
    const failed = this.#failNext.shift();
    if (failed !== undefined) {
      record.status = failed;
      return c.json({ errors: "injected failure" }, failed as 500);
    }
    if (token !== this.token) {
      record.status = 401;
      return c.json({ errors: "Unauthorized" }, 401);
    }
    const inner = ((json ?? {}) as Record<string, Record<string, unknown> | undefined>)[kind] ?? {};
    if (kind === "deal" && (typeof inner.name !== "string" || inner.name === "")) {
      record.status = 422;
      return c.json({ errors: { name: ["can't be blank"] } }, 422);
    }
    const id = randomBytes(12).toString("hex");
    record.status = 200;
    return c.json({ _id: id, id, ...inner });
  }

  /** @internal used by startFakeCrm */
  async listen(options: ListenOptions): Promise<void> {
    this.#server = await listenApp(this.app, options);
  }

  async stop(): Promise<void> {
    await this.#server?.close();
  }
}

export async function startFakeCrm(options: ListenOptions & { token: string }): Promise<FakeCrm> {
  const crm = new FakeCrm(options.token);
  await crm.listen(options);
  return crm;
}
