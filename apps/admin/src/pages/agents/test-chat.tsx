import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { Link, useParams } from "react-router";

import { formatPhone } from "@lx/shared/domain";
import { HANDOFF_TEST_STEPS, SANDBOX_TEXT_MAX, ZSandboxSendInput } from "@lx/shared/schemas";

import { Badge } from "../../components/ui/badge.tsx";
import { Button } from "../../components/ui/button.tsx";
import { Card, CardBody, CardHeader } from "../../components/ui/card.tsx";
import { FieldErrors, Textarea } from "../../components/ui/field.tsx";
import { Spinner } from "../../components/ui/spinner.tsx";
import { EmptyState, ErrorState, LoadingState } from "../../components/ui/states.tsx";
import { useToast } from "../../components/ui/toast.tsx";
import { ModeBadge } from "../../features/conversations/badges.tsx";
import { MessageList } from "../../features/conversations/message-list.tsx";
import { useThread } from "../../features/conversations/use-thread.ts";
import { cn } from "../../lib/cn.ts";
import { errorMessage } from "../../lib/errors.ts";
import { useI18n } from "../../lib/i18n/context.tsx";
import { isSendKey, SEND_KEY_SHORTCUTS, sendKeyLabel } from "../../lib/send-key.ts";
import { useSingleFlight } from "../../lib/single-flight.ts";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";

type Target = RouterOutputs["sandbox"]["target"];
type HandoffResult = RouterOutputs["sandbox"]["handoffTest"];

/** The test chat polls faster than the inbox: the operator is waiting for the answer. */
const CHAT_POLL_MS = 1500;

function randomTestCustomer(): string {
  return `55001${String(Math.floor(Math.random() * 100_000_000)).padStart(8, "0")}`;
}

