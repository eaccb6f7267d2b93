import { Scalar, parseAllDocuments } from "yaml";
import type { Document } from "yaml";

const PARSE_OPTIONS = { uniqueKeys: false, prettyErrors: true } as const;
const BLOCK_STYLES: ReadonlySet<Scalar["type"]> = new Set([Scalar.BLOCK_LITERAL, Scalar.BLOCK_FOLDED]);

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let index = text.indexOf("\n"); index !== -1 && index < offset; index = text.indexOf("\n", index + 1)) line++;
  return line;
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
