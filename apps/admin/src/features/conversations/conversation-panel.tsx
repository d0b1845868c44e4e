import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent, type KeyboardEvent } from "react";
import { useNavigate } from "react-router";

import { formatPhone, isTestCustomerWaId } from "@lx/shared/domain";
import { HUMAN_REPLY_MAX, TEST_CASE_MAX_TURNS, ZReplyToConversationInput } from "@lx/shared/schemas";

import { Badge } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Dialog } from "../../components/ui/dialog.tsx";
import { Field, FieldErrors, Select, Textarea } from "../../components/ui/field.tsx";
import { ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { EraseCustomerDialog, type EraseTarget } from "../customers/erase-dialog.tsx";
import type { TestsPageState } from "../regression/draft-case.ts";
import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { isSendKey, SEND_KEY_SHORTCUTS, sendKeyLabel } from "../../lib/send-key.ts";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import { ModeBadge } from "./badges.tsx";
import { CustomerDataActions } from "./customer-data.tsx";
import { MessageList } from "./message-list.tsx";
import { useThread, type Thread } from "./use-thread.ts";

type Agent = RouterOutputs["agents"]["list"][number];

/** How often an open thread asks for new messages and delivery statuses. */
export const THREAD_POLL_MS = 2500;

const DAY_MS = 24 * 3600_000;

/** Who the conversation is with, as the inbox names them ("Cliente apagado" once their data is erased). */
export function customerLabel(
  c: {
    customerName: string | null;
    customerWaId: string | null;
    customerKey: string;
    erasedAt: string | null;
  },
  words: { unknownCustomer: string; erasedCustomer: string },
) {
  if (c.erasedAt !== null) {
    return words.erasedCustomer;
  }
  return c.customerName ?? customerNumber(c) ?? words.unknownCustomer;
}

/**
 * The customer's number, formatted like every number in the console (`+55 11 99999 0002`), or for a
 * WhatsApp username user without one their user id — what tells apart customers who share a
 * profile name. Null once erased.
 */
export function customerNumber(c: {
  customerWaId: string | null;
  customerUserId?: string | null;
  customerKey: string;
  erasedAt: string | null;
}): string | null {
  if (c.erasedAt !== null) {
    return null;
  }
  if (c.customerWaId) {
    return formatPhone(c.customerWaId);
  }
  return c.customerUserId ?? c.customerKey;
}

/** The console's own test customer (the test chat) is named so rather than by its made-up number. */
export function isTestCustomer(c: { customerWaId: string | null }): boolean {
  return c.customerWaId !== null && isTestCustomerWaId(c.customerWaId);
}

function useInvalidateConversations() {
  const queryClient = useQueryClient();
  const trpc = useTRPC();
  return () => queryClient.invalidateQueries(trpc.conversations.pathFilter());
}

function MoveDialog({
  open,
  onClose,
  tenantSlug,
  thread,
  agents,
}: {
  open: boolean;
  onClose: () => void;
  tenantSlug: string;
  thread: Thread;
  agents: Agent[];
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateConversations();
  const candidates = agents.filter((agent) => agent.slug !== thread.conversation.agent?.slug);
  const [agentSlug, setAgentSlug] = useState(candidates[0]?.slug ?? "");
  const move = useMutation(
    trpc.conversations.move.mutationOptions({
      onSuccess: async (result) => {
        toast.success(t.inbox.moved(result.agent?.name ?? agentSlug));
        onClose();
        await invalidate();
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={t.inbox.moveTitle}
      description={t.inbox.moveBody}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={move.isPending}>
            {t.common.cancel}
          </Button>
          <Button
            disabled={agentSlug === ""}
            loading={move.isPending}
            onClick={() => move.mutate({ tenantSlug, conversationId: thread.conversation.id, agentSlug })}
            data-testid="confirm-button"
          >
            {t.inbox.moveSubmit}
          </Button>
        </>
      }
    >
      <Field label={t.inbox.moveTo}>
        {({ id }) => (
          <Select id={id} value={agentSlug} onChange={(event) => setAgentSlug(event.target.value)}>
            {candidates.map((agent) => (
              <option key={agent.id} value={agent.slug}>
                {agent.name} ({agent.slug})
              </option>
            ))}
          </Select>
        )}
      </Field>
    </Dialog>
  );
}

/** Reply as a human: validated with the API's schema; Ctrl/⌘+Enter sends. */
export function ReplyComposer({ tenantSlug, thread }: { tenantSlug: string; thread: Thread }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateConversations();
  const [text, setText] = useState("");
  const [errors, setErrors] = useState<string[]>([]);
  const reply = useMutation(
    trpc.conversations.reply.mutationOptions({
      onSuccess: async () => {
        setText("");
        toast.success(t.inbox.replySent);
        await invalidate();
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    const parsed = ZReplyToConversationInput.safeParse({
      tenantSlug,
      conversationId: thread.conversation.id,
      text,
    });
    if (!parsed.success) {
      setErrors(parsed.error.issues.map((issue) => issue.message));
      return;
    }
    setErrors([]);
    reply.mutate(parsed.data);
  };
  // The console's one send key (lib/send-key.ts), the test chat's too.
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (isSendKey(event)) {
      event.preventDefault();
      submit();
    }
  };
  return (
    <form
      onSubmit={submit}
      className="border-t border-slate-200 bg-white px-4 py-3"
      aria-label={t.inbox.reply}
    >
      <label htmlFor="reply-text" className="sr-only">
        {t.inbox.reply}
      </label>
      <Textarea
        id="reply-text"
        value={text}
        rows={2}
        maxLength={HUMAN_REPLY_MAX}
        placeholder={t.inbox.replyPlaceholder}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        aria-keyshortcuts={SEND_KEY_SHORTCUTS}
        aria-describedby="reply-send-hint"
        aria-invalid={errors.length > 0}
        className="min-h-16 resize-y"
      />
      <p id="reply-send-hint" className="mt-1 text-xs text-slate-500" data-testid="send-hint">
        {t.agentPages.composer.sendHint(sendKeyLabel())}
      </p>
      {errors.length > 0 ? <FieldErrors messages={errors} /> : null}
      <div className="mt-2 flex items-center justify-between gap-3">
        <p className="text-xs text-slate-500">
          {thread.conversation.mode === "human" ? t.inbox.reply : t.inbox.replyTakesOver}
          <span className="ml-2 tabular-nums text-slate-400">
            {t.inbox.replyLimit(text.length, HUMAN_REPLY_MAX)}
          </span>
        </p>
        <Button type="submit" size="sm" loading={reply.isPending}>
          {t.inbox.replySend}
        </Button>
      </div>
    </form>
  );
}

/**
 * A test case drafted from a real conversation (the regression gate): the customer's latest
 * messages in order, as many as a case holds, expecting the bot to keep the conversation — the
 * operator edits the expectations before saving. The page is told the conversation too: the saved
 * case remembers it, and that customer's erasure deletes it.
 */
function draftCaseOf(thread: Thread, name: string): NonNullable<TestsPageState["draftCase"]> {
  const customer = thread.messages
    .filter((m) => m.author === "customer" && m.body.trim() !== "")
    .slice(-TEST_CASE_MAX_TURNS);
  return {
    name: name.slice(0, 120),
    turns: customer.map((m) => ({ customer: m.body.slice(0, 1000) })),
    expectations: [{ kind: "no_handoff" }],
  };
}

/**
 * The header of an open thread: who, which agent, mode, window, and the take over / hand back / move
 * and customer data (LGPD) actions. An erased conversation shows when it was erased and offers none.
 */
function ThreadHeader({
  tenantSlug,
  thread,
  agents,
}: {
  tenantSlug: string;
  thread: Thread;
  agents: Agent[];
}) {
  const { t, relative, dateTime } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const invalidate = useInvalidateConversations();
  const [moving, setMoving] = useState(false);
  const [dataOpen, setDataOpen] = useState(false);
  const [erasing, setErasing] = useState<EraseTarget | null>(null);
  const dataId = useId();
  const navigate = useNavigate();
  const c = thread.conversation;
  const erased = c.erasedAt !== null;
  const scope = { tenantSlug, conversationId: c.id };
  const takeOver = useMutation(
    trpc.conversations.takeOver.mutationOptions({
      onSuccess: async (result) => {
        toast.success(result.changed ? t.inbox.tookOver : t.inbox.alreadyYours);
        await invalidate();
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );
  const handBack = useMutation(
    trpc.conversations.handBack.mutationOptions({
      onSuccess: async (result) => {
        toast.success(result.changed ? t.inbox.handedBack : t.inbox.alreadyBot);
        await invalidate();
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );
  const windowOpen =
    c.lastCustomerMessageAt !== null && Date.now() - new Date(c.lastCustomerMessageAt).getTime() < DAY_MS;
  return (
    <header className="border-b border-slate-200 bg-white px-4 py-3" data-testid="thread-header">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h2 className="truncate text-base font-semibold text-slate-900" title={customerLabel(c, t.inbox)}>
            {customerLabel(c, t.inbox)}
          </h2>
          <p className="mt-0.5 flex flex-wrap items-center gap-x-2 gap-y-1 text-xs text-slate-500">
            {erased ? null : (
              <>
                <span className="tabular-nums" data-testid="customer-number">
                  {customerNumber(c)}
                </span>
                {isTestCustomer(c) ? (
                  <Badge tone="gray" className="px-1.5 py-0 text-[10px]">
                    {t.inbox.testCustomer}
                  </Badge>
                ) : null}
                <span aria-hidden>·</span>
              </>
            )}
            <span>
              {t.inbox.number}: <span className="tabular-nums">{formatPhone(c.number.displayPhoneNumber)}</span>
              {c.number.kind === "sandbox" ? (
                <Badge tone="gray" className="ml-1 px-1.5 py-0 text-[10px]">
                  sandbox
                </Badge>
              ) : null}
            </span>
            <span aria-hidden>·</span>
            <span>{c.agent ? `${c.agent.name} (${c.agent.slug})` : t.inbox.noAgent}</span>
          </p>
          <div className="mt-2 flex flex-wrap items-center gap-1.5">
            <ModeBadge mode={c.mode} />
            {c.erasedAt !== null ? (
              <Badge tone="red" data-testid="erased-badge">
                {t.inbox.erasedAt(dateTime(c.erasedAt))}
              </Badge>
            ) : (
              <>
                {c.assignedTo ? <Badge tone="green">{t.inbox.assignedTo(c.assignedTo)}</Badge> : null}
                {c.handoffStartedAt && c.mode !== "bot" ? (
                  <span className="text-xs text-slate-500">
                    {t.inbox.since(relative(c.handoffStartedAt))}
                  </span>
                ) : null}
                <Badge tone={windowOpen ? "gray" : "amber"} className="px-1.5 py-0 text-[10px]">
                  {windowOpen ? t.inbox.windowOpen : t.inbox.windowClosed}
                </Badge>
              </>
            )}
          </div>
        </div>
        {erased ? null : (
          <div className="flex max-w-full shrink-0 flex-wrap gap-2">
            {c.mode !== "human" ? (
              <Button
                size="sm"
                onClick={() => takeOver.mutate(scope)}
                loading={takeOver.isPending}
                title={t.inbox.takeOverHint}
              >
                {t.inbox.takeOver}
              </Button>
            ) : null}
            {c.mode !== "bot" ? (
              <Button
                size="sm"
                variant="secondary"
                onClick={() => handBack.mutate(scope)}
                loading={handBack.isPending}
              >
                {t.inbox.handBack}
              </Button>
            ) : null}
            {agents.length > 1 ? (
              <Button size="sm" variant="ghost" onClick={() => setMoving(true)}>
                {t.inbox.move}
              </Button>
            ) : null}
            {c.agent ? (
              <Button
                size="sm"
                variant="ghost"
                title={t.inbox.toTestCaseHint}
                onClick={() => {
                  if (c.agent) {
                    void navigate(`/tenants/${tenantSlug}/agents/${c.agent.slug}/tests`, {
                      state: {
                        draftCase: draftCaseOf(
                          thread,
                          t.regression.cases.fromConversation(customerLabel(c, t.inbox)),
                        ),
                        sourceConversationId: c.id,
                      } satisfies TestsPageState,
                    });
                  }
                }}
              >
                {t.inbox.toTestCase}
              </Button>
            ) : null}
            <Button
              size="sm"
              variant="ghost"
              aria-expanded={dataOpen}
              aria-controls={dataOpen ? dataId : undefined}
              onClick={() => setDataOpen((open) => !open)}
            >
              {t.customers.menu}
              <span
                aria-hidden
                className={dataOpen ? "rotate-180 transition-transform" : "transition-transform"}
              >
                ▾
              </span>
            </Button>
          </div>
        )}
      </div>
      {dataOpen && !erased ? (
        <CustomerDataActions
          id={dataId}
          tenantSlug={tenantSlug}
          conversationId={c.id}
          onErase={() => setErasing({ tenantSlug, conversationId: c.id, label: customerLabel(c, t.inbox) })}
        />
      ) : null}
      {thread.handoffs.length > 0 ? (
        <details className="mt-2 text-xs text-slate-600">
          <summary className="cursor-pointer select-none text-slate-500">
            {t.inbox.handoffs} ({thread.handoffs.length})
          </summary>
          <ul className="mt-1 space-y-0.5" data-testid="handoffs">
            {thread.handoffs.map((handoff) => (
              <li key={handoff.id}>
                <span className="font-medium">{t.inbox.triggers[handoff.trigger] ?? handoff.trigger}</span>
                {handoff.reason ? `: ${handoff.reason}` : ""} · {relative(handoff.startedAt)} ·{" "}
                {handoff.endedAt
                  ? t.inbox.ended(
                      handoff.endReason ? (t.inbox.endReasons[handoff.endReason] ?? handoff.endReason) : "",
                    )
                  : t.inbox.open}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <EraseCustomerDialog
        target={erasing}
        onClose={() => {
          setErasing(null);
          setDataOpen(false);
        }}
      />
      {moving ? (
        <MoveDialog
          open={moving}
          onClose={() => setMoving(false)}
          tenantSlug={tenantSlug}
          thread={thread}
          agents={agents}
        />
      ) : null}
    </header>
  );
}

/**
 * An open conversation, polled every few seconds: header with actions, messages, reply box (none once
 * the customer's data is erased).
 */
export function ConversationPanel({
  tenantSlug,
  conversationId,
  agents,
}: {
  tenantSlug: string;
  conversationId: string;
  agents: Agent[];
}) {
  const { t } = useI18n();
  const thread = useThread({ tenantSlug, conversationId, refetchInterval: THREAD_POLL_MS });
  if (thread.isPending) {
    return <LoadingState className="flex-1" />;
  }
  if (thread.isError || !thread.data) {
    return <ErrorState error={thread.error} onRetry={() => void thread.refetch()} className="flex-1" />;
  }
  return (
    <div className="flex min-h-0 flex-1 flex-col" data-testid="conversation-panel">
      <ThreadHeader tenantSlug={tenantSlug} thread={thread.data} agents={agents} />
      <MessageList
        thread={thread.data}
        className="min-h-0 flex-1"
        onLoadOlder={thread.loadOlder}
        loadingOlder={thread.loadingOlder}
      />
      {thread.data.conversation.erasedAt !== null ? (
        <p
          className="border-t border-slate-200 bg-white px-4 py-3 text-xs text-slate-500"
          data-testid="erased-note"
        >
          {t.inbox.erasedNote}
        </p>
      ) : (
        <ReplyComposer tenantSlug={tenantSlug} thread={thread.data} />
      )}
    </div>
  );
}