function ChatPanel({
  tenantSlug,
  agentSlug,
  target,
}: {
  tenantSlug: string;
  agentSlug: string;
  target: Target;
}) {
  const { t } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [customer, setCustomer] = useState<{ waId: string; conversationId: string | null }>({
    waId: target.testCustomer,
    conversationId: target.testConversationId,
  });
  const [text, setText] = useState("");
  const [errors, setErrors] = useState<string[]>([]);
  const conversationId = customer.conversationId;
  const thread = useThread({
    tenantSlug,
    conversationId: conversationId ?? "",
    enabled: conversationId !== null,
    refetchInterval: CHAT_POLL_MS,
  });
  const send = useMutation(
    trpc.sandbox.send.mutationOptions({
      onSuccess: async (result) => {
        setText("");
        setCustomer({ waId: result.waId, conversationId: result.conversationId });
        await queryClient.invalidateQueries(trpc.conversations.pathFilter());
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );
  const sendOnce = useSingleFlight();
  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    // A second Ctrl+Enter (or click) while the message is on its way sends nothing.
    if (send.isPending) {
      return;
    }
    const parsed = ZSandboxSendInput.safeParse({ tenantSlug, agentSlug, text, waId: customer.waId });
    if (!parsed.success) {
      setErrors(parsed.error.issues.map((issue) => issue.message));
      return;
    }
    setErrors([]);
    void sendOnce(() => send.mutateAsync(parsed.data));
  };
  // The inbox's convention (lib/send-key.ts): Ctrl/⌘+Enter sends, Enter adds a line.
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (isSendKey(event)) {
      event.preventDefault();
      submit();
    }
  };
  const last = thread.data?.messages.at(-1);
  const waiting = send.isPending || (last?.direction === "in" && thread.data?.conversation.mode === "bot");
  return (
    <Card
      className="flex h-[calc(100vh-18rem)] min-h-[30rem] flex-col overflow-hidden"
      data-testid="test-chat"
    >
      <CardHeader
        title={t.testChat.customer(customer.waId)}
        description={target.number ? t.testChat.number(formatPhone(target.number.displayPhoneNumber)) : null}
        actions={
          <>
            {thread.data ? <ModeBadge mode={thread.data.conversation.mode} /> : null}
            {conversationId ? (
              <Link
                to={`/tenants/${tenantSlug}/conversations?c=${conversationId}`}
                className="text-xs font-medium text-indigo-700 hover:underline"
              >
                {t.testChat.openInInbox}
              </Link>
            ) : null}
            <Button
              size="sm"
              variant="secondary"
              title={t.testChat.newCustomerHint}
              onClick={() => setCustomer({ waId: randomTestCustomer(), conversationId: null })}
            >
              {t.testChat.newCustomer}
            </Button>
          </>
        }
      />
      {conversationId === null ? (
        <EmptyState className="flex-1" title={t.testChat.empty} />
      ) : thread.isPending ? (
        <LoadingState className="flex-1" />
      ) : thread.isError || !thread.data ? (
        <ErrorState error={thread.error} onRetry={() => void thread.refetch()} className="flex-1" />
      ) : (
        <MessageList
          thread={thread.data}
          className="min-h-0 flex-1"
          onLoadOlder={thread.loadOlder}
          loadingOlder={thread.loadingOlder}
        />
      )}
      <form onSubmit={submit} className="border-t border-slate-200 px-4 py-3" aria-label={t.testChat.message}>
        {waiting ? (
          <p className="mb-2 flex items-center gap-2 text-xs text-slate-500" data-testid="waiting-bot">
            <Spinner className="size-3" />
            {t.testChat.waiting}
          </p>
        ) : null}
        <div className="flex items-end gap-2">
          <label htmlFor="test-chat-text" className="sr-only">
            {t.testChat.message}
          </label>
          <Textarea
            id="test-chat-text"
            value={text}
            rows={2}
            maxLength={SANDBOX_TEXT_MAX}
            placeholder={t.testChat.placeholder}
            onChange={(event) => setText(event.target.value)}
            onKeyDown={onKeyDown}
            aria-keyshortcuts={SEND_KEY_SHORTCUTS}
            aria-describedby="test-chat-send-hint"
            aria-invalid={errors.length > 0}
            className="min-h-12 flex-1 resize-none"
          />
          <Button type="submit" loading={send.isPending}>
            {t.testChat.send}
          </Button>
        </div>
        <p id="test-chat-send-hint" className="mt-1.5 text-xs text-slate-500" data-testid="send-hint">
          {t.agentPages.composer.sendHint(sendKeyLabel())}
        </p>
        {errors.length > 0 ? <FieldErrors messages={errors} /> : null}
      </form>
    </Card>
  );
}

function StepList({ result, running }: { result: HandoffResult | null; running: boolean }) {
  const { t, duration } = useI18n();
  return (
    <ol className="space-y-2" data-testid="handoff-steps">
      {HANDOFF_TEST_STEPS.map((step, index) => {
        const done = result?.steps.find((s) => s.step === step);
        const state = done ? (done.ok ? "ok" : "failed") : running ? "pending" : "idle";
        return (
          <li
            key={step}
            className="flex items-start gap-2.5 text-sm"
            data-testid="handoff-step"
            data-step={step}
            data-state={state}
          >
            <span
              className={cn(
                "mt-0.5 flex size-5 shrink-0 items-center justify-center rounded-full text-[11px] font-bold",
                state === "ok" && "bg-emerald-100 text-emerald-700",
                state === "failed" && "bg-rose-100 text-rose-700",
                (state === "pending" || state === "idle") && "bg-slate-100 text-slate-400",
              )}
              aria-hidden
            >
              {state === "ok" ? (
                "✓"
              ) : state === "failed" ? (
                "✗"
              ) : running ? (
                <Spinner className="size-3" />
              ) : (
                index + 1
              )}
            </span>
            <div className="min-w-0">
              <p className={cn("text-slate-800", state === "idle" && "text-slate-500")}>
                {t.testChat.handoff.steps[step] ?? step}
                {done ? (
                  <span className="ml-2 text-xs text-slate-400 tabular-nums">{duration(done.ms)}</span>
                ) : null}
              </p>
              {done && !done.ok && done.detail ? (
                <p className="text-xs text-rose-700">{done.detail}</p>
              ) : null}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function HandoffTestCard({
  tenantSlug,
  agentSlug,
  target,
}: {
  tenantSlug: string;
  agentSlug: string;
  target: Target;
}) {
  const { t, dateTime, actor } = useI18n();
  const trpc = useTRPC();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [result, setResult] = useState<HandoffResult | null>(null);
  const history = useQuery(trpc.audit.list.queryOptions({ tenantSlug, type: "handoff_test.", limit: 5 }));
  const run = useMutation(
    trpc.sandbox.handoffTest.mutationOptions({
      onMutate: () => setResult(null),
      onSuccess: async (outcome) => {
        setResult(outcome);
        if (outcome.passed) {
          toast.success(`${t.testChat.handoff.title}: ${t.testChat.handoff.passed}`);
        } else {
          toast.error(`${t.testChat.handoff.title}: ${t.testChat.handoff.failed}`);
        }
        await Promise.all([
          queryClient.invalidateQueries(trpc.audit.pathFilter()),
          queryClient.invalidateQueries(trpc.setup.pathFilter()),
          queryClient.invalidateQueries(trpc.conversations.pathFilter()),
        ]);
      },
      onError: (err) => toast.error(errorMessage(err, t)),
    }),
  );
  return (
    <Card data-testid="handoff-test">
      <CardHeader
        title={t.testChat.handoff.title}
        description={t.testChat.handoff.subtitle}
        actions={
          result ? (
            <Badge tone={result.passed ? "green" : "red"} dot data-testid="handoff-result">
              {result.passed ? t.testChat.handoff.passed : t.testChat.handoff.failed}
            </Badge>
          ) : null
        }
      />
      <CardBody className="space-y-4">
        <p className="text-xs text-slate-500">
          {target.handoffKeyword
            ? t.testChat.handoff.keyword(target.handoffKeyword)
            : t.testChat.handoff.noKeyword}
        </p>
        <StepList result={result} running={run.isPending} />
        {result?.failure ? (
          <p className="rounded-md bg-rose-50 px-3 py-2 text-xs text-rose-800" role="alert">
            {t.testChat.handoff.failedAt(
              t.testChat.handoff.steps[result.failure.step] ?? result.failure.step,
              result.failure.error,
            )}
          </p>
        ) : null}
        {result?.conversationId ? (
          <Link
            to={`/tenants/${tenantSlug}/conversations?c=${result.conversationId}`}
            className="inline-block text-xs font-medium text-indigo-700 hover:underline"
          >
            {t.testChat.openInInbox}
          </Link>
        ) : null}
        <Button
          className="w-full"
          onClick={() => run.mutate({ tenantSlug, agentSlug })}
          loading={run.isPending}
          disabled={!target.handoffKeyword}
        >
          {run.isPending ? t.testChat.handoff.running : t.testChat.handoff.run}
        </Button>
        <div>
          <p className="mb-1.5 text-xs font-semibold tracking-wide text-slate-500 uppercase">
            {t.testChat.handoff.history}
          </p>
          {(history.data?.items ?? []).length === 0 ? (
            <p className="text-xs text-slate-400">{t.testChat.handoff.noHistory}</p>
          ) : (
            <ul className="space-y-1" data-testid="handoff-history">
              {(history.data?.items ?? []).map((event) => (
                <li key={event.id} className="flex items-center justify-between gap-2 text-xs">
                  <Badge
                    tone={event.type === "handoff_test.passed" ? "green" : "red"}
                    className="px-1.5 py-0 text-[10px]"
                  >
                    {event.type === "handoff_test.passed"
                      ? t.testChat.handoff.passed
                      : t.testChat.handoff.failed}
                  </Badge>
                  <span className="truncate text-slate-500">
                    {actor(event.actorLabel)} · {dateTime(event.createdAt)}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </CardBody>
    </Card>
  );
}

/** The agent's test chat and guided handoff test (operators), on the tenant's sandbox number. */
export function TestChatPage() {
  const { tenantSlug = "", agentSlug = "" } = useParams();
  const { t } = useI18n();
  const trpc = useTRPC();
  const target = useQuery(trpc.sandbox.target.queryOptions({ tenantSlug, agentSlug }));
  if (target.isPending) {
    return <LoadingState />;
  }
  if (target.isError) {
    return <ErrorState error={target.error} onRetry={() => void target.refetch()} />;
  }
  if (!target.data.enabled || !target.data.number) {
    return (
      <Card>
        <EmptyState
          title={t.testChat.title}
          description={!target.data.enabled ? t.testChat.off : t.testChat.noNumber}
        />
      </Card>
    );
  }
  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="max-w-3xl text-sm text-slate-600">{t.testChat.subtitle}</p>
        {target.data.activeVersion ? (
          <Badge tone="indigo">{t.testChat.activeVersion(target.data.activeVersion)}</Badge>
        ) : null}
      </div>
      <div className="grid gap-6 lg:grid-cols-[1fr_22rem]">
        <ChatPanel tenantSlug={tenantSlug} agentSlug={agentSlug} target={target.data} />
        <HandoffTestCard tenantSlug={tenantSlug} agentSlug={agentSlug} target={target.data} />
      </div>
    </div>
  );
}
