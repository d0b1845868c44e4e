// Shared flat config: typed rules (no floating promises matters in the worker), env access only in env.ts.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export const base = tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/migrations/**", "**/*.config.*", "**/.data/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true } },
    linterOptions: { reportUnusedDisableDirectives: true },
    rules: {
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/consistent-type-definitions": "off",
      "@typescript-eslint/prefer-nullish-coalescing": "off",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      curly: ["error", "all"],
      "no-console": "error",
    },
  },
  {
    files: ["**/*.test.ts", "**/*.test.tsx", "**/e2e/**", "**/testing/**", "**/scripts/**", "**/bench/**"],
    rules: {
      "no-console": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/require-await": "off",
    },
  },
);

/** process.env is read only in each app's src/env.ts (STYLE rule 10). */
export const restrictEnvAccess = tseslint.config({
  files: ["**/*.ts", "**/*.tsx"],
  ignores: ["**/env.ts", "**/*.test.ts", "**/testing/**", "**/scripts/**", "**/e2e/**", "**/bench/**"],
  rules: {
    "no-restricted-properties": [
      "error",
      { object: "process", property: "env", message: "Read env only in src/env.ts and pass config as parameters." },
    ],
  },
});
