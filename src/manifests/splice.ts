import { isScalar, visit } from "yaml";
import type { Scalar } from "yaml";
import { parseDocuments, scalarText } from "./read-yaml.js";

/** One replacement of a value's source text; offsets are relative to the text it applies to. */
export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly source: string;
  /** What the new value must read back as. */
  readonly expected: string;
  /** 1-based line of the value, for the message when it does not read back. */
  readonly line: number;
}

/** Replaces each edit's range, leaving every other byte as it was. Edits must be sorted and disjoint. */
export function splice(text: string, edits: readonly TextEdit[]): string {
  const parts: string[] = [];
  let position = 0;
  for (const edit of edits) {
    parts.push(text.slice(position, edit.start), edit.source);
    position = edit.end;
  }
  parts.push(text.slice(position));
  return parts.join("");
}

/**
 * Re-parses spliced text and checks that each edited value reads back, as a
 * string, exactly as planned. Returns what went wrong, if anything.
 */
export function verifyEdits(newText: string, edits: readonly TextEdit[]): string | undefined {
  const documents = parseDocuments(newText);
  const error = documents.flatMap((doc) => doc.errors)[0];
  if (error) return error.message.split("\n")[0];

  const scalarsByStart = new Map<number, Scalar>();
  for (const doc of documents) {
    visit(doc, {
      Scalar(_key, node) {
        if (node.range) scalarsByStart.set(node.range[0], node);
      },
    });
  }
  let shift = 0;
  for (const edit of edits) {
    const node = scalarsByStart.get(edit.start + shift);
    if (!isScalar(node) || scalarText(node) !== edit.expected || typeof node.value !== "string") {
      return `line ${edit.line} should read "${edit.expected}"`;
    }
    shift += edit.source.length - (edit.end - edit.start);
  }
  return undefined;
}
