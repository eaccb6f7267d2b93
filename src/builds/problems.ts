import type { z } from "zod";

/** Values quoted in a problem are cut to this many characters. */
const VALUE_LIMIT = 80;

/** `client_payload.source.commit`, `repositories[2]`: the path a person looks for in their payload. */
export function fieldPath(prefix: string, path: readonly PropertyKey[]): string {
  let text = prefix;
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else text += text === "" ? String(key) : `.${String(key)}`;
  }
  return text;
}

/**
 * A value as a person would recognise it in their JSON, cut to `VALUE_LIMIT`
 * characters. Objects and arrays are named, not dumped.
 */
export function renderValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    return JSON.stringify(value.length > VALUE_LIMIT ? `${value.slice(0, VALUE_LIMIT)}…` : value);
  }
  return String(value);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/**
 * Turns zod issues into sentences that name the field, its value and the rule.
 * The rule is the issue's message, so every schema in this folder words its own.
 * `where` names the root when the path is empty (e.g. "the request body").
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  options: { prefix: string; where: string },
): string[] {
  const problems: string[] = [];
  for (const issue of issues) {
    const field = fieldPath(options.prefix, issue.path) || options.where;
    if (issue.code === "unrecognized_keys") {
      const names = issue.keys.map((key) => renderValue(key)).join(", ");
      problems.push(`${field} has unknown field${issue.keys.length === 1 ? "" : "s"} ${names}; ${issue.message}`);
      continue;
    }
    const value = valueAt(root, issue.path);
    if (value === undefined) {
      problems.push(`${field} is missing; ${issue.message}`);
      continue;
    }
    problems.push(`${field} is ${renderValue(value)}; ${issue.message}`);
  }
  return problems;
}
