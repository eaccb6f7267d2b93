/**
 * Scenario "sync": the whole `bender sync` run (bin/bender.js) on 1,000 objects, GitHub a local GitHub Enterprise
 * stand-in and Kubernetes the fake API, with `kubectl apply --server-side` of the same objects as the peer. The
 * driver, bench/sync/runs.ts, is TypeScript (it reuses test/support), compiled first with tsconfig.bench.json.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { measureNode, summarize } from "../lib/measure.js";

export const name = "sync";
export const description = "whole bender sync runs, 1,000 objects, local GitHub stand-in + fake Kubernetes API: requests on both sides, wall time, peak RSS per case; kubectl apply --server-side as the peer";

/**
 * @param {import("./bump.js").ScenarioOptions} options
 * @returns {Promise<import("./bump.js").ScenarioResult>}
 */
export async function run(options) {
  const { repoRoot } = options;
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const compiled = spawnSync(process.execPath, [tsc, "-p", "tsconfig.bench.json"], { cwd: repoRoot, encoding: "utf8" });
  if (compiled.status !== 0) throw new Error(`tsc -p tsconfig.bench.json failed:\n${compiled.stdout}${compiled.stderr}`);
  const driver = join(repoRoot, "bench", ".work", "dist", "bench", "sync", "runs.js");
  /** @type {{ run: (options: { repoRoot: string, workDir: string, runs: number, log: (line?: string) => void, measure: unknown }) => Promise<import("./bump.js").ScenarioResult> }} */
  const module = await import(pathToFileURL(driver).href);
  return module.run({ repoRoot, workDir: options.workDir, runs: options.runs, log: options.log, measure: { measureNode, summarize } });
}
