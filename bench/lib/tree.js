/**
 * File-tree helpers for scenarios: restore a working copy from a pristine
 * tree, list files, and find which files differ between two trees.
 */
import { cpSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * Replace `destination` with a fresh copy of `source`.
 * @param {string} source
 * @param {string} destination
 */
export function restoreTree(source, destination) {
  rmSync(destination, { recursive: true, force: true });
  cpSync(source, destination, { recursive: true });
}

/**
 * Every file under `root`, relative and `/`-separated, sorted.
 * @param {string} root
 * @returns {string[]}
 */
export function listFiles(root) {
  /** @type {string[]} */
  const out = [];
  /** @param {string} relative */
  const visit = (relative) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) visit(child);
      else out.push(child);
    }
  };
  visit("");
  return out.sort();
}

/**
 * Files whose bytes differ between two trees, plus files present in only one.
 * @param {string} before
 * @param {string} after
 * @returns {string[]} sorted relative paths
 */
export function changedFiles(before, after) {
  const left = listFiles(before);
  const right = new Set(listFiles(after));
  /** @type {Set<string>} */
  const changed = new Set();
  for (const file of left) {
    if (!right.has(file)) changed.add(file);
    else if (!readFileSync(join(before, file)).equals(readFileSync(join(after, file)))) changed.add(file);
    right.delete(file);
  }
  for (const file of right) changed.add(file);
  return [...changed].sort();
}
