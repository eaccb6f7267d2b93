/**
 * Scenario "github": GitHub round trips per build. The driver,
 * bench/github/roundtrips.ts, is TypeScript because it reuses the test
 * harness (test/support/fake-github.ts, test/support/bender-server.ts), so it
 * is compiled first with tsconfig.bench.json into bench/.work/dist (the
 * src/ modules the harness imports are compiled along), then imported.
 *
 * Bender's real server handles each build; nock intercepts every request to
 * api.github.com and answers it from the fake repository. The driver checks
 * the fake for the PRs, commits and merges each build should have made, and
 * throws when a check fails.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const name = "github";
export const description = "HTTP and content-creating requests to GitHub per build, through Bender's real server and a fake repository (nock)";

/**
 * @param {import("./bump.js").ScenarioOptions} options
 * @returns {Promise<import("./bump.js").ScenarioResult>}
 */
export async function run(options) {
  const { repoRoot, log } = options;
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  if (!existsSync(tsc) || !existsSync(join(repoRoot, "node_modules", "nock"))) {
    throw new Error("typescript or nock is missing: the github scenario needs the dev dependencies (npm ci)");
  }
  const compiled = spawnSync(process.execPath, [tsc, "-p", "tsconfig.bench.json"], { cwd: repoRoot, encoding: "utf8" });
  if (compiled.status !== 0) {
    throw new Error(`tsc -p tsconfig.bench.json failed (${compiled.status ?? compiled.signal}):\n${compiled.stdout}${compiled.stderr}`);
  }
  const driver = join(repoRoot, "bench", ".work", "dist", "bench", "github", "roundtrips.js");
  /** @type {{ run: (options: { repoRoot: string, log: (line?: string) => void }) => Promise<import("./bump.js").ScenarioResult> }} */
  const module = await import(pathToFileURL(driver).href);
  return module.run({ repoRoot, log });
}
