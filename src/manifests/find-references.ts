import type { ImageReference } from "../image-ref/index.js";
import type { ParseBudget } from "./parse-budget.js";
import { lineAt } from "./read-yaml.js";
import type { ChangeKind } from "./result.js";
import { decideCandidates, scanChunks } from "./scan-file.js";

/** A value in a file that refers to an image's repository, as it reads now. */
export interface Reference {
  /** 1-based line where the value starts. */
  readonly line: number;
  readonly kind: ChangeKind;
  /** The value as read, without quotes (a whole reference, a tag or a digest, by `kind`). */
  readonly value: string;
  readonly yamlPath: string;
  readonly document: number;
}

/**
 * Every value in one file that refers to the image's repository, with what it
 * holds now: the values `bumpFile` would look at, found by the same screen,
 * split, parse and locate steps (`/bender status` draws "what each
 * environment runs" from this). Only the repository of `image` matters. A
 * document that does not parse, or a file past the parse budget, is passed
 * over: it holds nothing readable.
 */
export function findReferences(file: string, text: string, image: ImageReference, budget?: ParseBudget): Reference[] {
  const references: Reference[] = [];
  for (const scan of scanChunks(file, text, image, budget)) {
    if (scan.status !== "located") continue;
    for (const { candidate, node, current } of decideCandidates(scan.located.candidates)) {
      references.push({
        line: lineAt(text, scan.chunk.start + node.range[0]),
        kind: candidate.kind,
        value: current,
        yamlPath: candidate.yamlPath,
        document: candidate.document,
      });
    }
  }
  return references.sort((a, b) => a.line - b.line);
}
