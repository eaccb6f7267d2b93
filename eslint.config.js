// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Pure modules (no network, filesystem, environment, clock or logger) live
 * outside `io/` folders of the parts listed here. Imports point inward only:
 * I/O code may import pure code, never the reverse.
 */
const PURE_MODULES = [
  "src/image-ref/**/*.ts",
  "src/manifests/**/*.ts",
  "src/builds/**/*.ts",
  "src/config/**/*.ts",
  "src/proposals/**/*.ts",
  "src/slack/blocks/**/*.ts",
  "src/queue/**/*.ts",
  "src/sync/**/*.ts",
  "src/policy/**/*.ts",
  "src/setup/**/*.ts",
  "src/doctor/**/*.ts",
];
const IO_FOLDERS = ["src/**/io/**/*.ts"];

const ioModules = [
  "fs", "fs/promises", "http", "https", "http2", "net", "tls", "dgram", "dns", "child_process",
  "cluster", "worker_threads", "os", "process", "readline", "vm",
].flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "bench/.work/**", "test/fixtures/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    rules: {
      "prefer-const": "error",
      "no-restricted-syntax": [
        "error",
        { selector: "TSEnumDeclaration", message: "Use a string-literal union instead of an enum." },
        {
          selector: "CallExpression[callee.property.name='forEach']",
          message: "Use for…of instead of forEach.",
        },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: PURE_MODULES,
    ignores: IO_FOLDERS,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: ioModules.map((name) => ({ name, message: "Pure modules take the world as arguments; do I/O in an io/ folder." })),
          patterns: [
            { group: ["**/io/*", "**/io"], message: "Imports point inward: pure code must not import I/O code." },
            { group: ["**/cli/*", "**/server/*", "**/github/*", "**/slack/*"], message: "Pure code must not import adapters." },
            { group: ["pino", "probot", "@octokit/*", "@kubernetes/*"], message: "Pure modules do no I/O." },
          ],
        },
      ],
      // Block Kit builders are pure but typed by Slack's own definitions: type-only imports pass, values do not.
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@slack/*"], allowTypeImports: true, message: "Pure modules do no I/O: import Slack's types with `import type`." }] },
      ],
      "no-restricted-globals": [
        "error",
        { name: "process", message: "Pass environment and arguments in; pure modules read no globals." },
        { name: "fetch", message: "Pure modules do no network I/O." },
        { name: "console", message: "Return results; let the caller log." },
      ],
      "no-restricted-properties": [
        "error",
        { object: "Date", property: "now", message: "Take the clock as an argument." },
        { object: "DateTime", property: "now", message: "Take the clock as an argument." },
        { object: "DateTime", property: "local", message: "Take the clock as an argument (DateTime.local() reads it)." },
        { object: "Math", property: "random", message: "Take randomness as an argument." },
      ],
    },
  },
);
