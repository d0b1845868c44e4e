import { useI18n } from "../../lib/i18n/context.tsx";
import type { RouterOutputs } from "../../lib/trpc.ts";

type LastMessage = NonNullable<RouterOutputs["conversations"]["list"]["items"][number]["lastMessage"]>;

/**
 * The inbox list's line about a conversation's last message: its author and text, or what the
 * customer actually got when that was not the text — outside the 24-hour window the worker sent the
 * agent's re-engagement template instead ("Template retomada_v1 enviado"), or blocked the reply (the
 * text, struck through, after "Não enviada:"), as the thread says on the message itself.
 */
export function LastMessagePreview({ message }: { message: LastMessage }) {
  const { t } = useI18n();
  const author = (
    <span className="text-slate-400">{t.inbox.authors[message.author] ?? message.author}: </span>
  );
  if (message.sentAsTemplate !== null) {
    return (
      <span data-testid="last-message" data-sent="template">
        {author}
        <span className="font-medium text-amber-800">{t.inbox.previewTemplate(message.sentAsTemplate)}</span>
      </span>
    );
  }
  return (
    <span data-testid="last-message" data-sent={message.blocked ? "blocked" : undefined}>
      {author}
      {message.blocked ? <span className="font-medium text-rose-700">{t.inbox.previewBlocked} </span> : null}
      {message.body === "" ? (
        <span className="italic">{t.inbox.erasedMessage}</span>
      ) : message.blocked ? (
        <span className="line-through decoration-slate-400">{message.body}</span>
      ) : (
        message.body
      )}
    </span>
  );
}
