import { wordDiff } from "@lx/shared/domain";
import type { TExpectationResult, TReplayConversation, TTestCaseResult, TTranscriptLine } from "@lx/shared/schemas";

import { Badge } from "../../components/ui/badge.tsx";
import { cn } from "../../lib/cn.ts";
import { useI18n } from "../../lib/i18n/context.tsx";

type Messages = ReturnType<typeof useI18n>["t"];
type Why = Messages["regression"]["result"]["why"];

/** Why an expectation passed or failed, in the console's language (the result's `detail` is the API's English). */
function why(e: TExpectationResult, c: TTestCaseResult, w: Why, triggers: Messages["inbox"]["triggers"]): string {
  switch (e.expectation.kind) {
    case "contains":
    case "not_contains":
      return e.reply ? w.replyContains(e.reply) : c.transcript.some((l) => l.role === "bot") ? w.noReplyContains : w.neverReplied;
    case "handoff":
    case "no_handoff":
      return c.handoff ? w.handedOff(triggers[c.handoff.trigger] ?? c.handoff.trigger, c.handoff.reason) : w.kept;
    case "tool_called":
      return e.passed ? w.called : c.toolsCalled.length > 0 ? w.calledOthers([...new Set(c.toolsCalled)].join(", ")) : w.noTool;
  }
}

/** A test case's simulated conversation, its expectations with why each passed or failed. */
export function CaseResults({ results }: { results: readonly TTestCaseResult[] }) {
  const { t, tokens } = useI18n();
  const r = t.regression;
  return (
    <ul className="space-y-4" data-testid="case-results">
      {results.map((c) => (
        <li key={c.caseId} className="rounded-lg ring-1 ring-slate-200" data-testid={`case-result-${c.name}`}>
          <div className="flex flex-wrap items-center gap-2 border-b border-slate-100 px-4 py-2.5">
            <Badge tone={c.passed ? "green" : "red"} dot>
              {c.passed ? r.result.passed : r.result.failed}
            </Badge>
            <span className="text-sm font-semibold text-slate-900">{c.name}</span>
            {c.tokensIn + c.tokensOut > 0 ? <span className="text-xs text-slate-400">{tokens(c.tokensIn + c.tokensOut)}</span> : null}
          </div>
          <div className="grid gap-4 px-4 py-3 lg:grid-cols-2">
            <ul className="space-y-1.5 text-sm">
              {c.expectations.map((e, i) => (
                <li key={i} className="flex gap-2">
                  <span aria-hidden className={e.passed ? "text-emerald-600" : "text-rose-600"}>
                    {e.passed ? "✓" : "✗"}
                  </span>
                  <span>
                    <span className="font-medium text-slate-800">
                      {r.kinds[e.expectation.kind]}
                      {"text" in e.expectation ? ` “${e.expectation.text}”` : ""}
                      {"tool" in e.expectation ? ` ${e.expectation.tool}` : ""}
                    </span>
                    <span className="sr-only">{e.passed ? r.result.passed : r.result.failed}</span>
                    <span className="block text-xs text-slate-500">{why(e, c, r.result.why, t.inbox.triggers)}</span>
                  </span>
                </li>
              ))}
              {c.error ? <li className="text-rose-700">{r.result.error(c.error)}</li> : null}
            </ul>
            <Transcript lines={c.transcript} />
          </div>
        </li>
      ))}
    </ul>
  );
}

function Transcript({ lines }: { lines: readonly TTranscriptLine[] }) {
  const { t } = useI18n();
  const r = t.regression.result;
  return (
    <ol className="space-y-1.5 text-sm">
      {lines.map((line, i) => (
        <li
          key={i}
          className={cn(
            "rounded-lg px-3 py-1.5",
            line.role === "customer" && "mr-8 bg-slate-100 text-slate-800",
            line.role === "bot" && "ml-8 bg-indigo-50 text-indigo-950",
            line.role === "system" && "bg-amber-50 text-xs text-amber-900",
          )}
        >
          <span className="mr-1.5 text-xs font-semibold uppercase tracking-wide opacity-60">{r[line.role]}</span>
          <span className="whitespace-pre-wrap">{line.text}</span>
          {line.tools && line.tools.length > 0 ? <span className="block text-xs opacity-70">{r.tools(line.tools.join(", "))}</span> : null}
          {line.policy ? <span className="block text-xs text-rose-700">Sentinel — {line.policy}</span> : null}
        </li>
      ))}
    </ol>
  );
}

/**
 * Each replayed reply: what the customer got beside what the candidate (a version, or the draft when
 * `version` is null) would say, words marked.
 */
export function ReplayResults({ results, version }: { results: readonly TReplayConversation[]; version: string | null }) {
  const { t } = useI18n();
  const r = t.regression.result;
  if (results.length === 0) {
    return <p className="text-sm text-slate-500">{r.noConversations}</p>;
  }
  return (
    <ul className="space-y-4" data-testid="replay-results">
      {results.map((c) => (
        <li key={c.conversationId} className="rounded-lg ring-1 ring-slate-200">
          <p className="border-b border-slate-100 px-4 py-2 text-sm font-semibold text-slate-900">{r.conversation(c.customer)}</p>
          <ol className="divide-y divide-slate-100">
            {c.replies.map((reply) => {
              const parts = wordDiff(reply.original.text, reply.candidate.text);
              return (
                <li key={reply.messageId} className="space-y-2 px-4 py-3 text-sm" data-testid="replay-reply">
                  <div className="flex items-start gap-2">
                    <Badge tone={reply.changed ? "amber" : "gray"}>{reply.changed ? r.changed : r.same}</Badge>
                    <p className="whitespace-pre-wrap text-slate-700">
                      <span className="mr-1.5 text-xs font-semibold uppercase tracking-wide text-slate-400">{r.customer}</span>
                      {reply.customer}
                    </p>
                  </div>
                  <div className="grid gap-2 md:grid-cols-2">
                    <div className="rounded-md bg-slate-50 p-2.5">
                      <p className="mb-1 text-xs font-medium text-slate-500">{r.original(reply.original.version)}</p>
                      <p className="whitespace-pre-wrap">
                        {parts.map((p, i) =>
                          p.op === "add" ? null : (
                            <span key={i} className={cn(p.op === "del" && "rounded bg-rose-100 text-rose-900 line-through")}>
                              {p.text}
                            </span>
                          ),
                        )}
                      </p>
                    </div>
                    <div className="rounded-md bg-indigo-50/60 p-2.5" data-testid="replay-candidate">
                      <p className="mb-1 text-xs font-medium text-slate-500">{r.candidate(version)}</p>
                      <p className="whitespace-pre-wrap">
                        {parts.map((p, i) =>
                          p.op === "del" ? null : (
                            <span key={i} className={cn(p.op === "add" && "rounded bg-emerald-100 text-emerald-900")}>
                              {p.text}
                            </span>
                          ),
                        )}
                      </p>
                      {reply.candidate.handoff ? <p className="mt-1 text-xs text-amber-800">{reply.candidate.handoff}</p> : null}
                      {reply.candidate.tools.length > 0 ? <p className="mt-1 text-xs text-slate-500">{r.tools(reply.candidate.tools.join(", "))}</p> : null}
                    </div>
                  </div>
                </li>
              );
            })}
          </ol>
        </li>
      ))}
    </ul>
  );
}
