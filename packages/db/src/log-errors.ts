/**
 * Errors as the API's and the workers' logs write them (pino's `err` serializer): readable, and
 * without the customer. A failed statement is where customer data hides in an error: drizzle's
 * `Failed query` error carries the statement's parameters (message bodies, phone numbers, names) in
 * its message, its stack's first lines and its own `params`; PostgreSQL's `detail` quotes the values
 * of a violated key or a failing row; and a syntax error quotes the bad input. None of that may reach
 * a log store, which no erasure can reach (docs/privacy.md, "Logs"). So a database error is logged as
 * its PostgreSQL message, code, constraint, table and column, the first 200 characters of its SQL
 * (parameters are placeholders) and its stack frames — values replaced by `…`.
 */

const QUERY_PREFIX = "Failed query: ";
/** Own properties an error may carry with a statement's values in them (drizzle, postgres.js). */
const VALUE_PROPERTIES = new Set(["params", "parameters", "args", "query"]);
const MAX_CAUSE_DEPTH = 3;

type PgErrorFields = {
  message: string;
  code?: string;
  detail?: string;
  hint?: string;
  constraint_name?: string;
  table_name?: string;
  column_name?: string;
};

/** The stack's frames ("    at …" lines), without the message lines above them. */
function framesOf(err: Error, count = 5): string | undefined {
  return err.stack
    ?.split("\n")
    .filter((line) => line.startsWith("    at "))
    .slice(0, count)
    .join("\n");
}

/** PostgreSQL's `detail` with the quoted values gone: `Key (tenant_id, meta_message_id)=(…) already exists.` */
export function scrubPgDetail(detail: string | undefined): string | undefined {
  return detail
    ?.replace(/\)=\(.*\)/s, ")=(…)")
    .replace(/(Failing row contains )\(.*\)/s, "$1(…)")
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"');
}

/** A PostgreSQL message without the input it quotes: `invalid input syntax for type uuid: "…"`. */
export function scrubPgMessage(message: string): string {
  return message.replace(/: "(?:[^"\\]|\\.)*"$/s, ': "…"');
}

function isPgError(err: Error): err is Error & PgErrorFields {
  return err.name === "PostgresError" || (typeof (err as { code?: unknown }).code === "string" && "severity" in err);
}

function pgFields(pg: Error & PgErrorFields) {
  return {
    message: scrubPgMessage(pg.message),
    code: pg.code,
    detail: scrubPgDetail(pg.detail),
    constraint: pg.constraint_name,
    table: pg.table_name,
    column: pg.column_name,
  };
}

/** pino's `err` serializer for every process (see the top of this file). */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) {
    return err;
  }
  if (err.message.startsWith(QUERY_PREFIX)) {
    const statement = err.message.slice(QUERY_PREFIX.length).split("\nparams: ")[0] ?? "";
    const cause = err.cause instanceof Error ? err.cause : undefined;
    return {
      type: "DatabaseError",
      ...(cause && isPgError(cause) ? pgFields(cause) : { message: cause ? scrubPgMessage(cause.message) : "query failed" }),
      query: statement.replace(/\s+/g, " ").trim().slice(0, 200),
      stack: framesOf(err),
    };
  }
  if (isPgError(err)) {
    return { type: "DatabaseError", ...pgFields(err), stack: framesOf(err) };
  }
  const out: Record<string, unknown> = { type: err.constructor.name || err.name, message: err.message, stack: err.stack };
  for (const [key, value] of Object.entries(err)) {
    if (!VALUE_PROPERTIES.has(key) && key !== "cause" && !(key in out)) {
      out[key] = value;
    }
  }
  if (err.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    out.cause = serializeError(err.cause, depth + 1);
  }
  return out;
}
