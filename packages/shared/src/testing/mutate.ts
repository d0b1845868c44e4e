/** Test helpers to break a fixture on purpose, by dotted path (`business.hours.0.open`). */

/** Passed as a value to `withChanges`, deletes the key. */
export const REMOVE = Symbol("remove");

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === "object" && value !== null;
}

/** A deep JSON copy of `base` with each `path → value` applied (`REMOVE` deletes the key). */
export function withChanges(base: unknown, changes: Record<string, unknown>): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split(".");
    const last = keys.pop();
    let target: unknown = copy;
    for (const key of keys) {
      target = isContainer(target) ? (target as Record<string, unknown>)[key] : undefined;
    }
    if (!isContainer(target) || last === undefined) {
      throw new Error(`withChanges: no container at ${path}`);
    }
    const record = target as Record<string, unknown>;
    if (value === REMOVE) {
      delete record[last];
    } else {
      record[last] = value;
    }
  }
  return copy;
}
