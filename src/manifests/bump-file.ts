import { Scalar, isScalar, parseAllDocuments, visit } from "yaml";
import type { Document } from "yaml";
import type { ImageReference } from "../image-ref/index.js";
import { locateCandidates } from "./locate.js";
import type { Candidate } from "./locate.js";
import { QUOTED_NOTE, renderScalar } from "./render-scalar.js";
import type { Change, FileOutcome, Skipped } from "./result.js";
import { mayReferTo, screenFor } from "./screen.js";

/** One planned replacement of a value's source text. */
interface Edit {
  readonly start: number;
  readonly end: number;
  readonly source: string;
  /** What the new value must read back as. */
  readonly expected: string;
  readonly change: Change;
}

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

function parseFailure(file: string, text: string, documents: readonly Document.Parsed[]): Skipped | undefined {
  const error = documents.flatMap((doc) => doc.errors)[0];
  if (!error) return undefined;
  const where = error.linePos?.[0] ? ` at line ${error.linePos[0].line}` : "";
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

/**
 * Rewrites every reference to the target's repository in one file's text.
 *
 * 1. Screen by a cheap token; parse only files that may refer to the image.
 * 2. Locate candidate values with the YAML AST and plan each new value.
 * 3. Splice new values into the original text at their source ranges.
 * 4. Re-parse the result and prove every new value reads back as planned;
 *    otherwise refuse the whole file.
 */
export function bumpFile(file: string, text: string, target: ImageReference): FileOutcome {
  if (!mayReferTo(Buffer.from(text, "utf8"), screenFor(target))) return { changes: [], skipped: [] };

  const documents = parseAllDocuments(text, PARSE_OPTIONS);
  const docs = Array.isArray(documents) ? documents : [];
  const failure = parseFailure(file, text, docs);
  if (failure) return { changes: [], skipped: [failure] };

  const fileName = file.slice(file.lastIndexOf("/") + 1);
  const located = locateCandidates(docs, text, fileName, target);
  const skipped: Skipped[] = located.skips.map((skip) => ({
    file,
    line: lineAt(text, skip.offset),
    code: skip.code,
    reason: skip.reason,
  }));
  const edits = planEdits(file, text, located.candidates, skipped);
  if (edits.length === 0) return { changes: [], skipped };

  const newText = splice(text, edits);
  const verifyError = verify(newText, edits);
  if (verifyError) {
    return {
      changes: [],
      skipped: [...skipped, { file, code: "verify-failed", reason: `the edited file did not read back as planned (${verifyError}); the file was left unchanged` }],
    };
  }
  return { changes: edits.map((edit) => edit.change), skipped, text: newText };
}

/** The first candidate of each scalar that is about the target decides it. */
function planEdits(file: string, text: string, candidates: readonly Candidate[], skipped: Skipped[]): Edit[] {
  const decided = new Set<Scalar>();
  const edits: Edit[] = [];
  for (const candidate of candidates) {
    const { node } = candidate;
    if (decided.has(node) || !node.range) continue;
    const current = scalarText(node);
    const plan = candidate.plan(current);
    if (plan.action === "not-ours") continue;
    decided.add(node);
    const line = lineAt(text, node.range[0]);
    if (plan.action === "unchanged") continue;
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
  return edits.sort((a, b) => a.start - b.start);
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
  const documents = parseAllDocuments(newText, PARSE_OPTIONS);
  const docs = Array.isArray(documents) ? documents : [];
  const error = docs.flatMap((doc) => doc.errors)[0];
  if (error) return error.message.split("\n")[0];

  const scalarsByStart = new Map<number, Scalar>();
  for (const doc of docs) {
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
