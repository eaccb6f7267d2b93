/**
 * Benchmark entry point: `npm run bench [-- <scenario> [options]]`
 * (npm run bench builds first, then runs `node bench/run.js`).
 *
 * Options:
 *   --runs N       measured runs of each program (default 5)
 *   --warmup N     unmeasured runs before them (default 1)
 *   --files N      files in the generated tree (default 2000)
 *   --seed S       generator seed (default "bender-bench-1")
 *   --strict       exit 1 when a goal is not met (a failed check always exits 1)
 *
 * Each scenario lives in bench/scenarios/<name>.js and exports `name`,
 * `description` and `run(options)`. The figures are printed as a table and,
 * last, as one JSON line.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/**
 * @typedef {object} Scenario
 * @property {string} name
 * @property {string} description
 * @property {(options: import("./scenarios/bump.js").ScenarioOptions) => Promise<import("./scenarios/bump.js").ScenarioResult>} run
 */

/** @type {Record<string, () => Promise<Scenario>>} */
const SCENARIOS = {
  bump: () => import("./scenarios/bump.js"),
  github: () => import("./scenarios/github.js"),
  hostile: () => import("./scenarios/hostile.js"),
  burst: () => import("./scenarios/burst.js"),
  slack: () => import("./scenarios/slack.js"),
  "slack-stop": () => import("./scenarios/slack-stop.js"),
  "github-stop": () => import("./scenarios/github-stop.js"),
  "sync-cluster": () => import("./scenarios/sync-cluster.js"),
  sync: () => import("./scenarios/sync.js"),
  policy: () => import("./scenarios/policy.js"),
  "policy-sweep": () => import("./scenarios/policy-sweep.js"),
  "sync-watch": () => import("./scenarios/sync-watch.js"),
};

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = dirname(benchDir);

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: "string", default: "5" },
      warmup: { type: "string", default: "1" },
      files: { type: "string", default: "2000" },
      seed: { type: "string", default: "bender-bench-1" },
      strict: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(`Usage: node bench/run.js [scenario] [--runs N] [--warmup N] [--files N] [--seed S] [--strict]\nScenarios:`);
    for (const [key, load] of Object.entries(SCENARIOS)) console.log(`  ${key}: ${(await load()).description}`);
    return 0;
  }
  const names = positionals.length > 0 ? positionals : Object.keys(SCENARIOS);
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  const files = Number(values.files);
  if (!(runs >= 1 && warmup >= 0 && files >= 10)) {
    console.error("--runs must be at least 1, --warmup at least 0, --files at least 10");
    return 2;
  }
  let exitCode = 0;
  for (const scenarioName of names) {
    const load = SCENARIOS[scenarioName];
    if (!load) {
      console.error(`unknown scenario "${scenarioName}"; known: ${Object.keys(SCENARIOS).join(", ")}`);
      return 2;
    }
    const scenario = await load();
    console.log(`== ${scenario.name}: ${scenario.description}`);
    const result = await scenario.run({
      repoRoot,
      workDir: join(benchDir, ".work", scenario.name),
      runs,
      warmup,
      files,
      seed: values.seed ?? "bender-bench-1",
      log: (line = "") => console.log(line),
    });
    console.log(JSON.stringify(result.figures));
    if (!result.valid || (values.strict && !result.goalsMet)) exitCode = 1;
  }
  return exitCode;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
