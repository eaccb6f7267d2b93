import type { Document, Scalar } from "yaml";
import type { ImageReference } from "../image-ref/index.js";
import { countDocumentStarts, splitDocuments } from "./documents.js";
import type { DocumentChunk } from "./documents.js";
import { locateCandidates } from "./locate.js";
import type { Candidate, Located } from "./locate.js";
import { DEFAULT_MAX_DOCUMENTS, DEFAULT_PARSE_BUDGET, countNodeMarks, tooComplexReason, tooManyDocumentsReason } from "./parse-budget.js";
import type { ParseBudget } from "./parse-budget.js";
import type { ValuePlan } from "./plan-value.js";
import { lineAt, parseDocuments, scalarText } from "./read-yaml.js";
import type { Skipped } from "./result.js";
import { mayReferTo, screenFor } from "./screen.js";

/** What the engine made of one chunk of a file's documents. `text` is the chunk's text; offsets inside are relative to it. */
export type ChunkScan =
  | { readonly status: "screened-out"; readonly chunk: DocumentChunk; readonly text: string }
  | { readonly status: "failed"; readonly chunk: DocumentChunk; readonly text: string; readonly failure: Skipped }
  | { readonly status: "located"; readonly chunk: DocumentChunk; readonly text: string; readonly located: Located };

/** A candidate that is about the target, with its current value and what to do with it. */
export interface DecidedCandidate {
  readonly candidate: Candidate;
  readonly node: Scalar & { range: NonNullable<Scalar["range"]> };
  readonly current: string;
  readonly plan: Exclude<ValuePlan, { action: "not-ours" }>;
}

/**
 * The engine's reading of a file for one repository, chunk by chunk, lazily
 * (a caller may stop at the first failure):
 *
 * 1. Screen the whole text cheaply; a file ruled out yields nothing.
 * 2. Split it into documents at its `---` lines (past the budget's number of
 *    documents, the file is a failure, `too-complex`); screen each chunk again.
 * 3. Count the nodes each chunk that passes may hold; past the file's budget
 *    the file is a failure (`too-complex`), before any parse.
 * 4. Parse the chunks that pass; one that does not parse is a failure.
 * 5. Locate candidate values with the YAML AST.
 */
export function* scanChunks(file: string, text: string, target: ImageReference, budget: ParseBudget = DEFAULT_PARSE_BUDGET): Generator<ChunkScan> {
  const screen = screenFor(target);
  if (!mayReferTo(Buffer.from(text, "utf8"), screen)) return;
  const maxDocuments = budget.maxDocuments ?? DEFAULT_MAX_DOCUMENTS;
  if (countDocumentStarts(text, maxDocuments + 1) > maxDocuments) {
    const whole = { start: 0, end: text.length, firstDocument: 0 };
    yield { status: "failed", chunk: whole, text, failure: { file, code: "too-complex", reason: tooManyDocumentsReason(budget) } };
    return;
  }
  const chunks = splitDocuments(text);
  const fileName = file.slice(file.lastIndexOf("/") + 1);
  let marks = 0;
  for (const chunk of chunks) {
    const chunkText = text.slice(chunk.start, chunk.end);
    if (chunks.length > 1 && !mayReferTo(Buffer.from(chunkText, "utf8"), screen)) {
      yield { status: "screened-out", chunk, text: chunkText };
      continue;
    }
    marks += countNodeMarks(chunkText);
    if (marks > budget.maxNodes) {
      yield { status: "failed", chunk, text: chunkText, failure: { file, code: "too-complex", reason: tooComplexReason(marks, budget) } };
      return;
    }
    const documents = parseDocuments(chunkText);
    const failure = parseFailure(file, text, chunk, documents);
    if (failure) {
      yield { status: "failed", chunk, text: chunkText, failure };
      continue;
    }
    yield { status: "located", chunk, text: chunkText, located: locateCandidates(documents, chunkText, fileName, target, chunk.firstDocument) };
  }
}

/** The first candidate of each scalar that is about the target decides it; values of other images are passed over. */
export function* decideCandidates(candidates: readonly Candidate[]): Generator<DecidedCandidate> {
  const decided = new Set<Scalar>();
  for (const candidate of candidates) {
    const { node } = candidate;
    if (decided.has(node) || !node.range) continue;
    const current = scalarText(node);
    const plan = candidate.plan(current);
    if (plan.action === "not-ours") continue;
    decided.add(node);
    yield { candidate, node: node as DecidedCandidate["node"], current, plan };
  }
}

function parseFailure(file: string, text: string, chunk: DocumentChunk, documents: readonly Document.Parsed[]): Skipped | undefined {
  const error = documents.flatMap((doc) => doc.errors)[0];
  if (!error) return undefined;
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
