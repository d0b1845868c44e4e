import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
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
import { cn } from "../../lib/cn.ts";
import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { isSendKey, SEND_KEY_SHORTCUTS, sendKeyLabel } from "../../lib/send-key.ts";
import { useSingleFlight } from "../../lib/single-flight.ts";
import { useUser } from "../../lib/session.ts";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import { ModeBadge } from "./badges.tsx";
import { CustomerDataActions } from "./customer-data.tsx";
import { MessageList } from "./message-list.tsx";
import { replyPlanOf } from "./reply-plan.ts";
import { useThread, type Thread } from "./use-thread.ts";

type Agent = RouterOutputs["agents"]["list"][number];

/** How often an open thread asks for new messages and delivery statuses. */
export const THREAD_POLL_MS = 2500;

/** The operator who has the conversation, as the console names people (name, else e-mail). */
function ownerLabel(c: Thread["conversation"]): string | null {
  if (c.assignedTo === null) {
    return null;
  }
  return c.assignedName ? `${c.assignedName} (${c.assignedTo})` : c.assignedTo;
}

/** The composer's draft of one conversation, kept in the tab (survives errors, re-renders, switching). */
const draftKey = (conversationId: string) => `lx.inbox.reply-draft.${conversationId}`;

function readDraft(conversationId: string): string {
  try {
    return sessionStorage.getItem(draftKey(conversationId)) ?? "";
  } catch {
    return "";
  }
}

function writeDraft(conversationId: string, text: string) {
  try {
    if (text === "") {
      sessionStorage.removeItem(draftKey(conversationId));
    } else {
      sessionStorage.setItem(draftKey(conversationId), text);
    }
  } catch {
    // Storage full or refused (private mode): the draft just lives as long as the composer.
  }
}

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

/**
 * Reply as a human: validated with the API's schema; Ctrl/⌘+Enter sends (once: a second press while
 * the reply is on its way sends nothing). The draft is kept per conversation in the tab's
 * sessionStorage, so an error, a re-render or opening another conversation never loses it. Outside
 * the 24-hour window it says what will happen to the reply (sent as the template, or blocked), and it
 * warns when another operator has the conversation.
 */
