import { randomBytes } from "node:crypto";
import { chmod, open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { mergeEnvFile } from "../env-file.js";
import type { EnvMerge } from "../env-file.js";

/** One write at a time per process: two set-up requests at once must not lose each other's keys. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Adds `values` to the .env file at `file` without overwriting a value already there. The new file is written
 * to a temporary file in the same folder with mode 0600 (it holds secrets), flushed, then renamed over the old
 * one, so a reader sees the old file or the new one, never half of one.
 */
export function addToEnvFile(file: string, values: Readonly<Record<string, string>>): Promise<EnvMerge> {
  const run = queue.then(() => writeMerged(file, values));
  queue = run.catch(() => undefined);
  return run;
}

async function writeMerged(file: string, values: Readonly<Record<string, string>>): Promise<EnvMerge> {
  const existing = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
  const merge = mergeEnvFile(existing, values);
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temporary, "wx", 0o600);
  try {
    await handle.writeFile(merge.text);
    await handle.sync();
    await handle.close();
    await chmod(temporary, 0o600); // the umask may have taken bits off, never added; make it exact
    await rename(temporary, file);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
  return merge;
}
