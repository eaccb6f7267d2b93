import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { extract as createExtract } from "tar-stream";
import type { Headers } from "tar-stream";
import type { SyncBudgets } from "../budgets.js";
import { SyncError } from "../sync-error.js";

/** The files of the configured paths, by repository path ("clusters/prod/app.yaml"), sorted. */
export type ExtractedTree = ReadonlyMap<string, Uint8Array>;

const REFUSED_TYPES = new Set(["character-device", "block-device", "fifo", "contiguous-file"]);

function isUnder(file: string, folders: readonly string[]): boolean {
  return folders.some((folder) => folder === "" || file === folder || file.startsWith(`${folder}/`));
}

/** Resolves `target` relative to the folder of `from`; undefined when it climbs out of the repository. */
function resolveLink(from: string, target: string): string | undefined {
  if (target.startsWith("/")) return undefined;
  const parts = from.split("/").slice(0, -1);
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join("/");
}

/** Names an entry's path problem, or undefined when the path is safe. */
function unsafeName(name: string): string | undefined {
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return "is an absolute path";
  if (name.split(/[/\\]/).includes("..")) return "climbs out of the tree with ..";
  if (name.includes("\0")) return "contains a NUL byte";
  return undefined;
}

/**
 * Reads a gzipped tarball as GitHub serves it (one top folder
 * `<owner>-<repo>-<sha>/`), keeping only files under `folders`. Hostile
 * entries anywhere in it (absolute paths, `..`, device files, links leaving
 * the repository or the configured paths) refuse the whole archive with the
 * entry named. Links inside the configured paths are followed.
 */
export async function extractTarball(gzipped: Readable, folders: readonly string[], budgets: SyncBudgets): Promise<ExtractedTree> {
  const files = new Map<string, Uint8Array>();
  const links = new Map<string, string>();
  const seenFolders = new Set<string>();
  let entries = 0;
  let compressed = 0;
  let extracted = 0;
  const extractor = createExtract();
  // The first refusal; the extractor is then destroyed without an error (streamx rethrows errors passed to its callbacks).
  let refusal: SyncError | undefined;

  extractor.on("entry", (header: Headers, stream, next) => {
    const fail = (error: SyncError) => {
      refusal ??= error;
      stream.resume();
      extractor.destroy();
    };
    entries++;
    if (entries > budgets.entries) return fail(new SyncError("over-budget", `archive: more than ${budgets.entries} entries; the budget is ${budgets.entries}`));
    if (header.type === "pax-global-header" || header.type === "pax-header") {
      stream.resume();
      return next();
    }
    const problem = unsafeName(header.name);
    if (problem) return fail(new SyncError("unsafe-entry", `archive entry "${header.name}" ${problem}; refused, nothing applied`));
    // GitHub's tarballs put everything under one top folder: strip it.
    const name = header.name.split("/").slice(1).join("/").replace(/\/$/, "");
    if (header.type && REFUSED_TYPES.has(header.type)) {
      return fail(new SyncError("unsafe-entry", `archive entry "${header.name}" is a ${header.type}; only files, folders and links inside the tree are allowed`));
    }
    if (header.type === "symlink" || header.type === "link") {
      const target = header.type === "link" ? resolveLink("", (header.linkname ?? "").split("/").slice(1).join("/")) : resolveLink(name, header.linkname ?? "");
      if (target === undefined) {
        return fail(new SyncError("unsafe-entry", `archive entry "${header.name}" is a link to "${header.linkname ?? ""}", outside the repository; refused`));
      }
      if (isUnder(name, folders)) {
        if (!isUnder(target, folders)) {
          return fail(new SyncError("unsafe-entry", `archive entry "${header.name}" links to "${target}", outside the configured paths (${folders.join(", ")}); refused`));
        }
        links.set(name, target);
      }
      stream.resume();
      return next();
    }
    if (header.type === "directory") {
      if (name !== "") seenFolders.add(name);
      stream.resume();
      return next();
    }
    if (!isUnder(name, folders)) {
      stream.resume();
      return next();
    }
    if ((header.size ?? 0) > budgets.fileBytes) return fail(new SyncError("over-budget", `${name}: ${header.size} bytes; the budget for one file is ${budgets.fileBytes}`));
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => {
      extracted += chunk.length;
      if (extracted > budgets.extractedBytes) {
        fail(new SyncError("over-budget", `the configured paths hold more than ${budgets.extractedBytes} bytes; that is the budget`));
        return;
      }
      chunks.push(chunk);
    });
    stream.on("end", () => {
      files.set(name, Buffer.concat(chunks));
      next();
    });
  });

  const counter = async function* (source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      compressed += chunk.length;
      if (compressed > budgets.archiveBytes) throw new SyncError("over-budget", `the tarball is larger than ${budgets.archiveBytes} bytes; that is the budget`);
      yield chunk;
    }
  };
  try {
    await pipeline(gzipped, counter, createGunzip(), extractor);
  } catch (error) {
    if (refusal) throw refusal;
    if (error instanceof SyncError) throw error;
    throw new SyncError("invalid-archive", `the tarball could not be read: ${(error as Error).message}`, { cause: error });
  }
  if (refusal) throw refusal;

  for (const [link, target] of links) {
    const content = files.get(target);
    if (content === undefined) {
      if (seenFolders.has(target)) throw new SyncError("unsafe-entry", `archive entry "${link}" links to the folder "${target}"; only links to files are followed`);
      throw new SyncError("unsafe-entry", `archive entry "${link}" links to "${target}", which the archive does not hold as a file`);
    }
    // A link is a copy once extracted (kustomize gets it as a file, render parses it): it counts toward the budget.
    extracted += content.length;
    if (extracted > budgets.extractedBytes) {
      throw new SyncError("over-budget", `the configured paths hold more than ${budgets.extractedBytes} bytes once links are followed; that is the budget`);
    }
    files.set(link, content);
  }
  for (const folder of folders) {
    if (folder !== "" && !seenFolders.has(folder) && ![...files.keys()].some((file) => isUnder(file, [folder]))) {
      throw new SyncError("path-not-found", `--path ${folder}: no such folder in the repository at this commit`);
    }
  }
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
