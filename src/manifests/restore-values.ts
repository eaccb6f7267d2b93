import { isAlias, isMap, isScalar, isSeq } from "yaml";
import type { Alias, Node, Scalar } from "yaml";
import { aliasTargets } from "./anchors.js";
import { countDocumentStarts, splitDocuments } from "./documents.js";
import type { DocumentChunk } from "./documents.js";
import { formatYamlPath } from "./locate.js";
import { DEFAULT_MAX_DOCUMENTS, DEFAULT_PARSE_BUDGET, countNodeMarks, tooComplexReason, tooManyDocumentsReason } from "./parse-budget.js";
import type { ParseBudget } from "./parse-budget.js";
import { isBlockScalar, lineAt, parseDocuments, scalarText } from "./read-yaml.js";
import { QUOTED_NOTE, renderScalar } from "./render-scalar.js";
import { isChangeKind } from "./result.js";
import type { Change } from "./result.js";
import { splice, verifyEdits } from "./splice.js";
import type { TextEdit } from "./splice.js";

/**
 * A change as a proposal recorded it (its metadata block): enough to find the
 * value again and undo it. `kind` is a string there (a PR body is not
 * trusted to name a known kind); an unknown one is a conflict.
 */
export type RecordedChange = Pick<Change, "file" | "line" | "before" | "after" | "document" | "yamlPath"> & { readonly kind: string };

/** A recorded value that was not restored, and why. */
export interface RestoreConflict {
  /** Where the value is now, or where it was recorded when it is gone. */
  readonly line: number;
  readonly yamlPath: string;
  /** What the pin wrote (the recorded `after`). */
  readonly expected: string;
  /** What the file holds there now; undefined when nothing is there. */
  readonly found: string | undefined;
  readonly reason: string;
}

/** `text` is present only when the file changes. */
export interface RestoreOutcome {
  readonly text?: string;
  /** Each value put back: `before` is what the file held (the pinned value), `after` what it holds again. */
  readonly restored: Change[];
  readonly conflicts: RestoreConflict[];
}

interface Restore extends TextEdit {
  readonly change: Change;
}

/**
 * Undoes recorded changes in one file: each value found at its document and
 * YAML path that still reads as the pin wrote it gets its previous value
 * back, written with a splice in the value's quote style. A value someone
 * changed since is a conflict and is left alone; one that already holds its
 * previous value needs nothing.
 *
 * 1. Pick the records of this file; split the text into document chunks and
 *    parse only the chunks that hold recorded documents.
 * 2. Find each value by its path (an alias leads to its anchor, as when the
 *    pin edited it) and compare it with the recorded `after`.
 * 3. Splice the previous values in and re-read each edited chunk: every value
 *    must read back as planned, or nothing in the file is restored.
 *
 * Past the parse budget (counted over the chunks to parse) nothing is parsed
 * and every record of the file is a conflict that says so.
 */
export function restoreValues(file: string, text: string, changes: readonly RecordedChange[], budget: ParseBudget = DEFAULT_PARSE_BUDGET): RestoreOutcome {
  const records = changes.filter((change) => change.file === file);
  if (records.length === 0) return { restored: [], conflicts: [] };

  const refuseAll = (reason: string): RestoreOutcome => ({
    restored: [],
    conflicts: records.map((record) => ({ line: record.line, yamlPath: record.yamlPath, expected: record.after, found: undefined, reason })),
  });
  const maxDocuments = budget.maxDocuments ?? DEFAULT_MAX_DOCUMENTS;
  if (countDocumentStarts(text, maxDocuments + 1) > maxDocuments) return refuseAll(tooManyDocumentsReason(budget));
  const chunks = splitDocuments(text);
  const marks = countMarksToParse(text, chunks, records);
  if (marks > budget.maxNodes) return refuseAll(tooComplexReason(marks, budget));
  const conflicts: RestoreConflict[] = [];
  const parts: string[] = [];
  const restores: Restore[] = [];
  const verifyErrors: string[] = [];
  for (const [index, chunk] of chunks.entries()) {
    const chunkText = text.slice(chunk.start, chunk.end);
    const own = recordsOf(records, chunks, index);
    if (own.length === 0) {
      parts.push(chunkText);
      continue;
    }
    const planned = planRestores(file, text, chunk, chunkText, own);
    conflicts.push(...planned.conflicts);
    if (planned.edits.length === 0) {
      parts.push(chunkText);
      continue;
    }
    const newText = splice(chunkText, planned.edits);
    const verifyError = verifyEdits(newText, planned.edits);
    if (verifyError) verifyErrors.push(verifyError);
    restores.push(...planned.edits);
    parts.push(newText);
  }

  if (verifyErrors.length > 0) {
    const reason = `the restored file did not read back as planned (${verifyErrors.join("; ")}); the file was left unchanged`;
    const refused = restores.map(({ change }) => ({ line: change.line, yamlPath: change.yamlPath, expected: change.before, found: change.before, reason }));
    return { restored: [], conflicts: [...conflicts, ...refused].sort((a, b) => a.line - b.line) };
  }
  const restored = restores.map((restore) => restore.change);
  conflicts.sort((a, b) => a.line - b.line);
  return restored.length === 0 ? { restored, conflicts } : { text: parts.join(""), restored, conflicts };
}

