import { chmodSync, closeSync, fstatSync, openSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ImageReference } from "../../image-ref/index.js";
import { bumpFile, byFileThenLine, mayReferTo, screenFor } from "../index.js";
import type { BumpResult, Change, Skipped } from "../index.js";
import { walkTree } from "./walk-tree.js";

/** Files larger than this are not manifests a person maintains; they are skipped rather than parsed. */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

export interface BumpDirectoryOptions {
  readonly root: string;
  readonly target: ImageReference;
  /** false: plan and report only (a dry run). */
  readonly write: boolean;
}

/** One file's new content, for writing or for showing as a diff. */
export interface FileEdit {
  readonly file: string;
  readonly before: string;
  readonly after: string;
}

export interface DirectoryBumpResult extends BumpResult {
  readonly edits: readonly FileEdit[];
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Bumps every reference to the target under a directory.
 *
 * 1. Walk the tree (YAML files only; no dot-folders, node_modules or links out).
 * 2. Read each file and screen its bytes (`mayReferTo`); decode, parse and plan
 *    only those that may refer to the image. One bad file is reported and the
 *    rest go on.
 * 3. When every file is planned, write the changed ones, each atomically
 *    (temporary file, then rename), so no file is ever half-written.
 */
export async function bumpDirectory(options: BumpDirectoryOptions): Promise<DirectoryBumpResult> {
  const { files, refused } = walkTree(options.root);
  const screen = screenFor(options.target);
  const changes: Change[] = [];
  const skipped: Skipped[] = refused.map((refusal) => ({ file: refusal.file, code: "outside-root", reason: refusal.reason }));
  const edits: (FileEdit & { absolute: string })[] = [];

  // Reads are synchronous: files come from the page cache, and one open-read-close
  // per file beats four thread-pool round trips each.
  function planFile(entry: (typeof files)[number]): void {
    let bytes: Buffer | undefined;
    try {
      bytes = readUpTo(entry.absolute, MAX_FILE_BYTES);
    } catch (error) {
      skipped.push({ file: entry.file, code: "unreadable", reason: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
      return;
    }
    if (bytes === undefined) {
      skipped.push({ file: entry.file, code: "too-large", reason: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB` });
      return;
    }
    if (!mayReferTo(bytes, screen)) return;
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      skipped.push({ file: entry.file, code: "not-utf8", reason: "not UTF-8 text; Bender edits UTF-8 files only" });
      return;
    }
    const outcome = bumpFile(entry.file, text, options.target);
    changes.push(...outcome.changes);
    skipped.push(...outcome.skipped);
    if (outcome.text !== undefined) edits.push({ file: entry.file, absolute: entry.absolute, before: text, after: outcome.text });
  }

  for (const entry of files) planFile(entry);

  edits.sort(byFileThenLine);
  if (options.write) {
    for (const edit of edits) writeAtomically(edit.absolute, edit.after);
  }
  return {
    changes: changes.sort(byFileThenLine),
    skipped: skipped.sort(byFileThenLine),
    edits: edits.map(({ file, before, after }) => ({ file, before, after })),
  };
}

/** Reads a whole file in one open, one fstat and one read; undefined when it is larger than `limit`. */
function readUpTo(absolute: string, limit: number): Buffer | undefined {
  const descriptor = openSync(absolute, "r");
  try {
    const { size } = fstatSync(descriptor);
    if (size > limit) return undefined;
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const read = readSync(descriptor, bytes, filled, size - filled, null);
      if (read === 0) break;
      filled += read;
    }
    return filled === size ? bytes : bytes.subarray(0, filled);
  } finally {
    closeSync(descriptor);
  }
}

/** Writes beside the file and renames over it, keeping its permissions. */
function writeAtomically(absolute: string, text: string): void {
  const { mode } = statSync(absolute);
  const temporary = path.join(path.dirname(absolute), `.${path.basename(absolute)}.bender-${process.pid}.tmp`);
  try {
    writeFileSync(temporary, text, { encoding: "utf8", flag: "wx", mode });
    chmodSync(temporary, mode);
    renameSync(temporary, absolute);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // The temporary file was never created.
    }
    throw error;
  }
}
