import { Document, Scalar, isMap, isScalar, isSeq, parse, parseDocument } from "yaml";
import type { YAMLMap, YAMLSeq } from "yaml";
import { z } from "zod";
import { parseReference } from "../image-ref/index.js";
import { readsBackAsString } from "../manifests/render-scalar.js";

/** Where holds live, on each environment's branch. */
export const HOLDS_PATH = ".bender/holds.yml";

/** The comment that opens the holds file, so whoever finds it knows what it is for. */
export const HOLDS_COMMENT = [
  "Written by Bender when someone unpins; an entry stops automation from",
  "moving that image in that environment until someone pins again.",
  "Delete an entry to release it.",
].join("\n");

const holdSchema = z.object({
  environment: z.string().min(1),
  repository: z.string().min(1),
  version: z.string().optional(),
  by: z.string().optional(),
  at: z.string().optional(),
  reason: z.string().optional(),
});
const holdsFileSchema = z.object({ holds: z.array(holdSchema).default([]) }).nullable();

export type Hold = z.infer<typeof holdSchema>;

/** `text` is the file as read, when there was one (what `withHold`/`withoutHold` edit). */
export type HoldsFile =
  | { readonly ok: true; readonly holds: readonly Hold[]; readonly text?: string | undefined }
  | { readonly ok: false; readonly reason: string };

const HOLD_KEYS = ["environment", "repository", "version", "by", "at", "reason"] as const satisfies readonly (keyof Hold)[];

/** Reads `.bender/holds.yml`; a missing file means no holds. */
export function parseHolds(text: string | undefined): HoldsFile {
  if (text === undefined) return { ok: true, holds: [] };
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 10 });
  } catch (error) {
    return { ok: false, reason: `${HOLDS_PATH} is not valid YAML: ${(error as Error).message.split("\n")[0]}` };
  }
  const parsed = holdsFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `${HOLDS_PATH} is invalid at ${issue?.path.join(".") ?? ""}: ${issue?.message ?? ""}` };
  }
  return { ok: true, holds: parsed.data?.holds ?? [], text };
}

/**
 * The hold on an (environment, repository), if any. A holds file that cannot
 * be read holds everything: automation must not move an environment whose
 * holds it cannot see.
 */
export function findHold(file: HoldsFile, environment: string, repository: string): Hold | "unreadable" | undefined {
  if (!file.ok) return "unreadable";
  return file.holds.find((hold) => hold.environment === environment && sameRepository(hold.repository, repository));
}

/**
 * The holds file with `hold` in it, replacing any hold on the same
 * (environment, repository) and keeping every other entry. The file is
 * Bender's, so it is written whole with `yaml`, opened by `HOLDS_COMMENT`. A
 * file that cannot be edited as a list of holds (not YAML, or `holds` not a
 * list) is rewritten with only the new hold, its old text kept below as
 * comments for a person to sort out.
 */
export function withHold(text: string | undefined, hold: Hold): string {
  const doc = holdsDocument(text);
  if (!doc) return `${renderHolds([hold])}${keptAsComments(text ?? "")}`;
  const seq = doc.holds;
  // `holds: []` grows into a block list, one entry a few lines, like the rest.
  seq.flow = false;
  const matching = seq.items.filter((item) => isHoldFor(item, hold.environment, hold.repository));
  const node = holdNode(doc.document, hold);
  const first = matching[0];
  if (first === undefined) seq.items.push(node);
  else seq.items.splice(seq.items.indexOf(first), 1, node);
  seq.items = seq.items.filter((item) => !matching.includes(item));
  return finish(doc.document);
}

/**
 * The holds file without the hold on (environment, repository), keeping every
 * other entry; undefined when there is no such hold (or no readable file), so
 * nothing needs writing.
 */
export function withoutHold(text: string | undefined, environment: string, repository: string): string | undefined {
  if (text === undefined) return undefined;
  const doc = holdsDocument(text);
  if (!doc) return undefined;
  const kept = doc.holds.items.filter((item) => !isHoldFor(item, environment, repository));
  if (kept.length === doc.holds.items.length) return undefined;
  if (kept.length === 0) doc.document.set("holds", doc.document.createNode([]));
  else doc.holds.items = kept;
  return finish(doc.document);
}

/** A fresh holds file with these holds. */
export function renderHolds(holds: readonly Hold[]): string {
  const document = new Document({ holds: [] });
  const seq = document.get("holds", true) as YAMLSeq;
  for (const hold of holds) seq.items.push(holdNode(document, hold));
  return finish(document);
}

function sameRepository(written: string, repository: string): boolean {
  return canonical(written) === canonical(repository);
}

function canonical(repository: string): string {
  const parsed = parseReference(repository);
  return parsed.ok ? parsed.reference.repository : repository;
}

/** The file as a document whose `holds` is a list, or undefined when it cannot be edited as one. */
function holdsDocument(text: string | undefined): { document: Document; holds: YAMLSeq } | undefined {
  const document: Document = parseDocument(text ?? "");
  if (document.errors.length > 0) return undefined;
  if (document.contents === null || (isScalar(document.contents) && document.contents.value === null)) {
    document.contents = document.createNode({ holds: [] });
  }
  const root = document.contents;
  if (!isMap(root)) return undefined;
  if (root.get("holds") === undefined || root.get("holds") === null) root.set("holds", document.createNode([]));
  const holds = root.get("holds", true);
  return isSeq(holds) ? { document, holds } : undefined;
}

function isHoldFor(item: unknown, environment: string, repository: string): boolean {
  if (!isMap(item)) return false;
  const itemEnvironment = (item as YAMLMap).get("environment");
  const itemRepository = (item as YAMLMap).get("repository");
  return itemEnvironment === environment && typeof itemRepository === "string" && sameRepository(itemRepository, repository);
}

/** One entry, its values quoted wherever YAML 1.1 or 1.2 would read them as anything but a string (`1.10`, a timestamp). */
function holdNode(document: Document, hold: Hold): YAMLMap {
  const node = document.createNode({}) as YAMLMap;
  for (const key of HOLD_KEYS) {
    const value = hold[key];
    if (value === undefined) continue;
    const scalar = new Scalar(value);
    if (!readsBackAsString(value)) scalar.type = Scalar.QUOTE_DOUBLE;
    node.set(key, scalar);
  }
  return node;
}

function finish(document: Document): string {
  const existing = document.commentBefore ?? "";
  if (!existing.includes(HOLDS_COMMENT.split("\n")[0] ?? "")) {
    const explained = HOLDS_COMMENT.split("\n").map((line) => ` ${line}`).join("\n");
    document.commentBefore = existing === "" ? explained : `${explained}\n${existing}`;
  }
  return document.toString();
}

function keptAsComments(text: string): string {
  if (text.trim() === "") return "";
  const lines = text.replace(/\r?\n$/, "").split(/\r?\n/);
  return `\n# The previous contents could not be read as a list of holds, so Bender kept them here:\n${lines.map((line) => `# ${line}`).join("\n")}\n`;
}
