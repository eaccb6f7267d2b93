import { Scalar, parseAllDocuments } from "yaml";
import type { Document } from "yaml";

const PARSE_OPTIONS = { uniqueKeys: false, prettyErrors: true } as const;
const BLOCK_STYLES: ReadonlySet<Scalar["type"]> = new Set([Scalar.BLOCK_LITERAL, Scalar.BLOCK_FOLDED]);

/** The offsets of each line's first character, for the last text asked about. */
let lineStarts: { text: string; starts: number[] } | undefined;

/**
 * 1-based line of a character offset. The line starts of the last text are
 * kept, so asking for many offsets of one text costs one scan and a binary
 * search each, not a scan each (thousands of values in a long file).
 */
export function lineAt(text: string, offset: number): number {
  if (lineStarts?.text !== text) {
    const starts = [0];
    for (let index = text.indexOf("\n"); index !== -1; index = text.indexOf("\n", index + 1)) starts.push(index + 1);
    lineStarts = { text, starts };
  }
  const { starts } = lineStarts;
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((starts[middle] ?? 0) <= offset) low = middle;
    else high = middle - 1;
  }
  return low + 1;
}

/** Block scalars (`|`, `>`) are read but never written: their indentation rules make a splice unsafe. */
export function isBlockScalar(node: Scalar): boolean {
  return BLOCK_STYLES.has(node.type);
}

/** The value as a person reads it: a plain `1.10` is "1.10", not 1.1; an empty value is "". */
export function scalarText(node: Scalar): string {
  if (node.value === null || node.value === undefined) return "";
  if (typeof node.value === "string") return isBlockScalar(node) ? node.value.trim() : node.value;
  return node.source ?? String(node.value);
}

/** Every document of a text, as the engine parses them (duplicate keys allowed, errors kept on each document). */
export function parseDocuments(text: string): Document.Parsed[] {
  const documents = parseAllDocuments(text, PARSE_OPTIONS);
  return Array.isArray(documents) ? documents : [];
}
