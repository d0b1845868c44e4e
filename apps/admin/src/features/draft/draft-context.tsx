import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, use, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

import { parseAgentSpec, type FieldError } from "@lx/shared/schemas";

import { isRecord } from "../../lib/paths.ts";
import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";
import { emptySpec } from "./empty-spec.ts";

/** Autosave waits this long after the last edit. */
export const AUTOSAVE_DELAY_MS = 800;

/** idle: nothing edited; pending: edited, save scheduled; saving; saved; error: the last save failed. */
export type SaveState = "idle" | "pending" | "saving" | "saved" | "error";

export type DraftInfo = RouterOutputs["drafts"]["get"];

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

  const flush = useCallback((): Promise<boolean> => {
    window.clearTimeout(timer.current);
    chain.current = chain.current.then(async () => {
      const payload = pending.current;
      if (!payload) {
        return;
      }
      pending.current = null;
      setSaveState("saving");
      try {
        const result = await saveDraft({ tenantSlug, agentSlug, ...payload });
        queryClient.setQueryData(trpc.drafts.get.queryKey({ tenantSlug, agentSlug }), (old) =>
          old
            ? {
                ...old,
                source: "draft" as const,
                spec: payload.spec,
                baseVersion: payload.baseVersion,
                updatedAt: result.updatedAt,
              }
            : old,
        );
        setSavedAt(result.updatedAt);
        setSaveError(null);
        setSaveState(pending.current ? "pending" : "saved");
      } catch (err) {
        // Keep the edit for the next attempt (unless a newer one superseded it).
        pending.current ??= payload;
        setSaveError(err);
        setSaveState("error");
      }
    });
    return chain.current.then(() => pending.current === null);
  }, [saveDraft, queryClient, trpc, tenantSlug, agentSlug]);

  const setSpec = useCallback(
    (next: Record<string, unknown>) => {
      const draft = { spec: next, baseVersion };
      setLocal(draft);
      pending.current = draft;
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
    await queryClient.refetchQueries({ queryKey: trpc.drafts.get.queryKey({ tenantSlug, agentSlug }) });
    setLocal(null);
    setJsonText(null);
    setJsonError(null);
    setSaveState("idle");
    setSavedAt(null);
    setSaveError(null);
  }, [discardDraft, queryClient, trpc, tenantSlug, agentSlug]);

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
