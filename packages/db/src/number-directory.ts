import { eq } from "drizzle-orm";

import type { Database } from "./client.ts";
import { listenWithRetry } from "./notifier.ts";
import type { NumberTarget } from "./queries/inbound.ts";
import { phoneNumbers } from "./schema/index.ts";

/**
 * phone_number_id → tenant, cached in process so the webhook makes no lookup query in the steady
 * state. A trigger NOTIFYs `lx_numbers` with the changed phone_number_id on every insert, update or
 * delete of phone_numbers; the listener drops that entry (and everything, on reconnect, when
 * notifications may have been missed). Unknown numbers are cached too, briefly.
 */
export class NumberDirectory {
  private readonly cache = new Map<string, { target: NumberTarget | null; at: number }>();
  private unlisten: (() => Promise<void>) | undefined;
  lookups = 0;

  constructor(
    private readonly db: Database,
    private readonly options: { unknownTtlMs?: number; onListenRetry?: (err: unknown, attempt: number) => void } = {},
  ) {}

  async start(): Promise<void> {
    const l = await listenWithRetry(
      this.db,
      "lx_numbers",
      (phoneNumberId) => {
        this.cache.delete(phoneNumberId);
      },
      {
        // (Re)connected: anything may have changed while we were not listening.
        onlisten: () => this.cache.clear(),
        ...(this.options.onListenRetry ? { onRetry: this.options.onListenRetry } : {}),
      },
    );
    this.unlisten = l.unlisten;
  }

  async stop(): Promise<void> {
    await this.unlisten?.();
  }

  invalidate(phoneNumberId?: string): void {
    if (phoneNumberId) {
      this.cache.delete(phoneNumberId);
    } else {
      this.cache.clear();
    }
  }

  async resolve(phoneNumberId: string): Promise<NumberTarget | null> {
    const hit = this.cache.get(phoneNumberId);
    if (hit && (hit.target || Date.now() - hit.at < (this.options.unknownTtlMs ?? 5_000))) {
      return hit.target;
    }
    this.lookups++;
    const [row] = await this.db
      .select({
        tenantId: phoneNumbers.tenantId,
        numberId: phoneNumbers.id,
        agentId: phoneNumbers.agentId,
        wabaId: phoneNumbers.wabaId,
      })
      .from(phoneNumbers)
      .where(eq(phoneNumbers.phoneNumberId, phoneNumberId));
    const target = row ? { ...row, phoneNumberId } : null;
    this.cache.set(phoneNumberId, { target, at: Date.now() });
    return target;
  }
}
