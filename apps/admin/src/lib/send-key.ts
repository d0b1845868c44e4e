import type { KeyboardEvent } from "react";

/**
 * The console's one send key for its composers (the inbox's reply, the test chat): Ctrl+Enter, or
 * ⌘+Enter on a Mac; Enter alone adds a line. A reply to a real customer cannot go by a slip of Enter,
 * and the test chat behaves the same so the habit carries over. One send at a time: the composers run
 * theirs through `useSingleFlight` (lib/single-flight.ts), so two presses in one tick send once.
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
