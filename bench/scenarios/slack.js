/**
 * Scenario "slack": 50 signed Pin clicks on 10 proposals, sent concurrently
 * while GitHub answers each call after 500 ms; the acknowledgement latency
 * (p50, p99, max) and the merges made. The driver, bench/slack/pin-clicks.ts,
 * is TypeScript because it reuses the test harness (test/support/), so it is
 * compiled first with tsconfig.bench.json into bench/.work/dist (the src/
 * modules it imports are compiled along), then imported.
 *
 * `--runs N` rounds (each on a fresh server and repository; the acks are
 * pooled), `--warmup N` batches of 5 warm-up clicks per round that GitHub
 * never sees. BENDER_BENCH_RETRY=production runs Bender with its production
 * retry policy (1 s between GraphQL documents) instead of the tests'.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const name = "slack";
export const description = "Pin clicks from Slack: ack latency and merges, 50 concurrent signed clicks on 10 proposals with GitHub answering after 500 ms (nock)";

/**
 * @param {import("./bump.js").ScenarioOptions} options
 * @returns {Promise<import("./bump.js").ScenarioResult>}
 */
export async function run(options) {
  const { repoRoot, log, runs, warmup } = options;
  const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
  if (!existsSync(tsc) || !existsSync(join(repoRoot, "node_modules", "nock"))) {
    throw new Error("typescript or nock is missing: the slack scenario needs the dev dependencies (npm ci)");
  }
  const compiled = spawnSync(process.execPath, [tsc, "-p", "tsconfig.bench.json"], { cwd: repoRoot, encoding: "utf8" });
  if (compiled.status !== 0) {
    throw new Error(`tsc -p tsconfig.bench.json failed (${compiled.status ?? compiled.signal}):\n${compiled.stdout}${compiled.stderr}`);
  }
  const driver = join(repoRoot, "bench", ".work", "dist", "bench", "slack", "pin-clicks.js");
  /** @type {{ run: (options: { repoRoot: string, log: (line?: string) => void, runs: number, warmup: number }) => Promise<import("./bump.js").ScenarioResult> }} */
  const module = await import(pathToFileURL(driver).href);
  return module.run({ repoRoot, log, runs, warmup });
}
