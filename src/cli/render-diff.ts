import { createTwoFilesPatch } from "diff";
import type { FileEdit } from "../manifests/io/bump-directory.js";

/** A unified diff of every edited file, `git diff`-style paths, for `--dry-run`. */
export function renderUnifiedDiff(edits: readonly FileEdit[]): string {
  return edits
    .map((edit) => createTwoFilesPatch(`a/${edit.file}`, `b/${edit.file}`, edit.before, edit.after, undefined, undefined, { context: 3 }))
    .join("");
}
