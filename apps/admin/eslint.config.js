import reactHooks from "eslint-plugin-react-hooks";

import { base } from "@lx/config/eslint";

export default [
  ...base,
  { ignores: ["e2e/screenshots/**", "test-results/**", "playwright-report/**"] },
  {
    files: ["src/**/*.tsx", "src/**/*.ts"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
];
