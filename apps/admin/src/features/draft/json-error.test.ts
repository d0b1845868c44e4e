import { describe, expect, it } from "vitest";

import { jsonSyntaxError, locateJsonError, placeOf } from "./json-error.ts";

describe("JSON syntax errors: line and column", () => {
  it("reads the place from every engine's wording, or computes it from the position", () => {
    const text = '{\n  "agent": {\n    name: "Ana"\n  }\n}';
    // Chrome / Node 20+.
    expect(
      locateJsonError(text, "Expected double-quoted property name in JSON at position 19 (line 3 column 5)"),
    ).toEqual({ line: 3, column: 5 });
    // Older V8: only the position (character 19 is `n` of `name`, line 3 column 5).
    expect(locateJsonError(text, "Unexpected token n in JSON at position 19")).toEqual({
      line: 3,
      column: 5,
    });
    // Firefox.
    expect(
      locateJsonError(
        text,
        "JSON.parse: expected double-quoted property name at line 3 column 5 of the JSON data",
      ),
    ).toEqual({ line: 3, column: 5 });
    // The end of the text.
    expect(locateJsonError('{\n"a": 1', "Unexpected end of JSON input")).toEqual({ line: 2, column: 7 });
    // Safari says nowhere.
    expect(locateJsonError(text, "JSON Parse error: Expected '}'")).toBeNull();
    expect(placeOf("ab\ncd", 0)).toEqual({ line: 1, column: 1 });
    expect(placeOf("ab\ncd", 4)).toEqual({ line: 2, column: 2 });
  });

  it("this engine's own error names the place: line 1, column 30 (the comma)", () => {
    const text = '{"specVersion": 1, "agent": {,}}';
    const error = jsonSyntaxError(text);
    expect(error?.place).toEqual({ line: 1, column: 30 });
    expect(jsonSyntaxError('{"a": 1}')).toBeNull();
  });
});
