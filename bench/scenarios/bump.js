/**
 * Scenario "bump": the real CLI, as a whole process, against a synthetic
 * manifest tree, compared with a floor process that only reads the tree and
 * searches it for the repository name.
 *
 *   bender: node bin/bender.js bump ghcr.io/acme/api:9.9.9 --dir <tree>
 *   floor:  node bench/floor.js <tree> ghcr.io/acme/api
 *
 * Bump rewrites files in place, so every run gets a fresh copy of the pristine
 * tree (copy time not measured) and the real write path is what is timed.
 * Before timing, one `--json` run is checked against the generator's record:
 * changes must be listed in exactly the files that reference the image, and
 * exactly those files must differ from the pristine tree afterwards.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { TARGET_REPOSITORY, generateTree } from "../generate-manifests.js";
import { measureNode, summarize } from "../lib/measure.js";
import { changedFiles, listFiles, restoreTree } from "../lib/tree.js";

export const name = "bump";
export const description = "bender bump over a ~2,000-file, ~20,000-document manifest tree, against a read-and-search floor";

const NEW_TAG = "9.9.9";
const GOAL_RATIO = 3;
const GOAL_RSS_MB = 150;
const MB = 1e6;

/**
 * @typedef {object} ScenarioOptions
 * @property {string} repoRoot
 * @property {string} workDir scratch folder for this scenario (git-ignored)
 * @property {number} runs measured runs of each program
 * @property {number} warmup unmeasured runs of each program before them
 * @property {number} files files in the generated tree
 * @property {string} seed
 * @property {(line?: string) => void} log
 */

/**
 * @typedef {object} ScenarioResult
 * @property {boolean} valid the measurement is trustworthy (the checks passed)
 * @property {boolean} goalsMet
 * @property {Record<string, unknown>} figures one JSON object for notes to quote
 */

/**
 * @param {string} what
 * @param {import("../lib/measure.js").Measurement} m
 */
function assertExited(what, m) {
  if (m.exitCode !== 0) {
    throw new Error(`${what} exited with ${m.exitCode ?? m.signal}\n--- stderr ---\n${m.stderr.slice(0, 4000)}\n--- stdout ---\n${m.stdout.slice(0, 2000)}`);
  }
  if (!Number.isFinite(m.maxRssKiB)) throw new Error(`${what} did not report its peak RSS (was bench/report-rss.js loaded?)`);
}

/**
 * @param {readonly string[]} a
 * @param {readonly string[]} b
 * @returns {{ missing: string[], extra: string[] }} what b lacks from a, and what b adds
 */
function difference(a, b) {
  const left = new Set(a);
  const right = new Set(b);
  return { missing: a.filter((x) => !right.has(x)), extra: b.filter((x) => !left.has(x)) };
}

/**
 * @param {ScenarioOptions} options
 * @returns {Promise<ScenarioResult>}
 */
