/**
 * Scenario "sync-watch": `bender sync --watch` (bin/bender.js, default 10 s interval, GitHub App credentials) on
 * 1,000 objects, GitHub a local stand-in that checks the App's JWT and installation tokens, Kubernetes the fake
 * API; merges land at different points of the interval and the time until each is applied is measured. The
 * driver, bench/sync/watch.ts, is TypeScript (it reuses test/support), compiled first with tsconfig.bench.json.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { summarize } from "../lib/measure.js";

export const name = "sync-watch";
export const description = "bender sync --watch (10 s) as a GitHub App, 1,000 objects: time from a merge to applied, requests of idle runs, installation tokens issued, peak RSS";

/**
 * @param {import("./bump.js").ScenarioOptions} options
 * @returns {Promise<import("./bump.js").ScenarioResult>}
 */
export async function run(options) {
  const { repoRoot } = options;
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  const compiled = spawnSync(process.execPath, [tsc, "-p", "tsconfig.bench.json"], { cwd: repoRoot, encoding: "utf8" });
  if (compiled.status !== 0) throw new Error(`tsc -p tsconfig.bench.json failed:\n${compiled.stdout}${compiled.stderr}`);
  const driver = join(repoRoot, "bench", ".work", "dist", "bench", "sync", "watch.js");
  /** @type {{ run: (options: { repoRoot: string, runs: number, log: (line?: string) => void, summarize: typeof summarize }) => Promise<import("./bump.js").ScenarioResult> }} */
  const module = await import(pathToFileURL(driver).href);
  return module.run({ repoRoot, runs: options.runs, log: options.log, summarize });
}
