import { useEffect, useLayoutEffect, useRef } from "react";

import { Badge } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { DeliveryBadge } from "./badges.tsx";
import type { Thread } from "./use-thread.ts";

export type { Thread };
export type ThreadMessage = Thread["messages"][number];

const BUBBLE: Record<string, string> = {
  customer: "bg-white ring-slate-200 text-slate-900",
  bot: "bg-indigo-50 ring-indigo-100 text-slate-900",
  human: "bg-emerald-50 ring-emerald-200 text-slate-900",
  system: "bg-amber-50 ring-amber-200 text-slate-900",
};

const VERDICT_TONES = { allow: "gray", rewrite: "amber", block: "red", handoff: "red" } as const;

function Verdicts({ message }: { message: ThreadMessage }) {
  const { t } = useI18n();
  if (message.policyVerdicts.length === 0) {
    return null;
  }
  return (
    <ul
      className="mt-1.5 flex flex-wrap gap-1"
      aria-label={t.inbox.policyTitle}
      data-testid="policy-verdicts"
    >
      {message.policyVerdicts.map((verdict, index) => (
        <li key={`${verdict.rule}-${index}`}>
          <Badge tone={VERDICT_TONES[verdict.action]} className="px-1.5 py-0 text-[10px]">
            <span title={verdict.detail ?? undefined}>
              {t.inbox.policy} · {verdict.rule}: {t.inbox.policyActions[verdict.action] ?? verdict.action}
            </span>
          </Badge>
        </li>
      ))}
    </ul>
  );
}

/**
 * A free-form message the customer never got, in words on the bubble (not only a tooltip): outside
 * the 24-hour window the worker sent the agent's re-engagement template instead (the outbox row became
 * kind `template`), or blocked it. Null for a message sent as written.
 */
function NotSent({ message }: { message: ThreadMessage }) {
  const { t } = useI18n();
  const delivery = message.delivery;
  if (!delivery || message.type !== "text") {
    return null;
  }
  if (delivery.kind === "template" && delivery.templateName !== null) {
    return (
      <p className="mt-1 text-[11px] font-medium text-amber-800" data-testid="not-sent" data-reason="template">
        {t.inbox.notSentTemplate(delivery.templateName)}
      </p>
    );
  }
  if (delivery.status !== "blocked") {
    return null;
  }
  // The worker's structured reason (outbox_messages.block_reason); a send blocked before it was
  // recorded has none, and shows the worker's own words.
  const block = delivery.block;
  return (
    <p
      className="mt-1 text-[11px] font-medium text-rose-700"
      data-testid="not-sent"
      data-reason="blocked"
      data-block-reason={block?.reason}
    >
      {block?.reason === "template_not_approved" && block.template !== null
        ? t.inbox.blockedTemplate(block.template)
        : block?.reason === "no_template"
          ? t.inbox.blockedNoTemplate
          : t.inbox.blockedOther(delivery.lastError ?? "")}
    </p>
  );
}