export async function run(options) {
  const { repoRoot, workDir, log } = options;
  const bender = join(repoRoot, "bin", "bender.js");
  const floor = fileURLToPath(new URL("../floor.js", import.meta.url));
  if (!existsSync(bender) || !existsSync(join(repoRoot, "dist", "cli", "main.js"))) {
    throw new Error("bin/bender.js or dist/cli/main.js is missing: run `npm run build` (npm run bench does)");
  }
  const pristine = join(workDir, "pristine");
  const tree = join(workDir, "run");
  mkdirSync(workDir, { recursive: true });

  const generated = performance.now();
  const summary = generateTree(pristine, { seed: options.seed, files: options.files });
  const generateSeconds = (performance.now() - generated) / 1000;
  const targetFiles = summary.targets.map((t) => t.file);
  const floorExpected = listFiles(pristine).filter((f) => readFileSync(join(pristine, f), "utf8").includes(TARGET_REPOSITORY)).length;
  log(`Tree: ${summary.files} files, ${summary.documents} YAML documents, ${(summary.bytes / MB).toFixed(1)} MB` +
    ` (seed ${JSON.stringify(summary.seed)}, generated in ${generateSeconds.toFixed(1)} s into ${pristine})`);
  log(`  ${TARGET_REPOSITORY} in ${targetFiles.length} files (${summary.targets.reduce((n, t) => n + t.references, 0)} references);` +
    ` ${floorExpected} files contain the string; ${summary.filesWithLastComponent} contain "${TARGET_REPOSITORY.split("/").pop()}"`);

  const reference = `${TARGET_REPOSITORY}:${NEW_TAG}`;
  const benderArgs = ["bump", reference, "--dir", tree];

  // 1. Check that the measured command does the work: one --json run, compared with the generator's record.
  restoreTree(pristine, tree);
  const checked = await measureNode(bender, [...benderArgs, "--json"], { cwd: repoRoot });
  assertExited("bender bump --json", checked);
  /** @type {{ changes: { file: string, line: number, kind: string, before: string, after: string }[], skipped: { file: string, code: string, reason: string }[] }} */
  const output = JSON.parse(checked.stdout);
  /** @type {string[]} */
  const problems = [];
  const changedByJson = [...new Set(output.changes.map((c) => c.file))].sort();
  const json = difference(targetFiles, changedByJson);
  if (json.missing.length > 0) problems.push(`--json lists no change in ${json.missing.length} target file(s): ${json.missing.join(", ")}`);
  if (json.extra.length > 0) problems.push(`--json lists changes in ${json.extra.length} file(s) without the target: ${json.extra.join(", ")}`);
  for (const target of summary.targets) {
    const count = output.changes.filter((c) => c.file === target.file).length;
    if (count !== target.references && !json.missing.includes(target.file)) {
      problems.push(`${target.file}: ${count} change(s) listed, the generator wrote ${target.references} reference(s)`);
    }
  }
  for (const change of output.changes) {
    if (!change.after.includes(NEW_TAG)) problems.push(`${change.file}:${change.line}: "after" is ${JSON.stringify(change.after)}, without ${NEW_TAG}`);
  }
  const onDisk = difference(targetFiles, changedFiles(pristine, tree));
  if (onDisk.missing.length > 0) problems.push(`${onDisk.missing.length} target file(s) unchanged on disk: ${onDisk.missing.join(", ")}`);
  if (onDisk.extra.length > 0) problems.push(`${onDisk.extra.length} other file(s) changed on disk: ${onDisk.extra.join(", ")}`);
  const kinds = /** @type {Record<string, number>} */ ({});
  for (const change of output.changes) kinds[change.kind] = (kinds[change.kind] ?? 0) + 1;
  log(`Check (--json run): ${output.changes.length} changes in ${changedByJson.length} files ` +
    `(${Object.entries(kinds).map(([k, n]) => `${k} ${n}`).join(", ")}), ${output.skipped.length} skipped`);
  for (const skip of output.skipped.slice(0, 5)) log(`  skipped ${skip.file}: ${skip.code}: ${skip.reason}`);
  if (problems.length > 0) {
    for (const problem of problems) log(`  FAIL ${problem}`);
    throw new Error("bender's output does not match the generated tree; refusing to time it");
  }
  log(`  OK: changes in exactly the ${targetFiles.length} target files, and only those files changed on disk`);

  // 2. Time both programs the same way, interleaved, each on a fresh copy of the tree.
  /** @type {{ bender: import("../lib/measure.js").Measurement[], floor: import("../lib/measure.js").Measurement[] }} */
  const samples = { bender: [], floor: [] };
  const total = options.warmup + options.runs;
  for (let i = 0; i < total; i++) {
    const measured = i >= options.warmup;
    restoreTree(pristine, tree);
    const f = await measureNode(floor, [tree, TARGET_REPOSITORY], { cwd: repoRoot });
    assertExited("floor", f);
    const floorOut = JSON.parse(f.stdout);
    if (floorOut.files !== summary.files || floorOut.matches !== floorExpected) {
      throw new Error(`floor read ${floorOut.files} files and found ${floorOut.matches} matches; expected ${summary.files} and ${floorExpected}`);
    }
    restoreTree(pristine, tree);
    const b = await measureNode(bender, benderArgs, { cwd: repoRoot });
    assertExited("bender bump", b);
    for (const file of targetFiles) {
      if (!readFileSync(join(tree, file), "utf8").includes(NEW_TAG)) throw new Error(`run ${i + 1}: ${file} was not bumped`);
    }
    if (measured) {
      samples.floor.push(f);
      samples.bender.push(b);
    }
    log(`  ${measured ? `run ${i - options.warmup + 1}/${options.runs}` : "warm-up"}: ` +
      `bender ${b.wallMs.toFixed(0)} ms, ${(b.maxRssKiB / 1024).toFixed(0)} MB; floor ${f.wallMs.toFixed(0)} ms, ${(f.maxRssKiB / 1024).toFixed(0)} MB`);
  }

  /** @param {import("../lib/measure.js").Measurement[]} list */
  const figures = (list) => {
    const wall = summarize(list.map((m) => m.wallMs));
    const peakRssMb = Math.max(...list.map((m) => m.maxRssKiB)) / 1024;
    return { wallMs: wall, mbPerSecond: summary.bytes / MB / (wall.median / 1000), peakRssMb };
  };
  const b = figures(samples.bender);
  const f = figures(samples.floor);
  const ratio = b.wallMs.median / f.wallMs.median;
  const goals = {
    withinRatio: { goal: `within ${GOAL_RATIO}x of the floor`, value: ratio, met: ratio <= GOAL_RATIO },
    rssUnder: { goal: `peak RSS under ${GOAL_RSS_MB} MB`, value: b.peakRssMb, met: b.peakRssMb < GOAL_RSS_MB },
  };

  const row = (/** @type {string} */ label, /** @type {ReturnType<typeof figures>} */ x) =>
    `${label.padEnd(8)}${x.wallMs.median.toFixed(0).padStart(9)}${x.wallMs.min.toFixed(0).padStart(8)}${x.wallMs.max.toFixed(0).padStart(8)}` +
    `${x.mbPerSecond.toFixed(1).padStart(9)}${x.peakRssMb.toFixed(0).padStart(11)}`;
  log("");
  log(`bump ${reference}: ${summary.files} files, ${summary.documents} documents, ${(summary.bytes / MB).toFixed(1)} MB; median of ${options.runs} runs (+${options.warmup} warm-up), whole process`);
  log("(MB/s: 10^6 bytes of tree per second of median wall time; RSS in MiB, the max over the measured runs)");
  log(`${"".padEnd(8)}${"wall ms".padStart(9)}${"min".padStart(8)}${"max".padStart(8)}${"MB/s".padStart(9)}${"peak RSS MB".padStart(13)}`);
  log(row("bender", b));
  log(row("floor", f));
  log(`ratio bender/floor: wall ${ratio.toFixed(2)}x, peak RSS ${(b.peakRssMb / f.peakRssMb).toFixed(2)}x`);
  log("Goals:");
  log(`  ${goals.withinRatio.goal}: ${ratio.toFixed(2)}x  ${goals.withinRatio.met ? "MET" : "NOT MET"}`);
  log(`  ${goals.rssUnder.goal}: ${b.peakRssMb.toFixed(0)} MB  ${goals.rssUnder.met ? "MET" : "NOT MET"}`);

  const round = (/** @type {number} */ x) => Math.round(x * 100) / 100;
  return {
    valid: true,
    goalsMet: goals.withinRatio.met && goals.rssUnder.met,
    figures: {
      scenario: name,
      node: process.version,
      tree: { files: summary.files, documents: summary.documents, bytes: summary.bytes, seed: summary.seed, targetFiles: targetFiles.length, changes: output.changes.length },
      runs: options.runs,
      bender: { wallMsMedian: round(b.wallMs.median), wallMsMin: round(b.wallMs.min), wallMsMax: round(b.wallMs.max), mbPerSecond: round(b.mbPerSecond), peakRssMb: round(b.peakRssMb) },
      floor: { wallMsMedian: round(f.wallMs.median), wallMsMin: round(f.wallMs.min), wallMsMax: round(f.wallMs.max), mbPerSecond: round(f.mbPerSecond), peakRssMb: round(f.peakRssMb) },
      ratio: { wall: round(ratio), peakRss: round(b.peakRssMb / f.peakRssMb) },
      goals: { withinRatio: { max: GOAL_RATIO, met: goals.withinRatio.met }, peakRssMb: { max: GOAL_RSS_MB, met: goals.rssUnder.met } },
    },
  };
}
