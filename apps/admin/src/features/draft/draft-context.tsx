import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, use, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

import { parseAgentSpec, type FieldError } from "@lx/shared/schemas";

import { errorCode } from "../../lib/errors.ts";
import { isRecord } from "../../lib/paths.ts";
import { isTransientError } from "../../lib/retry.ts";
import { useTRPC, useTRPCClient, type RouterOutputs } from "../../lib/trpc.ts";
import { emptySpec } from "./empty-spec.ts";
import { formatSpecJson } from "./format.ts";

/** Autosave waits this long after the last edit. */
export const AUTOSAVE_DELAY_MS = 800;

/** A failed save is retried by itself after 1 s, 2 s, 4 s, 8 s, then every 10 s (and on focus/online). */
export function autosaveRetryDelay(attempt: number): number {
  return Math.min(1000 * 2 ** attempt, 10_000);
}

/**
 * idle: nothing edited; pending: edited, save scheduled; saving; saved; error: the last save failed
 * (retried by itself); conflict: someone saved a newer draft since this editor loaded it (never
 * overwritten: see `conflict`).
 */
export type SaveState = "idle" | "pending" | "saving" | "saved" | "error" | "conflict";

export type DraftInfo = RouterOutputs["drafts"]["get"];

/** A save refused because the draft changed since this editor loaded it (`drafts.save`'s CONFLICT). */
export type DraftConflict = {
  /** This editor's text, kept to be copied: it was not saved. */
  mine: Record<string, unknown>;
  /** The newer draft on the server (who saved it, when); null until fetched or when it failed. */
  newer: DraftInfo | null;
  /** The user loaded the newer draft: only `mine` is left to show. */
  resolved: boolean;
};

type Draft = { spec: Record<string, unknown>; baseVersion: string | null };

export type DraftApi = {
  tenantSlug: string;
  agentSlug: string;
  /** The server's view when the editor loaded (source, base and live versions, who saved it). */
  info: DraftInfo | undefined;
  loading: boolean;
  loadError: unknown;
  reload: () => void;
  /** The current draft (null until loaded). */
  spec: Record<string, unknown> | null;
  baseVersion: string | null;
  /** Live AgentSpec validation of `spec`, with dotted paths (`handoff.message`). */
  errors: FieldError[];
  setSpec: (spec: Record<string, unknown>) => void;
  saveState: SaveState;
  savedAt: string | null;
  saveError: unknown;
  /** The JSON view's text while it is open (kept here so it survives a tab switch), else null. */
  jsonText: string | null;
  setJsonText: (text: string | null) => void;
  /** The JSON view's syntax error: while set, nothing is saved. */
  jsonError: string | null;
  setJsonError: (message: string | null) => void;
  /** Saves a pending edit now (before compiling, publishing or leaving); true when nothing is left unsaved. */
  flush: () => Promise<boolean>;
  /** Deletes the saved draft and reloads the live spec. */
  discard: () => Promise<void>;
  /** Set when a save was refused because someone saved a newer draft (saveState "conflict"). */
  conflict: DraftConflict | null;
  /** Replaces this editor's text with the newer draft (the refused text stays in `conflict.mine`). */
  loadNewer: () => void;
  /** Saves this editor's text over the newer draft, on purpose. */
  overwrite: () => Promise<boolean>;
  /** Hides the refused text once it is no longer needed. */
  dismissConflict: () => void;
};

const DraftContext = createContext<DraftApi | null>(null);

/**
 * Holds an agent's spec draft for the editor and the compile view: loads it (`drafts.get`), keeps the
 * edits, validates them live with `ZAgentSpec` and autosaves them (`drafts.save`), one save at a time,
 * always the latest edit.
 */
