import { readdir, realpath, stat } from "node:fs/promises";
import path from "node:path";

/** A manifest file found under the root. */
export interface TreeFile {
  /** Relative to the root, `/`-separated. */
  readonly file: string;
  readonly absolute: string;
  readonly size: number;
}

/** A path the walk refused to follow. */
export interface TreeRefusal {
  readonly file: string;
  readonly reason: string;
}

const MANIFEST_FILE = /\.ya?ml$|^Kustomization$/;
const SKIPPED_FOLDERS = new Set(["node_modules"]);

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/**
 * Lists the YAML files under `root` in a stable order, skipping dot-folders
 * (`.git`, `.github`) and `node_modules`. Symbolic links are never followed:
 * one that points inside the root is reached by its real path anyway, and
 * one that points outside is refused, so nothing outside the root is read or
 * written.
 */
export async function walkTree(root: string): Promise<{ files: TreeFile[]; refused: TreeRefusal[] }> {
  const realRoot = await realpath(root);
  const files: TreeFile[] = [];
  const refused: TreeRefusal[] = [];
  const toRelative = (absolute: string): string => path.relative(realRoot, absolute).split(path.sep).join("/");

  async function visit(directory: string): Promise<void> {
    const entries = await readdir(directory, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const absolute = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".") && !SKIPPED_FOLDERS.has(entry.name)) await visit(absolute);
      } else if (entry.isSymbolicLink()) {
        const target = await realpath(absolute).catch(() => undefined);
        if (target === undefined || !isInside(realRoot, target)) {
          refused.push({
            file: toRelative(absolute),
            reason: "a symbolic link to outside the directory (or to nothing); Bender reads and writes only inside it",
          });
        }
      } else if (entry.isFile() && MANIFEST_FILE.test(entry.name)) {
        const { size } = await stat(absolute);
        files.push({ file: toRelative(absolute), absolute, size });
      }
    }
  }

  await visit(realRoot);
  return { files, refused };
}
