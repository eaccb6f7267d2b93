import { createTwoFilesPatch } from "diff";
import type { FileEdit } from "../manifests/io/bump-directory.js";
import { terminalSafe } from "./terminal-text.js";

/** A unified diff of every edited file, `git diff`-style paths, for `--dry-run`; control characters escaped. */
export function renderUnifiedDiff(edits: readonly FileEdit[]): string {
  const diff = edits
    .map((edit) => createTwoFilesPatch(`a/${edit.file}`, `b/${edit.file}`, edit.before, edit.after, undefined, undefined, { context: 3 }))
    .join("");
  return terminalSafe(diff);
}
