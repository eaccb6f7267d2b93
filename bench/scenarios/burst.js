/**
 * Scenario "burst" (issue 14): 500 builds in about a minute against a fake
 * GitHub that enforces the documented secondary limits, and a 50-build
 * control without limits. The driver, bench/github/burst.ts, reuses the test
 * harness, so it is compiled first with tsconfig.bench.json (like "github").
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const name = "burst";
export const description = "a CI burst (500 builds, 100 images, 2 environments) through the queue against GitHub's secondary limits, plus a 50-build control";

/**
 * @param {import("./bump.js").ScenarioOptions} options
 * @returns {Promise<import("./bump.js").ScenarioResult>}
 */
export async function run(options) {
  const { repoRoot, log } = options;
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  if (!existsSync(tsc) || !existsSync(join(repoRoot, "node_modules", "nock"))) {
    throw new Error("typescript or nock is missing: the burst scenario needs the dev dependencies (npm ci)");
  }
  const compiled = spawnSync(process.execPath, [tsc, "-p", "tsconfig.bench.json"], { cwd: repoRoot, encoding: "utf8" });
  if (compiled.status !== 0) {
    throw new Error(`tsc -p tsconfig.bench.json failed (${compiled.status ?? compiled.signal}):\n${compiled.stdout}${compiled.stderr}`);
  }
  const driver = join(repoRoot, "bench", ".work", "dist", "bench", "github", "burst.js");
  /** @type {{ run: (options: { log: (line?: string) => void }) => Promise<import("./bump.js").ScenarioResult> }} */
  const module = await import(pathToFileURL(driver).href);
  return module.run({ log });
}
