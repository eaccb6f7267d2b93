import path from "node:path";
import { NODE_FILE_SYSTEM } from "./file-system.js";
import type { FileSystem } from "./file-system.js";

/** A manifest file found under the root. */
export interface TreeFile {
  /** Relative to the root, `/`-separated. */
  readonly file: string;
  readonly absolute: string;
}

/** A path the walk refused to follow (a link out of the root), or a folder it could not list. */
export interface TreeRefusal {
  readonly file: string;
  readonly code: "outside-root" | "unreadable";
  readonly reason: string;
}

const MANIFEST_FILE = /\.ya?ml$|^Kustomization$/;
const SKIPPED_FOLDERS = new Set(["node_modules"]);

function resolveLink(fs: FileSystem, link: string): string | undefined {
  try {
    return fs.realpathSync(link);
  } catch {
    return undefined;
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/**
 * Lists the YAML files under `root` in a stable order, skipping dot-folders
 * (`.git`, `.github`) and `node_modules`. Symbolic links are never followed:
 * one that points inside the root is reached by its real path anyway, and
 * one that points outside is refused, so nothing outside the root is read or
 * written. The calls are synchronous: for a CLI walking a local tree they
 * are several times faster than the thread-pool round trips of fs/promises.
 * A folder that cannot be listed is reported and passed over, as an
 * unreadable file is.
 */
export function walkTree(root: string, fs: FileSystem = NODE_FILE_SYSTEM): { files: TreeFile[]; refused: TreeRefusal[] } {
  const realRoot = fs.realpathSync(root);
  const files: TreeFile[] = [];
  const refused: TreeRefusal[] = [];
  const toRelative = (absolute: string): string => path.relative(realRoot, absolute).split(path.sep).join("/");

  function visit(directory: string): void {
    let entries;
    try {
      entries = fs.readdirSync(directory, { withFileTypes: true });
    } catch (error) {
      if (directory === realRoot) throw error;
      const reason = `this folder cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}; nothing in it was looked at`;
      refused.push({ file: toRelative(directory), code: "unreadable", reason });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const absolute = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".") && !SKIPPED_FOLDERS.has(entry.name)) visit(absolute);
      } else if (entry.isSymbolicLink()) {
        const target = resolveLink(fs, absolute);
        if (target === undefined || !isInside(realRoot, target)) {
          refused.push({
            file: toRelative(absolute),
            code: "outside-root",
            reason: "a symbolic link to outside the directory (or to nothing); Bender reads and writes only inside it",
          });
        }
      } else if (entry.isFile() && MANIFEST_FILE.test(entry.name)) {
        files.push({ file: toRelative(absolute), absolute });
      }
    }
  }

  visit(realRoot);
  return { files, refused };
}