export function DraftProvider({
  tenantSlug,
  agentSlug,
  children,
}: {
  tenantSlug: string;
  agentSlug: string;
  children: ReactNode;
}) {
  const trpc = useTRPC();
  const trpcClient = useTRPCClient();
  const queryClient = useQueryClient();
  const query = useQuery({
    ...trpc.drafts.get.queryOptions({ tenantSlug, agentSlug }),
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
  const { mutateAsync: saveDraft } = useMutation(trpc.drafts.save.mutationOptions());
  const { mutateAsync: discardDraft } = useMutation(trpc.drafts.discard.mutationOptions());

  const [local, setLocal] = useState<Draft | null>(null);
  const [saveState, setSaveState] = useState<SaveState>("idle");
  const [savedAt, setSavedAt] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [jsonText, setJsonText] = useState<string | null>(null);
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<DraftConflict | null>(null);

  const server = useMemo<Draft | null>(() => {
    if (!query.data) {
      return null;
    }
    return {
      spec: isRecord(query.data.spec) ? query.data.spec : emptySpec(),
      baseVersion: query.data.baseVersion,
    };
  }, [query.data]);

  const current = local ?? server;
  const spec = current?.spec ?? null;
  const baseVersion = current?.baseVersion ?? null;

  const errors = useMemo<FieldError[]>(() => {
    if (!spec) {
      return [];
    }
    const parsed = parseAgentSpec(spec);
    return parsed.ok ? [] : parsed.errors;
  }, [spec]);

  /** The latest edit not yet sent; the chain runs saves one after another. */
  const pending = useRef<Draft | null>(null);
  const timer = useRef<number | undefined>(undefined);
  const chain = useRef<Promise<void>>(Promise.resolve());
  /** Failed saves in a row (the retry backoff's exponent); the retry's timer. */
  const failures = useRef(0);
  const retryTimer = useRef<number | undefined>(undefined);
  /** While set, nothing is sent: saving would only be refused again (or overwrite, which is asked). */
  const conflicted = useRef(false);
  const queryKey = useMemo(
    () => trpc.drafts.get.queryKey({ tenantSlug, agentSlug }),
    [trpc, tenantSlug, agentSlug],
  );

  const flush = useCallback((): Promise<boolean> => {
    window.clearTimeout(timer.current);
    window.clearTimeout(retryTimer.current);
    chain.current = chain.current.then(async () => {
      const payload = pending.current;
      if (!payload || conflicted.current) {
        return;
      }
      pending.current = null;
      setSaveState("saving");
      // The revision this editor's text is based on: the one loaded, then each of its own saves.
      const expectedRevision = queryClient.getQueryData(queryKey)?.revision ?? 0;
      try {
        const result = await saveDraft({ tenantSlug, agentSlug, ...payload, expectedRevision });
        queryClient.setQueryData(queryKey, (old) =>
          old
            ? {
                ...old,
                source: "draft" as const,
                spec: payload.spec,
                baseVersion: payload.baseVersion,
                updatedAt: result.updatedAt,
                revision: result.revision,
              }
            : old,
        );
        failures.current = 0;
        setSavedAt(result.updatedAt);
        setSaveError(null);
        setSaveState(pending.current ? "pending" : "saved");
      } catch (err) {
        // Keep the edit for the next attempt (unless a newer one superseded it).
        pending.current ??= payload;
        setSaveError(err);
        if (errorCode(err) === "CONFLICT") {
          conflicted.current = true;
          setSaveState("conflict");
          const mine = pending.current.spec;
          setConflict({ mine, newer: null, resolved: false });
          // Who saved the newer draft, and when: read without replacing what this editor shows.
          try {
            const newer = await trpcClient.drafts.get.query({ tenantSlug, agentSlug });
            setConflict((c) => (c && !c.resolved ? { ...c, newer } : c));
          } catch {
            // The banner still explains the conflict; "load the newer draft" fetches it again.
          }
          return;
        }
        setSaveState("error");
        // The console's one retry policy (lib/retry.ts): no answer, 5xx or rate limited come back by
        // themselves; a refusal (a too large or invalid spec, no permission) waits for the next edit.
        if (isTransientError(err)) {
          const delay = autosaveRetryDelay(failures.current);
          failures.current += 1;
          retryTimer.current = window.setTimeout(() => void flush(), delay);
        }
      }
    });
    return chain.current.then(() => pending.current === null);
  }, [saveDraft, queryClient, queryKey, trpcClient, tenantSlug, agentSlug]);

  // A failed save is retried as soon as the browser is back online or the window regains focus.
  const saveStateRef = useRef<SaveState>("idle");
  useEffect(() => {
    saveStateRef.current = saveState;
  }, [saveState]);
  useEffect(() => {
    const retryNow = () => {
      if (saveStateRef.current === "error") {
        void flush();
      }
    };
    window.addEventListener("online", retryNow);
    window.addEventListener("focus", retryNow);
    return () => {
      window.removeEventListener("online", retryNow);
      window.removeEventListener("focus", retryNow);
      window.clearTimeout(retryTimer.current);
    };
  }, [flush]);

  const loadNewer = useCallback(() => {
    window.clearTimeout(timer.current);
    window.clearTimeout(retryTimer.current);
    void (async () => {
      const newer = conflict?.newer ?? (await trpcClient.drafts.get.query({ tenantSlug, agentSlug }));
      pending.current = null;
      conflicted.current = false;
      queryClient.setQueryData(queryKey, newer);
      setLocal(null);
      // An open JSON view shows the newer draft too.
      setJsonText((text) =>
        text === null ? null : formatSpecJson(isRecord(newer.spec) ? newer.spec : emptySpec()),
      );
      setJsonError(null);
      setSaveError(null);
      setSavedAt(null);
      setSaveState("idle");
      setConflict((c) => (c ? { ...c, newer, resolved: true } : c));
    })().catch((err: unknown) => setSaveError(err));
  }, [conflict, trpcClient, queryClient, queryKey, tenantSlug, agentSlug]);

  const overwrite = useCallback(async () => {
    const newer = conflict?.newer ?? (await trpcClient.drafts.get.query({ tenantSlug, agentSlug }));
    // Based on the newer revision now: this save replaces it, as the user chose.
    queryClient.setQueryData(queryKey, (old) => (old ? { ...old, revision: newer.revision } : old));
    conflicted.current = false;
    setConflict(null);
    setSaveError(null);
    return flush();
  }, [conflict, trpcClient, queryClient, queryKey, tenantSlug, agentSlug, flush]);

  const dismissConflict = useCallback(() => {
    setConflict((c) => (c?.resolved ? null : c));
  }, []);

  const setSpec = useCallback(
    (next: Record<string, unknown>) => {
      const draft = { spec: next, baseVersion };
      setLocal(draft);
      pending.current = draft;
      if (conflicted.current) {
        // Not sent until the conflict is settled; the text to copy follows the edits.
        setConflict((c) => (c && !c.resolved ? { ...c, mine: next } : c));
        return;
      }
      setSaveState("pending");
      window.clearTimeout(timer.current);
      timer.current = window.setTimeout(() => void flush(), AUTOSAVE_DELAY_MS);
    },
    [baseVersion, flush],
  );

  const discard = useCallback(async () => {
    window.clearTimeout(timer.current);
    pending.current = null;
    await chain.current;
    await discardDraft({ tenantSlug, agentSlug });
    await queryClient.refetchQueries({ queryKey });
    conflicted.current = false;
    setConflict(null);
    setLocal(null);
    setJsonText(null);
    setJsonError(null);
    setSaveState("idle");
    setSavedAt(null);
    setSaveError(null);
  }, [discardDraft, queryClient, queryKey, tenantSlug, agentSlug]);

  // The JSON view's syntax error, for the unload check below (nothing of it is pending: it never saves).
  const jsonBroken = useRef(false);
  useEffect(() => {
    jsonBroken.current = jsonError !== null;
  }, [jsonError]);

  // Leaving the agent saves what is pending; closing or reloading the tab with unsaved edits (or an
  // unparsable JSON text) asks first. In-app navigation away from the editor: `LeaveGuard`.
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (pending.current || jsonBroken.current) {
        event.preventDefault();
        // Older browsers show the prompt only when returnValue is set.
        event.returnValue = "";
      }
    };
    window.addEventListener("beforeunload", onBeforeUnload);
    return () => {
      window.removeEventListener("beforeunload", onBeforeUnload);
      if (pending.current) {
        void flush();
      }
    };
  }, [flush]);

  const value = useMemo<DraftApi>(
    () => ({
      tenantSlug,
      agentSlug,
      info: query.data,
      loading: query.isPending,
      loadError: query.error,
      reload: () => void query.refetch(),
      spec,
      baseVersion,
      errors,
      setSpec,
      saveState,
      savedAt,
      saveError,
      jsonText,
      setJsonText,
      jsonError,
      setJsonError,
      flush,
      discard,
      conflict,
      loadNewer,
      overwrite,
      dismissConflict,
    }),
    [
      tenantSlug,
      agentSlug,
      query,
      spec,
      baseVersion,
      errors,
      setSpec,
      saveState,
      savedAt,
      saveError,
      jsonText,
      jsonError,
      flush,
      discard,
      conflict,
      loadNewer,
      overwrite,
      dismissConflict,
    ],
  );

  return <DraftContext value={value}>{children}</DraftContext>;
}

export function useDraft(): DraftApi {
  const value = use(DraftContext);
  if (!value) {
    throw new Error("useDraft must be used inside <DraftProvider>");
  }
  return value;
}
