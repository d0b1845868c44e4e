import { useCallback, useRef } from "react";

/**
 * Two activations in one tick (a double click, Enter pressed twice) both reach a handler before the
 * button can be disabled: TanStack Query sets `isPending` on a later task. This guard makes the
 * second one a no-op (ConfirmDialog keeps one of its own, which also shows the pending state).
 */

/**
 * Runs `fn` unless a previous run is still in flight (its promise not settled): Publicar, "Criar
 * empresa", the composers' send. A rejection is swallowed here: the mutation's own `onError` reports it.
 */
export function useSingleFlight(): (fn: () => Promise<unknown>) => Promise<void> {
  const running = useRef(false);
  return useCallback(async (fn) => {
    if (running.current) {
      return;
    }
    running.current = true;
    try {
      await fn().catch(() => undefined);
    } finally {
      running.current = false;
    }
  }, []);
}
