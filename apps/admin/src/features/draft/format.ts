import type { z } from "zod";

import { ZAgentSpec } from "@lx/shared/schemas";

import { isRecord } from "../../lib/paths.ts";

type Def = {
  type: string;
  innerType?: z.core.$ZodType;
  shape?: Record<string, z.core.$ZodType>;
  element?: z.core.$ZodType;
};

/** Puts object keys in the schema's order (jsonb storage sorts them); unknown keys go last, as they are. */
function inSchemaOrder(value: unknown, schema: z.core.$ZodType | undefined): unknown {
  if (!schema) {
    return value;
  }
  const def = schema._zod.def as Def;
  if ((def.type === "optional" || def.type === "nullable" || def.type === "default") && def.innerType) {
    return inSchemaOrder(value, def.innerType);
  }
  if (def.type === "array" && Array.isArray(value)) {
    return value.map((item: unknown) => inSchemaOrder(item, def.element));
  }
  if (def.type === "object" && def.shape && isRecord(value)) {
    const ordered: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(def.shape)) {
      if (key in value) {
        ordered[key] = inSchemaOrder(value[key], child);
      }
    }
    for (const [key, child] of Object.entries(value)) {
      if (!(key in ordered)) {
        ordered[key] = child;
      }
    }
    return ordered;
  }
  return value;
}

/** The draft as the JSON view shows it: AgentSpec field order, two-space indent. */
export function formatSpecJson(spec: unknown): string {
  return JSON.stringify(inSchemaOrder(spec, ZAgentSpec), null, 2);
}
