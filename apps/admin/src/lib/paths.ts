/** Reading and immutably writing nested JSON values by path (`["services", 0, "name"]`). */
export type Path = readonly (string | number)[];

export function pathKey(path: Path): string {
  return path.join(".");
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function getIn(root: unknown, path: Path): unknown {
  let current = root;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === "number") {
      current = current[segment];
    } else if (isRecord(current) && typeof segment === "string") {
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * A copy of `root` with `value` at `path` (missing containers are created). `undefined` removes an
 * object key, so a cleared optional field disappears from the spec instead of becoming `""`.
 */
export function setIn(root: unknown, path: Path, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) {
    return value;
  }
  if (typeof head === "number") {
    const list = Array.isArray(root) ? [...(root as unknown[])] : [];
    list[head] = setIn(list[head], rest, value);
    return list;
  }
  const object: Record<string, unknown> = isRecord(root) ? { ...root } : {};
  const next = setIn(object[head], rest, value);
  if (next === undefined) {
    delete object[head];
  } else {
    object[head] = next;
  }
  return object;
}
