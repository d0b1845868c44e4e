import { ZAgentSpec } from "@lx/shared/schemas";

import { getIn, isRecord, setIn, type Path } from "../../lib/paths.ts";

type Schema = { safeParse: (value: unknown) => { success: boolean } };
const TOP_LEVEL: Record<string, Schema | undefined> = ZAgentSpec.shape;

/** A top-level key the schema requires (`agent`, `business`, `handoff`…): kept even when emptied. */
function isRequiredKey(key: string): boolean {
  const schema = TOP_LEVEL[key];
  return schema !== undefined && !schema.safeParse(undefined).success;
}

/**
 * The spec with `value` at `path`. Clearing a value (`undefined`) removes its key, and then every
 * object it leaves empty on the way up (`plugins` after its last plugin, `context` after its last
 * setting): the schema's strict objects would refuse `{ backend: … }` missing, and an empty optional
 * object means nothing. A list item is never removed this way, nor a top-level object the schema
 * requires (its fields then say "required", each on its own field).
 */
export function setSpecValue(
  spec: Record<string, unknown>,
  path: Path,
  value: unknown,
): Record<string, unknown> {
  let next = setIn(spec, path, value);
  if (value === undefined) {
    for (let depth = path.length - 1; depth >= 1; depth -= 1) {
      const parentPath = path.slice(0, depth);
      const key = parentPath[depth - 1];
      const parent = getIn(next, parentPath);
      if (typeof key !== "string" || !isRecord(parent) || Object.keys(parent).length > 0) {
        break;
      }
      if (depth === 1 && isRequiredKey(key)) {
        break;
      }
      next = setIn(next, parentPath, undefined);
    }
  }
  return isRecord(next) ? next : {};
}

/**
 * `record` with the key `from` renamed to `to`, in the same place (a key→value editor's row keeps
 * its position while its key changes); unchanged when `to` is already another row's key.
 */
export function renameKey(
  record: Record<string, unknown>,
  from: string,
  to: string,
): Record<string, unknown> {
  if (from === to || Object.hasOwn(record, to)) {
    return record;
  }
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key === from ? to : key, value]));
}
