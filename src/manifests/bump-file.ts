import { Scalar, isScalar, parseAllDocuments, visit } from "yaml";
import type { Document } from "yaml";
import type { ImageReference } from "../image-ref/index.js";
import { splitDocuments } from "./documents.js";
import type { DocumentChunk } from "./documents.js";
import { locateCandidates } from "./locate.js";
import type { Candidate } from "./locate.js";
import { QUOTED_NOTE, renderScalar } from "./render-scalar.js";
import type { Change, FileOutcome, Skipped } from "./result.js";
import { mayReferTo, screenFor } from "./screen.js";
import type { Screen } from "./screen.js";

/** One planned replacement of a value's source text; offsets are relative to its chunk. */
interface Edit {
  readonly start: number;
  readonly end: number;
  readonly source: string;
  /** What the new value must read back as. */
  readonly expected: string;
  readonly change: Change;
}

/** What became of one chunk of documents. */
type ChunkOutcome =
  | { readonly ok: true; readonly text: string; readonly changes: Change[]; readonly skipped: Skipped[]; readonly current: number }
  | { readonly ok: false; readonly skipped: Skipped[] };

const PARSE_OPTIONS = { uniqueKeys: false, prettyErrors: true } as const;
const BLOCK_STYLES: ReadonlySet<Scalar["type"]> = new Set([Scalar.BLOCK_LITERAL, Scalar.BLOCK_FOLDED]);

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let index = text.indexOf("\n"); index !== -1 && index < offset; index = text.indexOf("\n", index + 1)) line++;
  return line;
}

/** The value as a person reads it: a plain `1.10` is "1.10", not 1.1; an empty value is "". */
function scalarText(node: Scalar): string {
  if (node.value === null || node.value === undefined) return "";
  if (typeof node.value === "string") return BLOCK_STYLES.has(node.type) ? node.value.trim() : node.value;
  return node.source ?? String(node.value);
}

function parseDocuments(text: string): Document.Parsed[] {
  const documents = parseAllDocuments(text, PARSE_OPTIONS);
  return Array.isArray(documents) ? documents : [];
}

/**
 * Rewrites every reference to the target's repository in one file's text.
 *
 * 1. Screen the text cheaply (`mayReferTo`); split it into documents at its
 *    `---` lines and parse only the documents that pass the screen.
 * 2. Locate candidate values with the YAML AST and plan each new value.
 * 3. Splice new values into the original text at their source ranges.
 * 4. Re-parse each edited document and prove every new value reads back as
 *    planned; otherwise refuse the whole file.
 */
export function bumpFile(file: string, text: string, target: ImageReference): FileOutcome {
  const screen = screenFor(target);
  if (!mayReferTo(Buffer.from(text, "utf8"), screen)) return { changes: [], skipped: [] };

  const chunks = splitDocuments(text);
  const context: FileContext = { file, fileName: file.slice(file.lastIndexOf("/") + 1), text, target, screen };
  const changes: Change[] = [];
  const skipped: Skipped[] = [];
  const parts: string[] = [];
  let current = 0;
  for (const chunk of chunks) {
    const outcome = bumpChunk(context, chunk, chunks.length > 1);
    if (!outcome.ok) return { changes: [], skipped: [...skipped, ...outcome.skipped] };
    changes.push(...outcome.changes);
    skipped.push(...outcome.skipped);
    parts.push(outcome.text);
    current += outcome.current;
  }
  const counted = current === 0 ? {} : { current };
  return changes.length === 0 ? { changes, skipped, ...counted } : { changes, skipped, ...counted, text: parts.join("") };
}

interface FileContext {
  readonly file: string;
  readonly fileName: string;
  readonly text: string;
  readonly target: ImageReference;
  readonly screen: Screen;
}

