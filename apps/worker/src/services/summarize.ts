import { sql } from "drizzle-orm";
import { z } from "zod";

import { asSentBody, lastSendJoin, sendReachedCustomer } from "@lx/db/queries";
import type { CompiledAgentBundle } from "@lx/shared";

import type { ModelChoice } from "../llm/index.ts";
import type { JobContext } from "../queue/runner.ts";
import { PermanentJobError } from "../queue/runner.ts";
import type { BundleCache } from "./bundle-cache.ts";

export const SUMMARIZE_MARKER = "[summarize]";

const ZSummarize = z.object({ conversationId: z.string() });

/**
 * conversation.summarize: folds the turns older than the reply context (the last `recentMessages`)
 * into the conversation summary with one LLM call. The reply path then sends summary + recent turns.
 * Written only forward (summary_up_to_message_id never decreases), so a late or repeated job is harmless;
 * each step is also kept in conversation_summaries.
 */
export async function handleSummarize(
  ctx: JobContext,
  deps: { bundles: BundleCache; chooseModel: (bundle: CompiledAgentBundle) => ModelChoice },
): Promise<void> {
  const p = ZSummarize.safeParse(ctx.job.payload);
  if (!p.success) {
    throw new PermanentJobError("bad conversation.summarize payload");
  }
  const { conversationId } = p.data;
  const [c] = await ctx.db.execute<{ summary: string; up_to: string | number | null; active_version_id: string | null }>(sql`
    select c.summary, c.summary_up_to_message_id as up_to, a.active_version_id
    from conversations c
    join phone_numbers n on n.id = c.phone_number_id
    left join agents a on a.id = coalesce(c.agent_id, n.agent_id)
    where c.id = ${conversationId}::uuid`);
  if (!c?.active_version_id) {
    return;
  }
  const active = await deps.bundles.get(ctx.db, c.active_version_id);
  if (!active) {
    return;
  }
  const { bundle } = active;
  // The turns as the customer got them, as the reply context reads them (reply.ts recentTurnsSql):
  // without replies never delivered, a reply sent as a template as that template's text.
  const rows = await ctx.db.execute<{ id: string | number; author: string; body: string }>(sql`
    select s.id, s.author, ${asSentBody("s")} as body
    from messages s
    ${lastSendJoin("s")}
    where s.conversation_id = ${conversationId}::uuid and s.id > ${c.up_to ?? 0} and s.type <> 'note' and ${sendReachedCustomer}
    order by s.id`);
  const toFold = rows.slice(0, Math.max(0, rows.length - bundle.context.recentMessages));
  const last = toFold.at(-1);
  if (!last) {
    return;
  }
  const transcript = toFold.map((r) => `${r.author}: ${r.body}`).join("\n");
  const { provider, model } = deps.chooseModel(bundle);
  const res = await provider.generate({
    model,
    temperature: 0,
    maxOutputTokens: 300,
    system:
      `${SUMMARIZE_MARKER} You keep a running summary of a WhatsApp conversation between a customer and ` +
      `${bundle.agent.name}. Write it in ${bundle.agent.language}, at most 120 words, as plain facts: who the ` +
      `customer is, what they need, what was offered, agreed or promised, open questions. No greetings.`,
    turns: [{ role: "user", content: `Current summary:\n${c.summary || "(none)"}\n\nNew messages:\n${transcript}` }],
    tools: [],
    signal: ctx.signal,
  });
  const summary = res.text.trim().slice(0, 4000);
  await ctx.finish(async (tx) => {
    // The summary's history (conversation_summaries) gets the same step, so a replay can give an old
    // reply the summary it was written with (docs/regression.md).
    await tx.execute(sql`
      with moved as (
        update conversations set summary = ${summary}, summary_up_to_message_id = ${Number(last.id)}
        where id = ${conversationId}::uuid and coalesce(summary_up_to_message_id, 0) < ${Number(last.id)}
        returning tenant_id, id, summary_up_to_message_id, summary)
      insert into conversation_summaries (tenant_id, conversation_id, up_to_message_id, summary)
      select tenant_id, id, summary_up_to_message_id, summary from moved`);
  });
  ctx.logger.info({ conversationId, folded: toFold.length, tokensIn: res.usage.inputTokens }, "conversation summarized");
}