/** The records of the documents in chunk `index`. */
function recordsOf(records: readonly RecordedChange[], chunks: readonly DocumentChunk[], index: number): RecordedChange[] {
  const first = chunks[index]?.firstDocument ?? 0;
  const nextFirst = chunks[index + 1]?.firstDocument ?? Number.POSITIVE_INFINITY;
  return records.filter((record) => record.document >= first && record.document < nextFirst);
}

/** The node marks of the chunks that hold recorded documents: what restoring will parse. */
function countMarksToParse(text: string, chunks: readonly DocumentChunk[], records: readonly RecordedChange[]): number {
  let marks = 0;
  for (const [index, chunk] of chunks.entries()) {
    if (recordsOf(records, chunks, index).length > 0) marks += countNodeMarks(text.slice(chunk.start, chunk.end));
  }
  return marks;
}

function planRestores(
  file: string,
  text: string,
  chunk: DocumentChunk,
  chunkText: string,
  records: readonly RecordedChange[],
): { edits: Restore[]; conflicts: RestoreConflict[] } {
  const conflicts: RestoreConflict[] = [];
  const gone = (record: RecordedChange, reason: string): void => {
    conflicts.push({ line: record.line, yamlPath: record.yamlPath, expected: record.after, found: undefined, reason });
  };
  const documents = parseDocuments(chunkText);
  const error = documents.flatMap((doc) => doc.errors)[0];
  if (error) {
    for (const record of records) gone(record, `the file is not valid YAML now (${error.message.split("\n")[0] ?? ""})`);
    return { edits: [], conflicts };
  }

  const indexes = new Map<number, Map<string, unknown>>();
  const aliasesByDocument = new Map<number, Map<Alias, Node>>();
  const edits: Restore[] = [];
  const edited = new Map<Scalar, string>();
  for (const record of records) {
    const doc = documents[record.document - chunk.firstDocument];
    if (!doc) {
      gone(record, `the file has no document ${record.document} now`);
      continue;
    }
    let index = indexes.get(record.document);
    if (!index) {
      index = valuesByPath(doc.contents);
      indexes.set(record.document, index);
    }
    const found = index.get(record.yamlPath);
    let node: unknown = found;
    if (isAlias(found)) {
      let aliases = aliasesByDocument.get(record.document);
      if (!aliases) {
        aliases = aliasTargets(doc);
        aliasesByDocument.set(record.document, aliases);
      }
      node = aliases.get(found);
    }
    if (!isScalar(node) || !node.range) {
      gone(record, "the value is no longer at this path");
      continue;
    }
    const line = lineAt(text, chunk.start + node.range[0]);
    const current = scalarText(node);
    const conflict = (reason: string): void => {
      conflicts.push({ line, yamlPath: record.yamlPath, expected: record.after, found: current, reason });
    };
    const already = edited.get(node);
    if (already !== undefined) {
      // Two records reached one anchored value: the first restores it.
      if (already !== record.before) conflict(`the value is shared (an anchor) and is already being restored to "${already}"`);
      continue;
    }
    if (current !== record.after) {
      if (current !== record.before) conflict("the value changed since the pin");
      continue;
    }
    if (isBlockScalar(node)) {
      conflict("the value is a block scalar (| or >) now; Bender does not edit those");
      continue;
    }
    const { kind } = record;
    if (!isChangeKind(kind)) {
      conflict(`the recorded kind "${kind}" is not one Bender knows`);
      continue;
    }
    const rendered = renderScalar(node.type, record.before);
    edited.set(node, record.before);
    edits.push({
      start: node.range[0],
      end: node.range[1],
      source: rendered.source,
      expected: record.before,
      line,
      change: {
        file,
        line,
        kind,
        before: current,
        after: record.before,
        ...(rendered.quoted && record.before !== "" ? { note: QUOTED_NOTE } : {}),
        document: record.document,
        yamlPath: record.yamlPath,
      },
    });
  }
  return { edits: edits.sort((a, b) => a.start - b.start), conflicts };
}

/**
 * Every node of a document by the path the engine records for it
 * (`formatYamlPath`). Aliases are kept as they are, never expanded; a
 * duplicate key keeps its first value.
 */
function valuesByPath(root: unknown): Map<string, unknown> {
  const index = new Map<string, unknown>();
  const walk = (node: unknown, path: readonly (string | number)[]): void => {
    const visit = (child: unknown, childPath: readonly (string | number)[]): void => {
      const key = formatYamlPath(childPath);
      if (!index.has(key)) index.set(key, child);
      walk(child, childPath);
    };
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key)) visit(pair.value, [...path, String(pair.key.value)]);
        else walk(pair.value, path);
      }
    } else if (isSeq(node)) {
      for (const [position, item] of node.items.entries()) visit(item, [...path, position]);
    }
  };
  index.set("", root);
  walk(root, []);
  return index;
}
