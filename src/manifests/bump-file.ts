import type { ImageReference } from "../image-ref/index.js";
import type { DocumentChunk } from "./documents.js";
import type { ParseBudget } from "./parse-budget.js";
import type { Candidate, LocatedSkip } from "./locate.js";
import { isBlockScalar, lineAt } from "./read-yaml.js";
import { QUOTED_NOTE, renderScalar } from "./render-scalar.js";
import type { Change, FileOutcome, Skipped } from "./result.js";
import { decideCandidates, scanChunks } from "./scan-file.js";
import { splice, verifyEdits } from "./splice.js";
import type { TextEdit } from "./splice.js";

export { lineAt } from "./read-yaml.js";

/** One planned replacement of a value's source text; offsets are relative to its chunk. */
interface Edit extends TextEdit {
  readonly change: Change;
}

/** What became of one chunk of documents. */
type ChunkOutcome =
  | { readonly ok: true; readonly text: string; readonly changes: Change[]; readonly skipped: Skipped[]; readonly current: number }
  | { readonly ok: false; readonly skipped: Skipped[] };

/**
 * Rewrites every reference to the target's repository in one file's text.
 *
 * 1. Screen the text cheaply (`mayReferTo`); split it into documents at its
 *    `---` lines and parse only the documents that pass the screen.
 * 2. Locate candidate values with the YAML AST and plan each new value.
 * 3. Splice new values into the original text at their source ranges.
 * 4. Re-parse each edited document and prove every new value reads back as
 *    planned; otherwise refuse the whole file.
 *
 * A file past the parse budget is skipped whole (`too-complex`).
 */
export function bumpFile(file: string, text: string, target: ImageReference, budget?: ParseBudget): FileOutcome {
  const changes: Change[] = [];
  const skipped: Skipped[] = [];
  const parts: string[] = [];
  let current = 0;
  for (const scan of scanChunks(file, text, target, budget)) {
    if (scan.status === "failed") return { changes: [], skipped: [...skipped, scan.failure] };
    if (scan.status === "screened-out") {
      parts.push(scan.text);
      continue;
    }
    const outcome = bumpChunk(file, text, scan.chunk, scan.text, scan.located.candidates, scan.located.skips);
    if (!outcome.ok) return { changes: [], skipped: [...skipped, ...outcome.skipped] };
    changes.push(...outcome.changes);
    skipped.push(...outcome.skipped);
    parts.push(outcome.text);
    current += outcome.current;
  }
  const counted = current === 0 ? {} : { current };
  return changes.length === 0 ? { changes, skipped, ...counted } : { changes, skipped, ...counted, text: parts.join("") };
}

function bumpChunk(
  file: string,
  text: string,
  chunk: DocumentChunk,
  chunkText: string,
  candidates: readonly Candidate[],
  skips: readonly LocatedSkip[],
): ChunkOutcome {
  const skipped: Skipped[] = skips.map((skip) => ({
    file,
    line: lineAt(text, chunk.start + skip.offset),
    code: skip.code,
    reason: skip.reason,
  }));
  const { edits, current } = planEdits(file, text, chunk, candidates, skipped);
  if (edits.length === 0) return { ok: true, text: chunkText, changes: [], skipped, current };

  const newText = splice(chunkText, edits);
  const verifyError = verifyEdits(newText, edits);
  if (verifyError) {
    const reason = `the edited file did not read back as planned (${verifyError}); the file was left unchanged`;
    return { ok: false, skipped: [...skipped, { file, code: "verify-failed", reason }] };
  }
  return { ok: true, text: newText, changes: edits.map((edit) => edit.change), skipped, current };
}

/** Plans the new value of each scalar that is about the target. */
function planEdits(
  file: string,
  text: string,
  chunk: DocumentChunk,
  candidates: readonly Candidate[],
  skipped: Skipped[],
): { edits: Edit[]; current: number } {
  const edits: Edit[] = [];
  let alreadyCurrent = 0;
  for (const { candidate, node, current, plan } of decideCandidates(candidates)) {
    if (plan.action === "unchanged") {
      alreadyCurrent++;
      continue;
    }
    const line = lineAt(text, chunk.start + node.range[0]);
    if (plan.action === "skip") {
      skipped.push({ file, line, code: plan.code, reason: plan.reason });
      continue;
    }
    if (isBlockScalar(node)) {
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
      line,
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
