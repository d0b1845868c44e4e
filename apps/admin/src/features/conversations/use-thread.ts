import { useInfiniteQuery } from "@tanstack/react-query";
import { useCallback, useMemo } from "react";

import { useTRPC, type RouterOutputs } from "../../lib/trpc.ts";

export type Thread = RouterOutputs["conversations"]["byId"];

/**
 * A conversation's thread, polled: the newest page of `conversations.byId` plus every older page
 * the reader asked for with `loadOlder()`, merged oldest first. It is one react-query infinite query
 * (cursor = `olderCursor`, a message id), so each poll refetches the loaded pages in order, each from
 * the cursor the page before it returned: pages never overlap or leave a gap, even when new messages
 * push the newest page forward. The header and handoffs come from the newest page.
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
  const query = useInfiniteQuery({
    ...trpc.conversations.byId.infiniteQueryOptions(
      { tenantSlug, conversationId },
      { getNextPageParam: (page) => page.olderCursor },
    ),
    enabled,
    refetchInterval,
  });
  const data = useMemo<Thread | undefined>(() => {
    const pages = query.data?.pages ?? [];
    const newest = pages[0];
    const oldest = pages.at(-1);
    if (!newest || !oldest) {
      return undefined;
    }
    const seen = new Set<number>();
    const messages = [...pages]
      .reverse()
      .flatMap((page) => page.messages)
      .filter((message) => !seen.has(message.id) && Boolean(seen.add(message.id)));
    return { ...newest, messages, hasOlder: oldest.hasOlder, olderCursor: oldest.olderCursor };
  }, [query.data]);
  const { fetchNextPage } = query;
  const loadOlder = useCallback(() => void fetchNextPage(), [fetchNextPage]);
  return {
    data,
    isPending: query.isPending,
    isError: query.isError,
    error: query.error,
    refetch: query.refetch,
    loadOlder,
    loadingOlder: query.isFetchingNextPage,
  };
}
