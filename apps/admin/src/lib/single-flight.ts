import { useCallback, useRef } from "react";

/**
 * Two activations in one tick (a double click, Enter pressed twice) both reach a handler before the
 * button can be disabled: TanStack Query sets `isPending` on a later task. These guards make the
 * second one a no-op.
 */

/** Runs `fn` unless a previous run is still in flight (its promise not settled). */
export function useSingleFlight(): (fn: () => Promise<unknown>) => Promise<void> {
  const running = useRef(false);
  return useCallback(async (fn) => {
    if (running.current) {
      return;
    }
    running.current = true;
    try {
      await fn();
    } finally {
      running.current = false;
    }
  }, []);
}

/** `action`, ignoring a repeat within `ms` of the last accepted call (for handlers that return nothing to await). */
export function useDebouncedAction(action: () => void, ms = 600): () => void {
  const last = useRef(Number.NEGATIVE_INFINITY);
  return () => {
    const now = performance.now();
    if (now - last.current < ms) {
      return;
    }
    last.current = now;
    action();
  };
}
