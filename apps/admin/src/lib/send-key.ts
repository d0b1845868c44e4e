import { useCallback, useRef, type KeyboardEvent } from "react";

/**
 * The console's one send key for its composers (the inbox's reply, the test chat): Ctrl+Enter, or
 * ⌘+Enter on a Mac; Enter alone adds a line. A reply to a real customer cannot go by a slip of Enter,
 * and the test chat behaves the same so the habit carries over.
 */
export function isSendKey(event: KeyboardEvent<HTMLElement>): boolean {
  return event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.nativeEvent.isComposing;
}

/** How the send key is written on this computer ("⌘+Enter" on a Mac, else "Ctrl+Enter"). */
export function sendKeyLabel(): string {
  const platform = typeof navigator === "undefined" ? "" : navigator.platform || navigator.userAgent;
  return /Mac|iPhone|iPad/i.test(platform) ? "⌘+Enter" : "Ctrl+Enter";
}

/** The `aria-keyshortcuts` of a composer's text box. */
export const SEND_KEY_SHORTCUTS = "Control+Enter Meta+Enter";

/**
 * One send at a time for a composer: the returned function runs `send` unless one is still in flight,
 * and says whether it ran. The guard is a ref set synchronously, so two Ctrl+Enter presses in the same
 * tick (before React re-renders with the mutation pending) send once, not twice. `send`'s rejection is
 * swallowed here: the mutation's own `onError` reports it.
 */
export function useSendOnce(): (send: () => Promise<unknown>) => Promise<boolean> {
  const inFlight = useRef(false);
  return useCallback(async (send) => {
    if (inFlight.current) {
      return false;
    }
    inFlight.current = true;
    try {
      await send().catch(() => undefined);
    } finally {
      inFlight.current = false;
    }
    return true;
  }, []);
}
