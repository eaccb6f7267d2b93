import { Document, Scalar, isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { YAMLMap, YAMLSeq } from "yaml";
import { readsBackAsString } from "../manifests/render-scalar.js";

/*
 * Bender's list files in `.bender/` (holds.yml, freezes.yml): a map with one key whose value is a list of flat
 * entries, opened by a comment that says what the file is for. People may edit them, so an edit keeps every other
 * entry and comment, and a file that cannot be edited as such a list is rewritten with its old text kept as comments.
 */

/** What one kind of list file looks like. */
export interface ListFileShape<Entry> {
  /** The top-level key holding the list (`holds`, `freezes`). */
  readonly key: string;
  /** The comment that opens the file. */
  readonly comment: string;
  /** The entries' keys, in the order they are written. */
  readonly fields: readonly (keyof Entry & string)[];
  /** A longer file is not edited (its text is not kept either: git history has it). */
  readonly maxLength?: number;
}

/** The file with `entry` in it, in place of the first entry `replaces` picks (the others it picks are removed). */
export function withEntry<Entry>(shape: ListFileShape<Entry>, text: string | undefined, entry: Entry, replaces: (item: YAMLMap) => boolean): string {
  const doc = listDocument(shape, text);
  if (!doc) return `${renderList(shape, [entry])}${keptAsComments(shape, text ?? "")}`;
  // `key: []` grows into a block list, one entry a few lines, like the rest.
  doc.items.flow = false;
  const matching = doc.items.items.filter((item) => isMap(item) && replaces(item));
  const node = entryNode(shape, doc.document, entry);
  const first = matching[0];
  if (first === undefined) doc.items.items.push(node);
  else doc.items.items.splice(doc.items.items.indexOf(first), 1, node);
  doc.items.items = doc.items.items.filter((item) => !matching.includes(item));
  return finish(shape, doc.document);
}

/** The file without the entries `removes` picks; undefined when it picks none (or the file cannot be edited). */
export function withoutEntries<Entry>(shape: ListFileShape<Entry>, text: string | undefined, removes: (item: YAMLMap) => boolean): string | undefined {
  if (text === undefined) return undefined;
  const doc = listDocument(shape, text);
  if (!doc) return undefined;
  const kept = doc.items.items.filter((item) => !(isMap(item) && removes(item)));
  if (kept.length === doc.items.items.length) return undefined;
  if (kept.length === 0) doc.document.set(shape.key, doc.document.createNode([]));
  else doc.items.items = kept;
  return finish(shape, doc.document);
}

/** A fresh file with these entries. */
export function renderList<Entry>(shape: ListFileShape<Entry>, entries: readonly Entry[]): string {
  const document = new Document({ [shape.key]: [] });
  const seq = document.get(shape.key, true) as YAMLSeq;
  for (const entry of entries) seq.items.push(entryNode(shape, document, entry));
  return finish(shape, document);
}

/** The file as a document whose list key is a list, or undefined when it cannot be edited as one. */
function listDocument<Entry>(shape: ListFileShape<Entry>, text: string | undefined): { document: Document; items: YAMLSeq } | undefined {
  if (text !== undefined && shape.maxLength !== undefined && text.length > shape.maxLength) return undefined;
  const document: Document = parseDocument(text ?? "");
  if (document.errors.length > 0) return undefined;
  if (document.contents === null || (isScalar(document.contents) && document.contents.value === null)) {
    document.contents = document.createNode({ [shape.key]: [] });
  }
  const root = document.contents;
  if (!isMap(root)) return undefined;
  if (root.get(shape.key) === undefined || root.get(shape.key) === null) root.set(shape.key, document.createNode([]));
  const items = root.get(shape.key, true);
  return isSeq(items) ? { document, items } : undefined;
}

/** One entry, its values quoted wherever YAML 1.1 or 1.2 would read them as anything but a string (`1.10`, a timestamp). */
function entryNode<Entry>(shape: ListFileShape<Entry>, document: Document, entry: Entry): YAMLMap {
  const node = document.createNode({}) as YAMLMap;
  for (const field of shape.fields) {
    const value = entry[field];
    if (typeof value !== "string") continue;
    const scalar = new Scalar(value);
    if (!readsBackAsString(value)) scalar.type = Scalar.QUOTE_DOUBLE;
    node.set(field, scalar);
  }
  return node;
}

function finish<Entry>(shape: ListFileShape<Entry>, document: Document): string {
  const existing = document.commentBefore ?? "";
  if (!existing.includes(shape.comment.split("\n")[0] ?? "")) {
    const explained = shape.comment.split("\n").map((line) => ` ${line}`).join("\n");
    document.commentBefore = existing === "" ? explained : `${explained}\n${existing}`;
  }
  return document.toString();
}

function keptAsComments<Entry>(shape: ListFileShape<Entry>, text: string): string {
  if (text.trim() === "") return "";
  if (shape.maxLength !== undefined && text.length > shape.maxLength) {
    return `\n# The previous contents (${text.length} characters, over the budget of ${shape.maxLength}) were not kept here; git history has them.\n`;
  }
  const lines = text.replace(/\r?\n$/, "").split(/\r?\n/);
  return `\n# The previous contents could not be read as a list of ${shape.key}, so Bender kept them here:\n${lines.map((line) => `# ${line}`).join("\n")}\n`;
}
