import type { z } from "zod";
import { closestKey } from "./closest-key.js";
import { knownKeysAt } from "./schema.js";

/** What kind of rule a problem broke; stable, so callers may branch on it. */
export type ConfigProblemCode =
  | "invalid-yaml"
  | "too-large"
  | "too-many-aliases"
  | "unknown-key"
  | "missing-key"
  | "wrong-type"
  | "invalid-value";

/** One thing wrong with a config file, located so a person can fix it. */
export interface ConfigProblem {
  readonly code: ConfigProblemCode;
  readonly file: string;
  /** Where in the file, e.g. `environments.production.paths[0]`; empty for the file as a whole. */
  readonly path: string;
  /** 1-based line in the YAML source, when known. */
  readonly line: number | undefined;
  /** The offending value (or key), shortened. */
  readonly value: string | undefined;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

const VALUE_LIMIT = 80;

/** Writes a path the way a person would look it up: `environments.prod-eu.paths[0]`. */
function formatPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const step of path) {
    if (typeof step === "number") text += `[${step}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(String(step))) text += `${text === "" ? "" : "."}${String(step)}`;
    else text += `[${JSON.stringify(String(step))}]`;
  }
  return text;
}

/** A value as a short single line: text as written, anything else as compact JSON. */
export function shortValue(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  const line = text.replace(/\s*\n\s*/g, " ");
  return line.length <= VALUE_LIMIT ? line : `${line.slice(0, VALUE_LIMIT - 1)}…`;
}

/**
 * Turns zod's issues into problems: one per unknown key (with a suggestion),
 * a "required" or "must be" for type mismatches, the schema's own words for
 * the rest. `locate` finds the line of a path in the YAML source.
 */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  file: string,
  locate: (path: readonly PropertyKey[]) => number | undefined,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        problems.push({ code: "unknown-key", file, path: formatPath(path), line: locate(path), value: key, message: unknownKeyMessage(key, knownKeysAt(issue.path)) });
      }
      continue;
    }
    const code: ConfigProblemCode =
      issue.input === undefined ? "missing-key" : issue.code === "invalid_type" ? "wrong-type" : "invalid-value";
    problems.push({ code, file, path: formatPath(issue.path), line: locate(issue.path), value: shortValue(issue.input), message: issue.message });
  }
  return problems;
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const allowed = known.length === 0 ? "" : ` Allowed here: ${known.join(", ")}.`;
  const suggestion = closestKey(key, known);
  if (suggestion !== undefined) return `unknown key "${key}": did you mean "${suggestion}"?${allowed}`;
  return `unknown key "${key}".${allowed}`;
}
