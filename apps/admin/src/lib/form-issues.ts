import { useRef, useState, type FocusEvent } from "react";
import type { z } from "zod";

/** A form's zod issues by their dotted path ("email", "turns.0.customer"), for the fields to show. */
function issuesByPath(issues: readonly { path: readonly PropertyKey[]; message: string }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const issue of issues) {
    const key = issue.path.map(String).join(".");
    out.set(key, [...(out.get(key) ?? []), issue.message]);
  }
  return out;
}

const isContainer = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;

/**
 * The dotted paths of the leaves that differ between two values of a form (what the operator
 * edited). A list item or object that did not exist before is new, not edited: adding a row does not
 * mark its empty fields; a key that appears with a non-empty value (a field typed for the first time) is.
 */
export function changedPaths(before: unknown, after: unknown, prefix = ""): string[] {
  if (Object.is(before, after)) {
    return [];
  }
  if (isContainer(after)) {
    if (before === undefined) {
      return [];
    }
    if (!isContainer(before)) {
      return [prefix];
    }
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((key) => changedPaths(before[key], after[key], prefix === "" ? key : `${prefix}.${key}`));
  }
  if (before === undefined && (after === undefined || after === "")) {
    return [];
  }
  if (after === undefined && isContainer(before)) {
    // A removed row: nothing of it is on screen any more.
    return [];
  }
  return [prefix];
}

/**
 * Whether an error at `path` is one the operator has earned: its field (or one inside it, or the
 * object it belongs to… `template.body` for `template`) was touched.
 */
export function isTouched(touched: ReadonlySet<string>, path: string): boolean {
  if (touched.has(path)) {
    return true;
  }
  for (const t of touched) {
    if (t.startsWith(`${path}.`)) {
      return true;
    }
  }
  return false;
}

// Whether a mouse button or finger is down right now (a blur caused by a click on another control).
let pointerDown = false;
if (typeof window !== "undefined") {
  window.addEventListener("pointerdown", () => (pointerDown = true), true);
  window.addEventListener("pointerup", () => (pointerDown = false), true);
  window.addEventListener("pointercancel", () => (pointerDown = false), true);
}

/**
 * Runs `fn` now, or — when a field is left by pressing on another control — once that press is over:
 * an error appearing on blur moves what is under the pointer, and the click would miss the radio or
 * button the operator pressed.
 */
export function afterPointer(fn: () => void): void {
  if (!pointerDown) {
    fn();
    return;
  }
  window.addEventListener("pointerup", () => window.setTimeout(fn, 0), { once: true });
}

/**
 * The console's one validation convention: a field shows its errors once it has been touched
 * (edited, or left with Tab or a click: its control's `name` is its path) or after an attempt to
 * submit, and live from then on. `touch(paths)` marks paths by hand (a change that makes another
 * field wrong). `touched` only grows.
 */
export function useTouched(
  value: unknown,
  /** What counts as untouched (default: the first value seen): a restored draft differs from it. */
  initial: unknown = value,
): {
  touched: ReadonlySet<string>;
  touch: (...paths: string[]) => void;
  onBlur: (event: FocusEvent<HTMLElement>) => void;
  /** Forgets every touch (the form was reset: its next value is untouched). */
  reset: () => void;
} {
  const previous = useRef(initial);
  const [touched, setTouched] = useState<ReadonlySet<string>>(() => new Set());
  // Edits are found by comparing with the last value seen (during render, so the error shows with
  // the keystroke that caused it); they are kept in a ref, the blurs in state.
  const edited = useRef<Set<string>>(new Set());
  const resetting = useRef(false);
  if (resetting.current) {
    resetting.current = false;
  } else {
    for (const path of changedPaths(previous.current, value)) {
      edited.current.add(path);
    }
  }
  previous.current = value;
  const all = edited.current.size === 0 ? touched : new Set([...touched, ...edited.current]);
  const touch = (...paths: string[]) =>
    setTouched((current) => (paths.every((p) => current.has(p)) ? current : new Set([...current, ...paths])));
  const onBlur = (event: FocusEvent<HTMLElement>) => {
    const name = event.target.getAttribute("name");
    if (name) {
      afterPointer(() => touch(name));
    }
  };
  const reset = () => {
    edited.current = new Set();
    resetting.current = true;
    setTouched(new Set());
  };
  return { touched: all, touch, onBlur, reset };
}

/**
 * A form checked with the API's own schema before anything is sent. An error shows once its field
 * has been touched (`useTouched`: edited or blurred — spread `onBlur` on the form, give each control
 * its path as `name`) or after a first submit, then on every keystroke. `submit` (a form's `onSubmit`
 * as it is: it stops the browser's own submission) hands the parsed value to `onValid` when it is
 * valid; `valid` says whether it is now (for a button that stays off until then).
 */
export function useCheckedForm<S extends z.ZodType>(
  schema: S,
  value: unknown,
  onValid: (data: z.output<S>) => void,
): {
  issues: Map<string, string[]>;
  submit: (event?: { preventDefault: () => void }) => void;
  valid: boolean;
  onBlur: (event: FocusEvent<HTMLElement>) => void;
  touch: (...paths: string[]) => void;
} {
  const [submitted, setSubmitted] = useState(false);
  const { touched, touch, onBlur } = useTouched(value);
  const parsed = schema.safeParse(value);
  const all = parsed.success ? new Map<string, string[]>() : issuesByPath(parsed.error.issues);
  const issues = submitted ? all : new Map([...all].filter(([path]) => isTouched(touched, path)));
  const submit = (event?: { preventDefault: () => void }) => {
    event?.preventDefault();
    setSubmitted(true);
    if (parsed.success) {
      onValid(parsed.data);
    }
  };
  return { issues, submit, valid: parsed.success, onBlur, touch };
}