function bumpChunk(context: FileContext, chunk: DocumentChunk, screenChunk: boolean): ChunkOutcome {
  const { file, text, target } = context;
  const chunkText = text.slice(chunk.start, chunk.end);
  if (screenChunk && !mayReferTo(Buffer.from(chunkText, "utf8"), context.screen)) {
    return { ok: true, text: chunkText, changes: [], skipped: [], current: 0 };
  }
  const documents = parseDocuments(chunkText);
  const failure = parseFailure(context, chunk, documents);
  if (failure) return { ok: false, skipped: [failure] };

  const located = locateCandidates(documents, chunkText, context.fileName, target, chunk.firstDocument);
  const skipped: Skipped[] = located.skips.map((skip) => ({
    file,
    line: lineAt(text, chunk.start + skip.offset),
    code: skip.code,
    reason: skip.reason,
  }));
  const { edits, current } = planEdits(context, chunk, located.candidates, skipped);
  if (edits.length === 0) return { ok: true, text: chunkText, changes: [], skipped, current };

  const newText = splice(chunkText, edits);
  const verifyError = verify(newText, edits);
  if (verifyError) {
    const reason = `the edited file did not read back as planned (${verifyError}); the file was left unchanged`;
    return { ok: false, skipped: [...skipped, { file, code: "verify-failed", reason }] };
  }
  return { ok: true, text: newText, changes: edits.map((edit) => edit.change), skipped, current };
}

function parseFailure(context: FileContext, chunk: DocumentChunk, documents: readonly Document.Parsed[]): Skipped | undefined {
  const error = documents.flatMap((doc) => doc.errors)[0];
  if (!error) return undefined;
  const { file, text } = context;
  const firstLine = lineAt(text, chunk.start);
  const where = error.linePos?.[0] ? ` at line ${firstLine + error.linePos[0].line - 1}` : "";
  const detail = error.message.split("\n")[0] ?? "";
  if (text.includes("{{")) {
    return {
      file,
      code: "contains-template",
      reason: `not plain YAML${where}: it looks like a template ({{ … }}); Bender edits values files and plain manifests, not templates`,
    };
  }
  return { file, code: "invalid-yaml", reason: `not valid YAML${where}: ${detail}` };
}

/** The first candidate of each scalar that is about the target decides it. */
function planEdits(
  context: FileContext,
  chunk: DocumentChunk,
  candidates: readonly Candidate[],
  skipped: Skipped[],
): { edits: Edit[]; current: number } {
  const { file, text } = context;
  const decided = new Set<Scalar>();
  const edits: Edit[] = [];
  let alreadyCurrent = 0;
  for (const candidate of candidates) {
    const { node } = candidate;
    if (decided.has(node) || !node.range) continue;
    const current = scalarText(node);
    const plan = candidate.plan(current);
    if (plan.action === "not-ours") continue;
    decided.add(node);
    if (plan.action === "unchanged") {
      alreadyCurrent++;
      continue;
    }
    const line = lineAt(text, chunk.start + node.range[0]);
    if (plan.action === "skip") {
      skipped.push({ file, line, code: plan.code, reason: plan.reason });
      continue;
    }
    if (BLOCK_STYLES.has(node.type)) {
      skipped.push({
        file,
        line,
        code: "unsupported-scalar",
        reason: "the value is a block scalar (| or >); write it as a plain or quoted value for Bender to edit it",
      });
      continue;
    }
    const rendered = renderScalar(node.type, plan.value);
    const notes = [plan.note, rendered.quoted && plan.value !== "" ? QUOTED_NOTE : undefined].filter(Boolean);
    edits.push({
      start: node.range[0],
      end: node.range[1],
      source: rendered.source,
      expected: plan.value,
      change: {
        file,
        line,
        kind: candidate.kind,
        before: current,
        after: plan.value,
        ...(notes.length > 0 ? { note: notes.join("; ") } : {}),
        document: candidate.document,
        yamlPath: candidate.yamlPath,
      },
    });
  }
  return { edits: edits.sort((a, b) => a.start - b.start), current: alreadyCurrent };
}

/** Replaces each edit's range, leaving every other byte as it was. Edits are sorted and disjoint. */
function splice(text: string, edits: readonly Edit[]): string {
  const parts: string[] = [];
  let position = 0;
  for (const edit of edits) {
    parts.push(text.slice(position, edit.start), edit.source);
    position = edit.end;
  }
  parts.push(text.slice(position));
  return parts.join("");
}

/** Re-parses the new text and checks that each edited value reads back as planned. Returns what went wrong, if anything. */
function verify(newText: string, edits: readonly Edit[]): string | undefined {
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
      return `line ${edit.change.line} should read "${edit.expected}"`;
    }
    shift += edit.source.length - (edit.end - edit.start);
  }
  return undefined;
}
