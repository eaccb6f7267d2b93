/**
 * Scenario "policy": what the clock sweep's decision costs on the event loop
 * (issue 13). `dueActions` for 200 open proposals in 10 environments with
 * windows, blackouts and 2-of-3 approvals, at three instants: a weekday inside
 * the windows, a weekend (every gate closed, each looking ahead to Monday)
 * and just after a Berlin daylight-saving change; plus the worst single
 * schedule (blackouts chained past the 800-day horizon). `--runs N` measured
 * rounds of each. Goal: a sweep decision under 50 ms (it runs every minute
 * on the server's event loop). The GitHub side of the sweep (one read per
 * manifest repository when nothing is due) is not built yet.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { performance } from "node:perf_hooks";

export const name = "policy";
export const description = "the release-policy sweep decision (dueActions) for 200 proposals in 10 environments; goal < 50 ms";

const GOAL_MS = 50;

/** @param {{ repoRoot: string, runs: number, warmup: number, log: (line?: string) => void }} options */
export async function run({ repoRoot, runs, warmup, log }) {
  const config = await import(pathToFileURL(join(repoRoot, "dist", "config", "index.js")).href);
  const policy = await import(pathToFileURL(join(repoRoot, "dist", "policy", "index.js")).href);
  const environments = Array.from({ length: 10 }, (_, index) =>
    [
      `  env${index}:`,
      `    paths: [clusters/env${index}]`,
      `    autoPin: ${index % 2 === 0}`,
      "    timezone: Europe/Berlin",
      '    windows: [{ days: [mon, tue, wed, thu], from: "09:00", to: "16:00" }, { days: [fri], from: "09:00", to: "12:00" }]',
      '    blackouts: ["2026-12-24", "2026-12-28..2027-01-01"]',
      "    approvals: 2",
      "    approvalsExpireAfter: 24h",
      "    slack: { channel: '#deploys', approvers: [U0ALICE001, U0BOB00001, U0CAROL001] }",
    ].join("\n"),
  );
  const parsed = config.parseConfig(`environments:\n${environments.join("\n")}\n`);
  if (!parsed.ok) throw new Error(`bench config is invalid: ${JSON.stringify(parsed.problems)}`);
  const policies = Object.keys(parsed.config.environments).map((environment) => policy.releasePolicyFor(parsed.config, environment));
  const instants = {
    weekday: Date.parse("2026-11-24T10:00:00Z"),
    weekend: Date.parse("2026-11-28T12:00:00Z"),
    "after-dst": Date.parse("2026-10-25T02:00:00Z"),
  };
  /** @type {Record<string, unknown>} */
  const figures = {};
  let valid = true;
  let goalsMet = true;
  for (const [label, now] of Object.entries(instants)) {
    const proposals = Array.from({ length: 200 }, (_, index) => ({
      number: index + 1,
      environment: `env${index % 10}`,
      build: `build${index}`,
      approvals: [{ by: "U0ALICE001", at: now - 3_600_000, build: `build${index}` }],
      shown: { pinOpen: false, approvals: 1 },
    }));
    const input = { now, policies, proposals, freezes: {} };
    for (let round = 0; round < warmup; round++) policy.dueActions(input);
    const times = [];
    let actions = 0;
    for (let round = 0; round < runs; round++) {
      const started = performance.now();
      actions = policy.dueActions(input).actions.length;
      times.push(performance.now() - started);
    }
    const max = Math.max(...times);
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? max;
    figures[label] = { medianMs: Number(median.toFixed(1)), maxMs: Number(max.toFixed(1)), actions };
    log(`${label.padEnd(10)} dueActions median ${median.toFixed(1)} ms, max ${max.toFixed(1)} ms, ${actions} actions`);
    if (max >= GOAL_MS) goalsMet = false;
    // Inside the windows every automatic proposal is pinned and every manual one redrawn as open.
    if (label === "weekday" && actions !== 200) valid = false;
  }
  const chained = config.parseConfig('environments:\n  p:\n    paths: [x]\n    timezone: UTC\n    blackouts: ["2026-01-01..2026-12-31", "2027-01-01..2027-12-31", "2028-01-01..2028-12-31"]\n');
  if (!chained.ok) throw new Error("chained blackouts config is invalid");
  const schedule = policy.releasePolicyFor(chained.config, "p").schedule;
  const started = performance.now();
  const state = policy.scheduleState(schedule, Date.parse("2026-06-01T00:00:00Z"));
  const horizonMs = performance.now() - started;
  if (state.open || state.opensAt !== undefined) valid = false;
  figures.horizonSearchMs = Number(horizonMs.toFixed(1));
  log(`worst single schedule (blackouts past the 800-day horizon): ${horizonMs.toFixed(1)} ms`);
  log(`goal: every sweep decision < ${GOAL_MS} ms: ${goalsMet ? "met" : "NOT met"}`);
  return { valid, goalsMet, figures };
}
