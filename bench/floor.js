/**
 * The floor the bump scenario is compared with: the least a Node process can
 * do with the tree. It walks the directory, reads every file and searches its
 * bytes for a string, then prints how many files contain it.
 *
 * Usage: `node bench/floor.js <dir> [needle]` (needle defaults to `ghcr.io/acme/api`).
 * Prints one JSON line: `{"files": n, "bytes": n, "matches": n}`.
 */
import { Buffer } from "node:buffer";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

const [root, needleText = "ghcr.io/acme/api"] = process.argv.slice(2);
if (!root) {
  console.error("usage: node bench/floor.js <dir> [needle]");
  process.exit(2);
}
const needle = Buffer.from(needleText, "utf8");
let files = 0;
let bytes = 0;
let matches = 0;

/** @param {string} directory */
function visit(directory) {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      visit(path);
    } else if (entry.isFile()) {
      const content = readFileSync(path);
      files++;
      bytes += content.length;
      if (content.includes(needle)) matches++;
    }
  }
}

visit(root);
console.log(JSON.stringify({ files, bytes, matches }));
