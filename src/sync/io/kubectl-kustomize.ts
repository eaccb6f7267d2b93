import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { SyncBudgets } from "../budgets.js";
import type { Kustomize } from "../render-tree.js";
import { SyncError } from "../sync-error.js";

/** A kustomize renderer over a temporary copy of the extracted tree; `close()` removes the copy. */
export interface KustomizeSession {
  readonly kustomize: Kustomize;
  close(): Promise<void>;
}

/**
 * `kubectl kustomize <folder>` (kustomize is built into kubectl) run on a
 * temporary copy of the extracted files, written only when a kustomization is
 * met. Kustomize's default load restrictor keeps it inside the tree, and Helm
 * inflation stays off. `kubectl` is the binary's name or path (KUBECTL).
 */
export function kubectlKustomize(files: ReadonlyMap<string, Uint8Array>, budgets: SyncBudgets, kubectl = "kubectl"): KustomizeSession {
  let root: Promise<string> | undefined;
  const materialise = async (): Promise<string> => {
    const folder = await mkdtemp(path.join(tmpdir(), "bender-sync-"));
    for (const [file, content] of files) {
      const target = path.join(folder, ...file.split("/"));
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    return folder;
  };
  const kustomize: Kustomize = async (folder) => {
    root ??= materialise();
    const base = await root;
    const directory = path.join(base, ...folder.split("/").filter(Boolean));
    return new Promise<string>((resolve, reject) => {
      execFile(kubectl, ["kustomize", directory], { maxBuffer: budgets.kustomizeOutputBytes, timeout: budgets.kustomizeMs, env: { PATH: process.env.PATH ?? "", HOME: tmpdir() } }, (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const failure = error as NodeJS.ErrnoException & { killed?: boolean };
        const where = folder || ".";
        if (failure.code === "ENOENT") {
          return reject(new SyncError("kubectl-missing", `${where} has a kustomization, and rendering it needs kubectl (${kubectl} was not found): install kubectl or set KUBECTL to its path; the bender image ships it`));
        }
        if (failure.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") {
          return reject(new SyncError("over-budget", `${where} (kustomize): printed more than ${budgets.kustomizeOutputBytes} bytes; that is the budget`));
        }
        if (failure.killed) return reject(new SyncError("over-budget", `${where} (kustomize): took longer than ${budgets.kustomizeMs} ms; that is the budget`));
        // kustomize names files by their temporary path: show them as repository paths.
        const reason = (stderr.trim().split("\n").at(-1) ?? failure.message).replaceAll(`${base}${path.sep}`, "").replaceAll(base, ".");
        reject(new SyncError("kustomize-failed", `${where} (kustomize): ${reason}`, { cause: error }));
      });
    });
  };
  return {
    kustomize,
    close: async () => {
      if (root) await rm(await root, { recursive: true, force: true });
    },
  };
}