function MessageItem({ message, erased }: { message: ThreadMessage; erased: boolean }) {
  const { t, time, duration, tokens } = useI18n();
  if (message.type === "note") {
    return (
      <li className="flex justify-center" data-testid="message" data-author="note">
        <p
          className="max-w-lg rounded-full bg-slate-100 px-3 py-1 text-center text-[11px] text-slate-500"
          title={message.body}
        >
          {t.inbox.note} · {time(message.createdAt)}
        </p>
      </li>
    );
  }
  const outgoing = message.direction === "out";
  const author = message.authorUser?.name ?? message.authorUser?.email;
  const delivery = message.delivery;
  // Its text never reached the customer (a template went instead, or nothing did).
  const notSent =
    delivery !== null &&
    message.type === "text" &&
    ((delivery.kind === "template" && delivery.templateName !== null) || delivery.status === "blocked");
  return (
    <li
      className={cn("flex", outgoing ? "justify-end" : "justify-start")}
      data-testid="message"
      data-author={message.author}
      data-message-id={message.id}
    >
      <div className="max-w-[75%] min-w-0">
        <div
          className={cn(
            "rounded-2xl px-3.5 py-2 text-sm whitespace-pre-wrap shadow-sm ring-1 break-words",
            BUBBLE[message.author] ?? BUBBLE.customer,
            outgoing ? "rounded-br-sm" : "rounded-bl-sm",
            notSent && "text-slate-500 line-through decoration-slate-400",
          )}
        >
          {message.type !== "text" ? (
            <span className="mr-1.5 font-mono text-[10px] text-slate-400 uppercase">[{message.type}]</span>
          ) : null}
          {erased && message.body === "" ? (
            // The customer's data was erased: the message is still counted, its text is gone.
            <span className="text-slate-400 italic" data-testid="message-erased">
              {t.inbox.erasedMessage}
            </span>
          ) : (
            message.body
          )}
        </div>
        <div
          className={cn(
            "mt-1 flex flex-wrap items-center gap-1.5 text-[11px] text-slate-500",
            outgoing && "justify-end",
          )}
        >
          <span className="font-medium text-slate-600">
            {t.inbox.authors[message.author] ?? message.author}
          </span>
          {author ? <span>· {author}</span> : null}
          {message.agentVersion ? (
            <Badge tone="indigo" className="px-1.5 py-0 text-[10px]" data-testid="message-version">
              <span
                title={t.inbox.versionTitle(message.agentVersion.agentSlug, message.agentVersion.version)}
              >
                {message.agentVersion.agentSlug} v{message.agentVersion.version}
              </span>
            </Badge>
          ) : null}
          <time dateTime={message.createdAt} title={message.createdAt}>
            {time(message.createdAt)}
          </time>
          {message.tokensIn !== null && message.tokensOut !== null ? (
            <span className="text-slate-400">· {tokens(message.tokensIn, message.tokensOut)}</span>
          ) : null}
          {message.latencyMs !== null ? (
            <span className="text-slate-400">· {t.inbox.latency(duration(message.latencyMs))}</span>
          ) : null}
          {delivery ? (
            <DeliveryBadge
              status={delivery.status}
              attempts={delivery.attempts}
              error={delivery.lastError}
              // The ticks of a substituted message are the template's, and say so.
              subject={
                delivery.kind === "template" && delivery.templateName !== null && message.type === "text"
                  ? t.inbox.templateSendStatus(delivery.templateName)
                  : undefined
              }
            />
          ) : null}
        </div>
        <div className={cn("flex", outgoing && "justify-end")}>
          <NotSent message={message} />
        </div>
        <div className={cn("flex", outgoing && "justify-end")}>
          <Verdicts message={message} />
        </div>
      </div>
    </li>
  );
}

/**
 * A thread's messages, oldest first, scrolled to the newest. Scrolls down again when a message arrives
 * (polling), unless the reader scrolled up to read older ones. With `onLoadOlder`, a "load older
 * messages" control at the top fetches the page before the first message shown, and the messages the
 * reader was looking at stay where they were on screen.
 */
export function MessageList({
  thread,
  className,
  onLoadOlder,
  loadingOlder = false,
}: {
  thread: Thread;
  className?: string;
  onLoadOlder?: () => void;
  loadingOlder?: boolean;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  /** Distance from the bottom of the content to the top of the view, taken when older messages were asked for. */
  const keepFromBottom = useRef<number | null>(null);
  const lastId = thread.messages.at(-1)?.id ?? 0;
  const firstId = thread.messages[0]?.id ?? 0;

  useEffect(() => {
    const el = ref.current;
    if (el && stickToBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  }, [lastId]);

  // Older messages were put above: move the view down by what they added, before the browser paints.
  useLayoutEffect(() => {
    const el = ref.current;
    if (el && keepFromBottom.current !== null) {
      el.scrollTop = el.scrollHeight - keepFromBottom.current;
      keepFromBottom.current = null;
    }
  }, [firstId]);

  const loadOlder = () => {
    const el = ref.current;
    if (el) {
      keepFromBottom.current = el.scrollHeight - el.scrollTop;
    }
    onLoadOlder?.();
  };

  return (
    <div
      ref={ref}
      onScroll={(event) => {
        const el = event.currentTarget;
        stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
      }}
      className={cn("overflow-y-auto bg-slate-50 px-4 py-4", className)}
      data-testid="thread-messages"
    >
      {thread.hasOlder ? (
        onLoadOlder ? (
          <div className="mb-3 flex justify-center">
            <Button
              variant="secondary"
              size="sm"
              loading={loadingOlder}
              onClick={loadOlder}
              data-testid="load-older"
            >
              {loadingOlder ? t.inbox.loadingOlder : t.inbox.loadOlder}
            </Button>
          </div>
        ) : (
          <p className="mb-3 text-center text-xs text-slate-400">{t.inbox.olderHidden}</p>
        )
      ) : null}
      {thread.messages.length === 0 ? (
        <p className="py-10 text-center text-sm text-slate-500">{t.inbox.noMessages}</p>
      ) : (
        <ol className="space-y-3" aria-label={t.inbox.thread}>
          {thread.messages.map((message) => (
            <MessageItem key={message.id} message={message} erased={thread.conversation.erasedAt !== null} />
          ))}
        </ol>
      )}
    </div>
  );
}
