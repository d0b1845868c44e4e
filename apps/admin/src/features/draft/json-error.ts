/** Where a JSON syntax error is: 1-based line and column, from the engine's message and the text. */
export type JsonErrorPlace = { line: number; column: number };

/** The line and column of character `position` (0-based) of `text`. */
export function placeOf(text: string, position: number): JsonErrorPlace {
  const before = text.slice(0, Math.max(0, Math.min(position, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

/**
 * Finds where `JSON.parse(text)` failed from its message, whichever engine wrote it: Chrome/Node
 * ("… at position 30 (line 1 column 31)", older "… at position 30"), Firefox ("… at line 1 column
 * 31 of the JSON data"), Safari (no place: null) and "Unexpected end of JSON input" (the end).
 */
export function locateJsonError(text: string, message: string): JsonErrorPlace | null {
  const lineColumn = /line (\d+) column (\d+)/i.exec(message);
  if (lineColumn) {
    return { line: Number(lineColumn[1]), column: Number(lineColumn[2]) };
  }
  const position = /position (\d+)/i.exec(message);
  if (position) {
    return placeOf(text, Number(position[1]));
  }
  if (/end of (JSON )?(input|data)/i.test(message)) {
    return placeOf(text, text.length);
  }
  return null;
}

/** A JSON syntax check: null when `text` parses, else the engine's message and where it failed. */
export function jsonSyntaxError(text: string): { detail: string; place: JsonErrorPlace | null } | null {
  try {
    JSON.parse(text);
    return null;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    return { detail, place: locateJsonError(text, detail) };
  }
}
