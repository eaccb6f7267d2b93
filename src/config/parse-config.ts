import { LineCounter, parseDocument } from "yaml";
import type { Document, YAMLError } from "yaml";
import { locateLine } from "./locate-node.js";
import { problemsFromIssues, shortValue } from "./problem.js";
import type { ConfigProblem } from "./problem.js";
import { configSchema } from "./schema.js";
import type { BenderConfig } from "./schema.js";

export const CONFIG_FILE = ".github/bender.yml";

/** A config is a few hundred bytes; anything this large is a mistake or an attack, not a config. */
export const MAX_CONFIG_LENGTH = 100_000;
/** Bounds the work aliases can cause (the "billion laughs"); a config needs a handful at most. */
export const MAX_ALIAS_COUNT = 100;

export type ParseConfigResult =
  | { readonly ok: true; readonly config: BenderConfig }
  | { readonly ok: false; readonly problems: ConfigProblem[] };

/**
 * Reads `.github/bender.yml` text into a validated config with defaults
 * applied, or lists every problem with its path, line and value.
 */
export function parseConfig(text: string, file = CONFIG_FILE): ParseConfigResult {
  // 1. Refuse text too large to be a config before parsing it.
  if (text.length > MAX_CONFIG_LENGTH) {
    return failed([wholeFile(file, "too-large", `the file is ${text.length} characters long; a config is at most ${MAX_CONFIG_LENGTH}`)]);
  }

  // 2. Parse the YAML; syntax problems end here, since the data behind them is guesswork.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const yamlProblems = [...document.errors, ...document.warnings].map((error) => syntaxProblem(error, text, file, lineCounter));
  if (yamlProblems.length > 0) return failed(yamlProblems);
  if (document.contents === null) {
    return failed([wholeFile(file, "missing-key", "the file is empty: write at least environments, e.g. environments: { staging: { paths: [clusters/staging] } }", 1)]);
  }

  // 3. Convert to plain data, refusing alias expansion beyond a small budget.
  const data = toData(document);
  if (!data.ok) return failed([wholeFile(file, "too-many-aliases", data.message)]);

  // 4. Validate with the schema and locate each issue in the source.
  const result = configSchema.safeParse(data.value, { reportInput: true });
  if (result.success) return { ok: true, config: result.data };
  const locate = (path: readonly PropertyKey[]): number | undefined => locateLine(document, lineCounter, path);
  return failed(problemsFromIssues(result.error.issues, file, locate));
}

function toData(document: Document): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    // yaml throws a ReferenceError when aliases expand past maxAliasCount; anything else is a bug.
    if (!(error instanceof ReferenceError)) throw error;
    return {
      ok: false,
      message: `the file uses aliases (*name) that expand to too much data (${error.message}); write the values out or use fewer aliases`,
    };
  }
}

function syntaxProblem(error: YAMLError, text: string, file: string, lineCounter: LineCounter): ConfigProblem {
  const [start, end] = error.pos;
  const excerpt = text.slice(start, Math.max(end, start)).trim();
  return {
    code: "invalid-yaml",
    file,
    path: "",
    line: lineCounter.linePos(start).line,
    value: excerpt === "" ? undefined : shortValue(excerpt),
    message: `the file is not valid YAML: ${error.message}`,
  };
}

function wholeFile(file: string, code: ConfigProblem["code"], message: string, line?: number): ConfigProblem {
  return { code, file, path: "", line, value: undefined, message };
}

/** Lists problems in file order; problems without a line come last. */
function failed(problems: ConfigProblem[]): ParseConfigResult {
  const sorted = problems
    .map((problem, index) => ({ problem, index }))
    .sort((a, b) => (a.problem.line ?? Infinity) - (b.problem.line ?? Infinity) || a.index - b.index)
    .map(({ problem }) => problem);
  return { ok: false, problems: sorted };
}
