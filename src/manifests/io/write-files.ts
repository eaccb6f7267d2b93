import { randomBytes } from "node:crypto";
import path from "node:path";
import type { FileSystem } from "./file-system.js";

/** One file to replace: its new text, and the text it holds now (to put back when a later rename fails). */
export interface FileWrite {
  readonly file: string;
  readonly absolute: string;
  readonly before: string;
  readonly after: string;
  /** The target's mode, owner and group, kept on the new file. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export interface WriteReport {
  /** Files that hold their new text. */
  readonly written: string[];
  /** Files left as they were (or put back), each with why. */
  readonly notWritten: { readonly file: string; readonly reason: string }[];
}

/** Characters of the target's name kept in a temporary name: a long name must not push it past the 255-byte limit. */
const NAME_KEPT = 48;
/** Attempts at a free temporary name (a file left by a killed run may hold one). */
const NAME_ATTEMPTS = 3;

function randomHex(): string {
  return randomBytes(8).toString("hex");
}

/**
 * A temporary name beside the target: a dot-file (kept out of globs), not a
 * manifest by its extension, and random, so a file left by a killed run never
 * collides with a later one (a PID does: in a container it is always 1).
 */
export function temporaryName(absolute: string, random: () => string = randomHex): string {
  return path.join(path.dirname(absolute), `.${path.basename(absolute).slice(0, NAME_KEPT)}.bender-${random()}.tmp`);
}

function reasonOf(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  return code ?? message;
}

/**
 * Replaces several files as one step, as far as a file system allows.
 *
 * 1. Write every new text to a temporary file beside its target, with the
 *    target's mode, owner and group. Any failure: remove the temporary files;
 *    nothing was touched.
 * 2. Rename each over its target. A rename that fails: put the files already
 *    renamed back (their old text, written the same way), remove the rest of
 *    the temporary files, and report exactly what holds what.
 */
export function writeFiles(writes: readonly FileWrite[], fs: FileSystem, random?: () => string): WriteReport {
  const temporaries: string[] = [];
  const removeTemporaries = (from: number): void => {
    for (const temporary of temporaries.slice(from)) {
      try {
        fs.unlinkSync(temporary);
      } catch {
        // Already gone.
      }
    }
  };

  // 1. Every temporary file first.
  for (const write of writes) {
    try {
      writeTemporary(fs, write, write.after, random, (temporary) => temporaries.push(temporary));
    } catch (error) {
      removeTemporaries(0);
      const failed = `cannot write a temporary file beside it: ${reasonOf(error)}`;
      return {
        written: [],
        notWritten: writes.map(({ file }) => ({ file, reason: file === write.file ? failed : `writing ${write.file} failed first, so nothing was replaced` })),
      };
    }
  }

  // 2. Then every rename.
  for (const [index, write] of writes.entries()) {
    try {
      fs.renameSync(temporaries[index] ?? "", write.absolute);
    } catch (error) {
      removeTemporaries(index);
      const renamed = writes.slice(0, index);
      const report: WriteReport = { written: [], notWritten: [{ file: write.file, reason: `cannot replace it: ${reasonOf(error)}` }] };
      for (const done of renamed) {
        const restored = putBack(fs, done, random);
        if (restored === undefined) report.notWritten.push({ file: done.file, reason: `written, then put back as it was because ${write.file} could not be replaced` });
        else report.written.push(done.file);
      }
      for (const rest of writes.slice(index + 1)) report.notWritten.push({ file: rest.file, reason: `replacing ${write.file} failed first` });
      report.notWritten.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
      return report;
    }
  }
  return { written: writes.map(({ file }) => file), notWritten: [] };
}

/** Opens a new temporary file beside the target under a free random name. */
function openTemporary(fs: FileSystem, absolute: string, random?: () => string): { temporary: string; descriptor: number } {
  for (let attempt = 1; ; attempt++) {
    const temporary = temporaryName(absolute, random);
    try {
      return { temporary, descriptor: fs.openSync(temporary, "wx", 0o600) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= NAME_ATTEMPTS) throw error;
    }
  }
}

/**
 * Writes `text` to a new temporary file beside the target, with the
 * target's mode and owner; `created` gets its name once it exists.
 */
function writeTemporary(fs: FileSystem, target: FileWrite, text: string, random: (() => string) | undefined, created: (temporary: string) => void): string {
  const { temporary, descriptor } = openTemporary(fs, target.absolute, random);
  created(temporary);
  try {
    const bytes = Buffer.from(text, "utf8");
    let offset = 0;
    while (offset < bytes.length) offset += fs.writeSync(descriptor, bytes, offset, bytes.length - offset);
    const made = fs.fstatSync(descriptor);
    if (made.uid !== target.uid || made.gid !== target.gid) fs.fchownSync(descriptor, target.uid, target.gid);
    fs.fchmodSync(descriptor, target.mode & 0o7777);
  } finally {
    fs.closeSync(descriptor);
  }
  return temporary;
}

/** Puts a renamed file's old text back; returns the error's reason when it could not. */
function putBack(fs: FileSystem, write: FileWrite, random?: () => string): string | undefined {
  let made: string | undefined;
  try {
    const temporary = writeTemporary(fs, write, write.before, random, (name) => (made = name));
    fs.renameSync(temporary, write.absolute);
    return undefined;
  } catch (error) {
    if (made !== undefined) {
      try {
        fs.unlinkSync(made);
      } catch {
        // Already gone.
      }
    }
    return reasonOf(error);
  }
}
