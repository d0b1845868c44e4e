import { useCallback, useEffect, useRef } from "react";

/**
 * Two activations in one tick (a double click, Enter pressed twice) both reach a handler before the
 * button can be disabled: TanStack Query sets `isPending` on a later task. These guards make the
 * second one a no-op.
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

/**
 * `action`, ignoring a repeat until the component has rendered again: a double click's second click
 * comes before the render that disables the button (busy), and is dropped; a click that changed
 * something on screen (a validation error) re-renders, and the next click counts again.
 */
export function useOncePerRender(action: () => void): () => void {
  const fired = useRef(false);
  useEffect(() => {
    fired.current = false;
  });
  return () => {
    if (fired.current) {
      return;
    }
    fired.current = true;
    action();
  };
}