export function ReplyComposer({ tenantSlug, thread }: { tenantSlug: string; thread: Thread }) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const me = useUser();
  const invalidate = useInvalidateConversations();
  const conversationId = thread.conversation.id;
  const [text, setTextState] = useState(() => readDraft(conversationId));
  const setText = (value: string) => {
    setTextState(value);
    writeDraft(conversationId, value);
  };
  const [errors, setErrors] = useState<string[]>([]);
  const sendOnce = useSingleFlight();
  const reply = useMutation(
    trpc.conversations.reply.mutationOptions({
      onSuccess: async (_result, variables) => {
        // The draft that was sent goes, even if the composer is gone (another conversation opened);
        // anything typed while it was on its way stays.
        if (readDraft(variables.conversationId).trim() === variables.text) {
          writeDraft(variables.conversationId, "");
        }
        setTextState((current) => (current.trim() === variables.text ? "" : current));
        toast.success(t.inbox.replySent);
        await invalidate();
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (reply.isPending) {
      return;
    }
    const parsed = ZReplyToConversationInput.safeParse({ tenantSlug, conversationId, text });
    if (!parsed.success) {
      setErrors(parsed.error.issues.map((issue) => issue.message));
      return;
    }
    setErrors([]);
    void sendOnce(() => reply.mutateAsync(parsed.data));
  };
  // The console's one send key (lib/send-key.ts), the test chat's too.
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (isSendKey(event)) {
      event.preventDefault();
      submit();
    }
  };
  const c = thread.conversation;
  const plan = replyPlanOf(thread);
  const owner = c.mode === "human" && c.assignedTo !== null && c.assignedTo !== me.email ? ownerLabel(c) : null;
  return (
    <form
      onSubmit={submit}
      className="border-t border-slate-200 bg-white px-4 py-3"
      aria-label={t.inbox.reply}
      data-testid="reply-composer"
    >
      {owner ? (
        <p
          role="alert"
          className="mb-2 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 ring-1 ring-amber-200"
          data-testid="owner-warning"
        >
          {t.inbox.ownedByOther(owner)}
        </p>
      ) : null}
      {plan.kind !== "open" ? (
        <p
          className={
            plan.kind === "template"
              ? "mb-2 rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900 ring-1 ring-amber-200"
              : "mb-2 rounded-md bg-rose-50 px-3 py-2 text-xs text-rose-900 ring-1 ring-rose-200"
          }
          id="reply-window-notice"
          data-testid="window-notice"
          data-plan={plan.kind}
        >
          {plan.kind === "template"
            ? t.inbox.composerTemplate(plan.name)
            : plan.template === null
              ? t.inbox.composerBlockedNoTemplate
              : t.inbox.composerBlockedTemplate(
                  plan.template.name,
                  plan.template.status === null
                    ? t.inbox.templateMissing
                    : (t.templates.statuses[plan.template.status] ?? plan.template.status).toLowerCase(),
                )}
        </p>
      ) : null}
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
        aria-describedby={plan.kind === "open" ? "reply-send-hint" : "reply-send-hint reply-window-notice"}
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
  /** Someone else had the conversation when this operator clicked "Assumir" (who, as named). */
  const [takenBy, setTakenBy] = useState<string | null>(null);
  const me = useUser();
  const dataId = useId();
  const navigate = useNavigate();
  const c = thread.conversation;
  const erased = c.erasedAt !== null;
  const scope = { tenantSlug, conversationId: c.id };
  const takeOver = useMutation(
    trpc.conversations.takeOver.mutationOptions({
      onSuccess: async (result) => {
        const owner = result.assignedTo;
        if (result.changed || owner?.email === me.email) {
          setTakenBy(null);
          toast.success(result.changed ? t.inbox.tookOver : t.inbox.alreadyYours);
        } else {
          // Another operator got there first (two clicks at once): nothing changed, say who has it.
          setTakenBy(owner ? (owner.name ? `${owner.name} (${owner.email})` : owner.email) : "");
        }
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
  const plan = replyPlanOf(thread);
  const owner = ownerLabel(c);
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
                {owner ? (
                  <Badge tone={c.assignedTo === me.email ? "green" : "amber"} data-testid="assigned-badge">
                    {t.inbox.assignedTo(owner)}
                  </Badge>
                ) : null}
                {c.handoffStartedAt && c.mode !== "bot" ? (
                  <span className="text-xs text-slate-500">
                    {t.inbox.since(relative(c.handoffStartedAt))}
                  </span>
                ) : null}
                <Badge
                  tone={plan.kind === "open" ? "gray" : plan.kind === "template" ? "amber" : "red"}
                  className="px-1.5 py-0 text-[10px]"
                  data-testid="window-badge"
                >
                  {plan.kind === "open"
                    ? t.inbox.windowOpen
                    : plan.kind === "template"
                      ? t.inbox.windowClosedTemplate(plan.name)
                      : t.inbox.windowClosedBlocked}
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
      {takenBy !== null && !erased ? (
        <div
          role="alert"
          className="mt-2 flex items-start justify-between gap-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200"
          data-testid="takeover-conflict"
        >
          <p>{takenBy === "" ? t.inbox.alreadyTakenUnknown : t.inbox.alreadyTaken(takenBy)}</p>
          <button
            type="button"
            onClick={() => setTakenBy(null)}
            className="shrink-0 rounded text-amber-700 hover:text-amber-900 focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:outline-none"
            aria-label={t.common.close}
          >
            ×
          </button>
        </div>
      ) : null}
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
  const panel = useRef<HTMLDivElement>(null);
  const loaded = thread.data !== undefined;
  // On a phone the page itself scrolls (the thread is taller than the screen's rest): open at the
  // newest message with the composer in view, as the desktop's inner scroll box does.
  useEffect(() => {
    const el = panel.current;
    if (loaded && el && window.matchMedia("(max-width: 767px)").matches) {
      el.scrollIntoView({ block: "end" });
    }
  }, [loaded]);
  if (thread.isPending) {
    return <LoadingState className="flex-1" />;
  }
  // An error with data already shown (the server went away for a moment) keeps the data and the
  // composer's draft, with a notice; the poll keeps trying.
  if (!thread.data) {
    return <ErrorState error={thread.error} onRetry={() => void thread.refetch()} className="flex-1" />;
  }
  return (
    <div ref={panel} className="flex min-h-0 flex-1 flex-col" data-testid="conversation-panel">
      {thread.isError ? <OfflineNotice onRetry={() => void thread.refetch()} /> : null}
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

/** Shown over data kept on screen while the server cannot be reached (the poll keeps retrying). */
export function OfflineNotice({ onRetry, className }: { onRetry: () => void; className?: string }) {
  const { t } = useI18n();
  return (
    <div
      role="status"
      className={cn(
        "flex items-center justify-between gap-3 border-b border-amber-200 bg-amber-50 px-4 py-2 text-xs text-amber-900",
        className,
      )}
      data-testid="offline-notice"
    >
      <p>{t.inbox.offline}</p>
      <Button size="sm" variant="secondary" onClick={onRetry}>
        {t.common.retry}
      </Button>
    </div>
  );
}
