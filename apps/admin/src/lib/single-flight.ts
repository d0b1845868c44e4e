import { useCallback, useRef } from "react";

/**
 * Two activations in one tick (a double click, Enter pressed twice) both reach a handler before the
 * button can be disabled: TanStack Query sets `isPending` on a later task. This guard makes the
 * second one a no-op; the console's one such guard (Publicar, "Criar empresa", the composers' send,
 * every `ConfirmDialog`).
 */

/**
 * Runs `fn` unless a previous run is still in flight (its promise not settled). A rejection is
 * swallowed here: the mutation's own `onError` (or the caller's message) reports it. An `fn` that
 * returns no promise did its work at once: nothing stays in flight. `onPendingChange` hears when a
 * run starts and ends waiting (a busy button: `ConfirmDialog`); pass a stable function (a state setter).
 */
export function useSingleFlight(
  onPendingChange?: (pending: boolean) => void,
): (fn: () => Promise<unknown> | void) => Promise<void> {
  // Set in the activation itself, whatever React has rendered by the next one.
  const running = useRef(false);
  return useCallback(
    async (fn) => {
      if (running.current) {
        return;
      }
      running.current = true;
      let waited = false;
      try {
        const result = fn();
        if (result) {
          waited = true;
          onPendingChange?.(true);
          await result.catch(() => undefined);
        }
      } finally {
        running.current = false;
        if (waited) {
          onPendingChange?.(false);
        }
      }
    },
    [onPendingChange],
  );
}
