/**
 * Scenario "policy-sweep": what the release policy's periodic sweep costs GitHub and the clock (issue 13: at most
 * one GitHub read per manifest repository when nothing is due, on 200 open proposals). The driver,
 * bench/github/policy-sweep.ts, reuses the test harness (the fake GitHub repository, Bender's real server), so it is
 * compiled first with tsconfig.bench.json, as the "github" scenario's is.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const name = "policy-sweep";
export const description = "the release-policy sweep on 200 open proposals in 4 repositories: GitHub requests per repository per sweep (goal ≤ 1 when nothing is due) and its time";

/**
 * @param {import("./bump.js").ScenarioOptions} options
 * @returns {Promise<import("./bump.js").ScenarioResult>}
 */
export async function run(options) {
  const { repoRoot, log, runs } = options;
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  if (!existsSync(tsc) || !existsSync(join(repoRoot, "node_modules", "nock"))) {
    throw new Error("typescript or nock is missing: the policy-sweep scenario needs the dev dependencies (npm ci)");
  }
  const compiled = spawnSync(process.execPath, [tsc, "-p", "tsconfig.bench.json"], { cwd: repoRoot, encoding: "utf8" });
  if (compiled.status !== 0) {
    throw new Error(`tsc -p tsconfig.bench.json failed (${compiled.status ?? compiled.signal}):\n${compiled.stdout}${compiled.stderr}`);
  }
  const driver = join(repoRoot, "bench", ".work", "dist", "bench", "github", "policy-sweep.js");
  /** @type {{ run: (options: { repoRoot: string, runs: number, log: (line?: string) => void }) => Promise<import("./bump.js").ScenarioResult> }} */
  const module = await import(pathToFileURL(driver).href);
  return module.run({ repoRoot, runs, log });
}
