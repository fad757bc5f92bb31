import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

/** `no-restricted-imports` patterns for one layer's files (type-only imports count too). */
function layer(files, patterns) {
  return [{ files, rules: { "no-restricted-imports": ["error", { patterns }] } }];
}

export default tseslint.config(
  { ignores: ["build/", "node_modules/", "playwright-report/", "test-results/", "public/build/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read configuration through app/utils/env.server.ts." },
      ],
    },
  },
  {
    files: ["app/utils/env.server.ts", "tests/**", "bench/**", "scripts/**", "prisma.config.ts", "playwright.config.ts", "vitest.config.ts"],
    rules: { "no-restricted-properties": "off" },
  },
  // The layers (docs/architecture.md). Each block lists what a layer may not import.
  ...layer(["app/components/**", "app/validation/**", "app/realtime/channels.ts"], [
    { group: ["**/*.server", "~/services/*", "~/presenters/*", "~/web/*", "~/jobs/*", "~/emails/*"], message: "Components and shared schemas run in the browser: import app/lib (pure rules and view types), never server code." },
  ]),
  ...layer(["app/lib/**"], [
    { group: ["~/*", "!~/lib", "!~/lib/*", "../*"], message: "app/lib is pure and isomorphic: it imports nothing from the app outside app/lib." },
  ]),
  ...layer(["app/emails/**"], [
    { group: ["~/*", "!~/lib", "!~/lib/*", "!~/emails", "!~/emails/*", "../*"], message: "Emails are built from app/lib only: pass them the data they show." },
  ]),
  ...layer(["app/utils/**"], [
    { group: ["~/services/*", "~/presenters/*", "~/web/*", "~/routes/*", "~/jobs/*", "~/realtime/*", "~/emails/*"], message: "app/utils holds infrastructure clients only; it sits below every other layer." },
  ]),
  ...layer(["app/services/**", "app/presenters/**", "app/jobs/**"], [
    { group: ["~/web/*", "~/routes/*", "~/components/*"], message: "Services, presenters and jobs never depend on the web layer (app/web, routes, components): take plain arguments and throw a DomainError." },
  ]),
  {
    // Playwright fixtures take `({}, use)`; `use` there is not React's hook.
    files: ["tests/e2e/**"],
    rules: { "no-empty-pattern": "off", "react-hooks/rules-of-hooks": "off" },
  },
  {
    // The offline Prisma recipe patches pg internals that have no types.
    files: ["prisma.config.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["**/*.{js,mjs}"],
    languageOptions: { globals: globals.node },
  },
);
