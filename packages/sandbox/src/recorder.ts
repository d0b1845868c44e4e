/**
 * An append-only list of recorded items with an event-based `waitFor` (no polling): every fake in
 * this package records what it saw through one of these.
 */
import { EventEmitter } from "node:events";

/** Below vitest's default 5 s test timeout, so a failed wait reports what was recorded. */
export const DEFAULT_WAIT_MS = 4_000;

export class Recorder<T> {
  readonly items: T[] = [];
  readonly #emitter = new EventEmitter();
  readonly #describe: (item: T) => string;

  constructor(describe: (item: T) => string = (item) => JSON.stringify(item)) {
    this.#describe = describe;
    this.#emitter.setMaxListeners(0);
  }

  push(item: T): void {
    this.items.push(item);
    this.#emitter.emit("item", item);
  }

  /** Calls `fn` with every item recorded from now on. */
  onItem(fn: (item: T) => void): void {
    this.#emitter.on("item", fn);
  }

  clear(): void {
    this.items.length = 0;
  }

  /** Resolves with the first recorded item (already there or still to come) matching `predicate`. */
  waitFor(predicate: (item: T) => boolean, timeoutMs: number = DEFAULT_WAIT_MS): Promise<T> {
    const found = this.items.find(predicate);
    if (found !== undefined) {
      return Promise.resolve(found);
    }
    return new Promise<T>((resolve, reject) => {
      const onItem = (item: T): void => {
        if (predicate(item)) {
          cleanup();
          resolve(item);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`waitFor timed out after ${timeoutMs} ms; recorded so far: ${this.summary()}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#emitter.off("item", onItem);
      };
      this.#emitter.on("item", onItem);
    });
  }

  /** Resolves once at least `count` recorded items match `predicate` (default: any), with those items. */
  waitForCount(count: number, predicate: (item: T) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<T[]> {
    const matching = (): T[] => this.items.filter(predicate);
    const now = matching();
    if (now.length >= count) {
      return Promise.resolve(now);
    }
    return new Promise<T[]>((resolve, reject) => {
      const onItem = (item: T): void => {
        if (!predicate(item)) {
          return;
        }
        const all = matching();
        if (all.length >= count) {
          cleanup();
          resolve(all);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `waitForCount(${count}) timed out after ${timeoutMs} ms with ${matching().length} matching; recorded so far: ${this.summary()}`,
          ),
        );
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#emitter.off("item", onItem);
      };
      this.#emitter.on("item", onItem);
    });
  }

  summary(): string {
    if (this.items.length === 0) {
      return "(nothing)";
    }
    return this.items.map((item, index) => `#${index} ${this.#describe(item)}`).join("; ");
  }
}
