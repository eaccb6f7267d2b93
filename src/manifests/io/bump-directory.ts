import type { ImageReference } from "../../image-ref/index.js";
import { bumpFile, byFileThenLine, mayReferTo, screenFor } from "../index.js";
import type { BumpResult, Change, ParseBudget, Skipped } from "../index.js";
import { NODE_FILE_SYSTEM } from "./file-system.js";
import type { FileSystem } from "./file-system.js";
import { walkTree } from "./walk-tree.js";
import { writeFiles } from "./write-files.js";
import type { FileWrite, WriteReport } from "./write-files.js";

/** Files larger than this are not manifests a person maintains; they are skipped rather than parsed. */
export const MAX_FILE_BYTES = 8 * 1024 * 1024;

export interface BumpDirectoryOptions {
  readonly root: string;
  readonly target: ImageReference;
  /** false: plan and report only (a dry run). */
  readonly write: boolean;
  /** How much YAML one file may make the engine parse; the engine's default when absent. */
  readonly budget?: ParseBudget;
  /** node:fs by default; tests fail one call. */
  readonly fileSystem?: FileSystem;
  /** Makes the random part of temporary names; tests pass their own. */
  readonly random?: () => string;
}

/** One file's new content, for writing or for showing as a diff. */
export interface FileEdit {
  readonly file: string;
  readonly before: string;
  readonly after: string;
}

export interface DirectoryBumpResult extends BumpResult {
  readonly edits: readonly FileEdit[];
  /** What was written, when writing; `notWritten` is non-empty only when a write failed. */
  readonly write?: WriteReport;
  /** References to the image that already hold the target's value (0 and no change: no file refers to the image). */
  readonly current: number;
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const WRITE_BITS = 0o222;

/**
 * Bumps every reference to the target under a directory.
 *
 * 1. Walk the tree (YAML files only; no dot-folders, node_modules or links
 *    out; a folder that cannot be listed is reported and passed over).
 * 2. Read each file and screen its bytes (`mayReferTo`); decode, parse and plan
 *    only those that may refer to the image. One bad file is reported and the
 *    rest go on; a read-only file that would change is refused, not written.
 * 3. When every file is planned, write the changed ones as one step
 *    (`writeFiles`: every temporary file, then every rename), so no file is
 *    half-written and a failure is reported file by file.
 */
export async function bumpDirectory(options: BumpDirectoryOptions): Promise<DirectoryBumpResult> {
  const fs = options.fileSystem ?? NODE_FILE_SYSTEM;
  const { files, refused } = walkTree(options.root, fs);
  const screen = screenFor(options.target);
  const changes: Change[] = [];
  const skipped: Skipped[] = refused.map((refusal) => ({ file: refusal.file, code: refusal.code, reason: refusal.reason }));
  const writes: FileWrite[] = [];
  let current = 0;

  // Reads are synchronous: files come from the page cache, and one open-read-close
  // per file beats four thread-pool round trips each.
  function planFile(entry: (typeof files)[number]): void {
    let read: FileRead | undefined;
    try {
      read = readUpTo(fs, entry.absolute, MAX_FILE_BYTES);
    } catch (error) {
      skipped.push({ file: entry.file, code: "unreadable", reason: `cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
      return;
    }
    if (read === undefined) {
      skipped.push({ file: entry.file, code: "too-large", reason: `larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB` });
      return;
    }
    if (!mayReferTo(read.bytes, screen)) return;
    let text: string;
    try {
      text = utf8.decode(read.bytes);
    } catch {
      skipped.push({ file: entry.file, code: "not-utf8", reason: "not UTF-8 text; Bender edits UTF-8 files only" });
      return;
    }
    const outcome = bumpFile(entry.file, text, options.target, options.budget);
    skipped.push(...outcome.skipped);
    current += outcome.current ?? 0;
    if (outcome.text === undefined) {
      changes.push(...outcome.changes);
      return;
    }
    if ((read.mode & WRITE_BITS) === 0) {
      const reason = `the file is read-only (mode ${(read.mode & 0o777).toString(8)}); make it writable for Bender to change it`;
      skipped.push({ file: entry.file, code: "read-only", reason });
      return;
    }
    changes.push(...outcome.changes);
    writes.push({ file: entry.file, absolute: entry.absolute, before: text, after: outcome.text, mode: read.mode, uid: read.uid, gid: read.gid });
  }

  for (const entry of files) planFile(entry);

  writes.sort(byFileThenLine);
  let write: WriteReport | undefined;
  if (options.write) write = writes.length > 0 ? writeFiles(writes, fs, options.random) : { written: [], notWritten: [] };
  return {
    changes: changes.sort(byFileThenLine),
    skipped: skipped.sort(byFileThenLine),
    edits: writes.map(({ file, before, after }) => ({ file, before, after })),
    current,
    ...(write ? { write } : {}),
  };
}

interface FileRead {
  readonly bytes: Buffer;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** Reads a whole file in one open, one fstat and one read; undefined when it is larger than `limit`. */
function readUpTo(fs: FileSystem, absolute: string, limit: number): FileRead | undefined {
  const descriptor = fs.openSync(absolute, "r");
  try {
    const { size, mode, uid, gid } = fs.fstatSync(descriptor);
    if (size > limit) return undefined;
    const bytes = Buffer.allocUnsafe(size);
    let filled = 0;
    while (filled < size) {
      const read = fs.readSync(descriptor, bytes, filled, size - filled, null);
      if (read === 0) break;
      filled += read;
    }
    return { bytes: filled === size ? bytes : bytes.subarray(0, filled), mode, uid, gid };
  } finally {
    fs.closeSync(descriptor);
  }
}
