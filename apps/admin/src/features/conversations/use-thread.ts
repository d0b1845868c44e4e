import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import { UNDELIVERED_SEND_STATUSES } from "@lx/shared/domain";

import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";

export type Thread = RouterOutputs["conversations"]["byId"];

/**
 * A conversation's thread, polled, with older pages on request, merged oldest first.
 *
 * Two queries over `conversations.byId`, so a poll reads only what can change:
 * - the **tail**, polled: the newest page until the reader loads older messages; from then on every
 *   message from the *anchor* (the oldest message of the newest page at that moment) to the newest
 *   (`since`), so new messages never open a gap above the older pages. It carries the header, the
 *   handoffs and the delivery statuses, which only change on recent messages.
 * - the **older pages**, fetched once each (`cursor`, starting at the anchor) and never polled.
 *
 * If more messages arrive than one `since` read returns (THREAD_TAIL_MAX), the tail no longer starts
 * at the anchor: the older pages are dropped and the thread starts again from the newest page.
 */
export function useThread({
  tenantSlug,
  conversationId,
  enabled = true,
  refetchInterval,
}: {
  tenantSlug: string;
  conversationId: string;
  enabled?: boolean;
  refetchInterval: number;
}) {
  const trpc = useTRPC();
  // The anchor belongs to one conversation: switching conversations starts from the newest page.
  const [anchored, setAnchored] = useState<{ conversationId: string; id: number } | null>(null);
  const anchor = anchored?.conversationId === conversationId ? anchored.id : null;

  const tail = useQuery({
    ...trpc.conversations.byId.queryOptions({ tenantSlug, conversationId, since: anchor ?? undefined }),
    enabled,
    refetchInterval,
    // Switching to the anchored tail keeps showing the newest page meanwhile (same conversation only).
    placeholderData: (previous) => (previous?.conversation.id === conversationId ? previous : undefined),
  });
  const older = useInfiniteQuery({
    ...trpc.conversations.byId.infiniteQueryOptions(
      { tenantSlug, conversationId },
      { initialCursor: anchor, getNextPageParam: (page) => page.olderCursor },
    ),
    enabled: enabled && anchor !== null,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });

  const tailData = tail.isPlaceholderData ? undefined : tail.data;
  const truncated = anchor !== null && tailData !== undefined && tailData.messages[0]?.id !== anchor;
  useEffect(() => {
    if (truncated) {
      setAnchored(null);
    }
  }, [truncated]);

  const data = useMemo<Thread | undefined>(() => {
    const newest = tail.data;
    if (!newest) {
      return undefined;
    }
    const pages = anchor === null ? [] : (older.data?.pages ?? []);
    const oldest = pages.at(-1);
    const seen = new Set<number>();
    const messages = [...[...pages].reverse().flatMap((page) => page.messages), ...newest.messages].filter(
      (message) => !seen.has(message.id) && Boolean(seen.add(message.id)),
    );
    if (anchor === null || tail.isPlaceholderData) {
      return { ...newest, messages };
    }
    // Until the first older page is in, there is more to load (the anchor had older messages).
    return { ...newest, messages, hasOlder: oldest ? oldest.hasOlder : true, olderCursor: oldest ? oldest.olderCursor : anchor };
  }, [tail.data, tail.isPlaceholderData, older.data, anchor]);

  // The list's row of this conversation follows its thread: when the newest message, or what its
  // preview says of its send, changes (a reply, a template sent in its place, a send that never went),
  // the list is asked again at once. A searching list polls only every minute, and its preview would
  // otherwise lag what the thread shows. Delivery steps (sent → delivered → read) do not change it.
  const queryClient = useQueryClient();
  const newest = tailData?.messages.at(-1);
  const notSent = (UNDELIVERED_SEND_STATUSES as readonly string[]).includes(newest?.delivery?.status ?? "");
  const signature = newest ? `${conversationId}:${newest.id}:${newest.delivery?.kind ?? ""}:${notSent}` : null;
  const lastSignature = useRef<string | null>(null);
  useEffect(() => {
    if (signature === null) {
      return;
    }
    const previous = lastSignature.current;
    lastSignature.current = signature;
    if (previous !== null && previous !== signature && previous.startsWith(`${conversationId}:`)) {
      void queryClient.invalidateQueries(trpc.conversations.list.pathFilter());
    }
  }, [signature, conversationId, queryClient, trpc]);

  const olderCursor = data?.olderCursor ?? null;
  const { fetchNextPage } = older;
  const loadOlder = useCallback(() => {
    if (anchor === null) {
      if (olderCursor !== null) {
        setAnchored({ conversationId, id: olderCursor });
      }
      return;
    }
    void fetchNextPage();
  }, [anchor, olderCursor, conversationId, fetchNextPage]);

  return {
    data,
    isPending: tail.isPending,
    isError: tail.isError || older.isError,
    error: tail.error ?? older.error,
    refetch: async () => {
      await Promise.all([tail.refetch(), anchor === null ? undefined : older.refetch()]);
    },
    loadOlder,
    loadingOlder: anchor !== null && (older.isPending || older.isFetchingNextPage),
  };
}
