/**
 * The server's planning step over budget-sized files, in a process of its
 * own (`node bench/hostile/planning.js <mode> <files>`), with the event loop
 * watched (monitorEventLoopDelay, 1 ms resolution) and a 10 ms timer counting
 * how late it fires. Prints one JSON line `{ms, loopDelayP99Ms,
 * loopDelayMaxMs, lateTimerMaxMs, outcome}`.
 *
 * Modes, all with the built engine in dist/ and its default parse budget:
 * - `sync`: `planProposal` on the event loop, as the server planned before
 *   issue 9's last requirement (one call for every file of the environment);
 * - `inline`: the engine in process, yielding between files (BENDER_ENGINE_WORKERS=0);
 * - `pool`: the server's default, `EnginePool` with its default size, heap and
 *   time limits, then the pure decision (as src/github/propose-build.ts does).
 *
 * Each file is a Helm values file at the parse budget (450 services, about
 * 9,900 node marks), every one referring to the image: the most the budget
 * lets one file cost.
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { clearInterval, setInterval, setTimeout } from "node:timers";
import { parseReference } from "../../dist/image-ref/index.js";
import { DEFAULT_ENGINE_POOL, EnginePool } from "../../dist/manifests/io/engine-pool.js";
import { bumpFiles, inlineEngine } from "../../dist/manifests/io/manifest-engine.js";
import { parseHolds } from "../../dist/proposals/holds.js";
import { decideProposal, planProposal, proposalFiles } from "../../dist/proposals/plan-proposal.js";

const [mode = "pool", count = "8"] = process.argv.slice(2);
const parsed = parseReference("ghcr.io/acme/api:1.4.1");
if (!parsed.ok) throw new Error("bad reference");
const build = { image: parsed.reference, origin: "webhook" };

function values(services) {
  let text = "";
  for (let index = 0; index < services; index++) {
    text += `svc${index}:\n  image:\n    repository: ghcr.io/acme/api\n    tag: "1.4.0"\n  resources:\n    limits: {cpu: 100m, memory: 128Mi}\n  enabled: true\n  name: some-name-${index}\n  replicas: 2\n`;
  }
  return text;
}

const files = Array.from({ length: Number(count) }, (_, index) => ({ path: `clusters/prod/values-${index}.yaml`, text: values(450) }));
const snapshot = { environment: "production", config: { paths: ["clusters/prod"], autoPin: false }, baseBranch: "main", files, unreadable: [], holds: parseHolds(undefined) };

const pool = mode === "pool" ? new EnginePool(DEFAULT_ENGINE_POOL) : undefined;
const loop = monitorEventLoopDelay({ resolution: 1 });
let lateTimerMaxMs = 0;
let expected = performance.now() + 10;
const timer = setInterval(() => {
  const now = performance.now();
  lateTimerMaxMs = Math.max(lateTimerMaxMs, now - expected);
  expected = now + 10;
}, 10);
loop.enable();
await new Promise((resolve) => setTimeout(resolve, 100));

const started = performance.now();
let plan;
if (mode === "sync") plan = planProposal(build, snapshot, "https://github.com");
else {
  const outcomes = await bumpFiles(pool ?? inlineEngine, proposalFiles(snapshot), build.image);
  plan = decideProposal(build, snapshot, outcomes, "https://github.com");
}
const ms = performance.now() - started;

await new Promise((resolve) => setTimeout(resolve, 50));
loop.disable();
clearInterval(timer);
await pool?.stop();
console.log(
  JSON.stringify({
    ms,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    loopDelayMaxMs: loop.max / 1e6,
    lateTimerMaxMs,
    outcome: { action: plan.action, changes: plan.changes?.length ?? 0, skipped: plan.skipped.map((skip) => skip.code) },
  }),
);
