/**
 * Canonical JSON: object keys sorted (UTF-16 code unit order, as RFC 8785), no whitespace, arrays
 * in order, `undefined` properties dropped. Numbers use ECMAScript formatting, as JSON.stringify.
 * The same value always gives the same bytes, whatever its key insertion order.
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, new Set<object>(), "$");
}

function serialize(value: unknown, ancestors: Set<object>, path: string): string {
  if (value === null) {
    return "null";
  }
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) {
        throw new TypeError(`canonicalJson: non-finite number at ${path}`);
      }
      return JSON.stringify(value);
    case "object":
      break;
    default:
      throw new TypeError(`canonicalJson: cannot serialize ${typeof value} at ${path}`);
  }

  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === "function") {
    return serialize((toJSON as () => unknown).call(value), ancestors, path);
  }
  if (ancestors.has(value)) {
    throw new TypeError(`canonicalJson: circular reference at ${path}`);
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const items = (value as unknown[]).map((item, index) =>
        item === undefined ? "null" : serialize(item, ancestors, `${path}[${index}]`),
      );
      return `[${items.join(",")}]`;
    }
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const member = record[key];
      if (member !== undefined) {
        members.push(`${JSON.stringify(key)}:${serialize(member, ancestors, `${path}.${key}`)}`);
      }
    }
    return `{${members.join(",")}}`;
  } finally {
    ancestors.delete(value);
  }
}
