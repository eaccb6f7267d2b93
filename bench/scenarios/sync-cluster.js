/**
 * Scenario "sync-cluster": the cluster side of `bender sync` on 1,000 objects against the fake Kubernetes API,
 * with `kubectl apply --server-side` of the same objects as the peer. The driver, bench/sync-cluster/runs.ts,
 * is TypeScript (it reuses test/support/fake-kubernetes.ts), compiled first with tsconfig.bench.json.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { measureNode, summarize } from "../lib/measure.js";

export const name = "sync-cluster";
export const description = "cluster side of a sync run, 1,000 objects, fake Kubernetes API: requests, wall time, peak RSS per case; kubectl apply --server-side as the peer";

/**
 * @param {import("./bump.js").ScenarioOptions} options
 * @returns {Promise<import("./bump.js").ScenarioResult>}
 */
export async function run(options) {
  const { repoRoot } = options;
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const compiled = spawnSync(process.execPath, [tsc, "-p", "tsconfig.bench.json"], { cwd: repoRoot, encoding: "utf8" });
  if (compiled.status !== 0) throw new Error(`tsc -p tsconfig.bench.json failed:\n${compiled.stdout}${compiled.stderr}`);
  const driver = join(repoRoot, "bench", ".work", "dist", "bench", "sync-cluster", "runs.js");
  /** @type {{ run: (options: { repoRoot: string, workDir: string, runs: number, log: (line?: string) => void, measure: unknown }) => Promise<import("./bump.js").ScenarioResult> }} */
  const module = await import(pathToFileURL(driver).href);
  return module.run({ repoRoot, workDir: options.workDir, runs: options.runs, log: options.log, measure: { measureNode, summarize } });
}
