// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";

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

/** House choices every file follows (repeated where a block below adds its own `no-restricted-syntax`). */
const HOUSE_SYNTAX = [
  { selector: "TSEnumDeclaration", message: "Use a string-literal union instead of an enum." },
  {
    selector: "CallExpression[callee.property.name='forEach']",
    message: "Use for…of instead of forEach.",
  },
];

/**
 * src/github/ is the one home of GitHub operations: its documents, its
 * decoders and the translation of Octokit's errors into GitHubError. Elsewhere
 * a GraphQL document, a `.graphql(...)` call or a look at an Octokit error's
 * fields is refused; call an operation of src/github instead.
 */
const GITHUB_ONLY = "GitHub operations live in src/github: call one of its operations (it builds the document, decodes the answer and translates errors into GitHubError).";
const GITHUB_ONLY_SYNTAX = [
  { selector: "Literal[value=/^\\s*(query|mutation)\\s+[A-Za-z_]\\w*\\s*[({]/]", message: GITHUB_ONLY },
  { selector: "TemplateElement[value.raw=/^\\s*(query|mutation)\\s+[A-Za-z_]\\w*\\s*[({]/]", message: GITHUB_ONLY },
  { selector: "CallExpression[callee.property.name='graphql']", message: GITHUB_ONLY },
  { selector: "Literal[value=/^(HttpError|GraphqlResponseError|RequestError)$/]", message: `${GITHUB_ONLY} Use asGitHubError / gitHubFailureCode.` },
];
/** Kubernetes' errors have a `status` too: the sync job's cluster side (src/sync/io) reads those, not Octokit's. */
const OCTOKIT_ERROR_SYNTAX = [
  {
    selector: "TSAsExpression > TSTypeLiteral > TSPropertySignature[key.name=/^(status|response|errors)$/]",
    message: `Reading an Octokit error's fields belongs in src/github/github-error.ts. ${GITHUB_ONLY}`,
  },
];

const GITHUB_ONLY_IMPORTS = [
  { group: ["**/github/graphql-client*", "**/github/write-documents*", "**/github/blob-reads*"], message: GITHUB_ONLY },
  { group: ["@octokit/graphql", "@octokit/request-error"], message: GITHUB_ONLY },
];
const OUTWARD = "Imports point one way: cli/server -> slack/github -> the pure parts. Pass what is needed in (an interface in src/proposals, a type in src/slack or src/github).";

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", "coverage/**", "bench/.work/**", "test/fixtures/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    rules: {
      "prefer-const": "error",
      "no-restricted-syntax": ["error", ...HOUSE_SYNTAX],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/github/**"],
    rules: {
      "no-restricted-syntax": ["error", ...HOUSE_SYNTAX, ...GITHUB_ONLY_SYNTAX, ...OCTOKIT_ERROR_SYNTAX],
      "no-restricted-imports": ["error", { patterns: GITHUB_ONLY_IMPORTS }],
    },
  },
  {
    // The import graph points one way: cli/server -> slack/github -> proposals, manifests, config, builds, image-ref.
    files: ["src/slack/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [...GITHUB_ONLY_IMPORTS, { group: ["**/server/*", "**/cli/*"], message: OUTWARD } ] }] },
  },
  {
    files: ["src/github/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [{ group: ["**/server/*", "**/slack/*", "**/cli/*"], message: OUTWARD }] }] },
  },
  {
    files: ["src/sync/io/**/*.ts"],
    rules: { "no-restricted-syntax": ["error", ...HOUSE_SYNTAX, ...GITHUB_ONLY_SYNTAX] },
  },
  {
    // An import cycle between two files makes load order matter and hides which part depends on which.
    files: ["src/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      "import-x/resolver": undefined,
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "tsconfig.json" })],
    },
    rules: { "import-x/no-cycle": ["error", { ignoreExternal: true }] },
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
