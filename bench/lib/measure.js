/**
 * Runs a Node script as a child process and measures it as a whole, start-up
 * included: wall time with `performance.now()` from spawn to exit, and the
 * child's own peak RSS, reported by `bench/report-rss.js` preloaded with
 * `--import`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPORT_RSS = pathToFileURL(fileURLToPath(new URL("../report-rss.js", import.meta.url))).href;

/**
 * @typedef {object} Measurement
 * @property {number} wallMs spawn to exit, in milliseconds
 * @property {number} maxRssKiB the child's peak resident set size, in KiB
 * @property {number | null} exitCode
 * @property {string | null} signal
 * @property {string} stdout
 * @property {string} stderr
 */

/**
 * @param {string} script path of the Node script to run
 * @param {readonly string[]} args
 * @param {{ cwd?: string, env?: Record<string, string | undefined> }} [options]
 * @returns {Promise<Measurement>}
 */
export async function measureNode(script, args, options = {}) {
  const scratch = mkdtempSync(join(tmpdir(), "bender-bench-rss-"));
  const rssFile = join(scratch, "maxrss");
  try {
    const child = spawn(process.execPath, ["--import", REPORT_RSS, script, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, ...options.env, BENCH_RSS_FILE: rssFile },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const started = performance.now();
    /** @type {string[]} */
    const out = [];
    /** @type {string[]} */
    const err = [];
    child.stdout.setEncoding("utf8").on("data", (chunk) => out.push(chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk) => err.push(chunk));
    /** @type {number} */
    let wallMs = 0;
    child.on("exit", () => {
      wallMs = performance.now() - started;
    });
    /** @type {[number | null, string | null]} */
    const [exitCode, signal] = await new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, sig) => resolve([code, sig]));
    });
    let maxRssKiB = Number.NaN;
    try {
      maxRssKiB = Number(readFileSync(rssFile, "utf8").trim());
    } catch {
      // The child died before its exit hook ran; the caller reports the exit status.
    }
    return { wallMs, maxRssKiB, exitCode, signal, stdout: out.join(""), stderr: err.join("") };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Median, min and max of a non-empty list.
 * @param {readonly number[]} values
 * @returns {{ median: number, min: number, max: number }}
 */
export function summarize(values) {
  if (values.length === 0) throw new Error("no values to summarize");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? /** @type {number} */ (sorted[mid]) : (/** @type {number} */ (sorted[mid - 1]) + /** @type {number} */ (sorted[mid])) / 2;
  return { median, min: /** @type {number} */ (sorted[0]), max: /** @type {number} */ (sorted[sorted.length - 1]) };
}
