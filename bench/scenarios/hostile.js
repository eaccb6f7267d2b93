/**
 * Scenario "hostile": the inputs of issue 9 at full size.
 *
 * 1. Each manifest case alone, in its own process (bench/hostile/engine-case.js):
 *    the engine's time on it and the process' peak RSS.
 * 2. The server's planning step over eight files at the parse budget
 *    (bench/hostile/planning.js, its own process per mode): on the event loop
 *    as before (`sync`), in process yielding between files (`inline`,
 *    BENDER_ENGINE_WORKERS=0), and in the engine's worker threads (`pool`,
 *    the default): time, event-loop delay p99/max, peak RSS.
 * 3. Bender's real server (bench/hostile/server.js, its own process) fed
 *    hostile requests in loops (bench/hostile/load.js) while 100 valid signed
 *    pings a second arrive: the pings' p50/p99/max, the server's peak RSS and
 *    event-loop delay, and its warn log checked for payloads.
 *
 * Goals (from the issue): no case over 1 s or 300 MB (the two cases run with
 * the budget lifted are shown, not held to it); ping p99 under 100 ms; the
 * server under 300 MB; planning in the pool: event-loop delay max under 100 ms. `--runs`, `--warmup`, `--files` do not apply;
 * BENCH_HOSTILE_SECONDS sets the server phase's length (default 20);
 * BENCH_HOSTILE_KINDS=none runs the pings alone (a baseline for the machine),
 * or names the hostile kinds to send (comma-separated).
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout } from "node:timers";
import { fileURLToPath } from "node:url";
import { measureNode } from "../lib/measure.js";
import { HOSTILE, MARKER, keepAliveAgent, ping } from "../hostile/load.js";

export const name = "hostile";
export const description = "full-size hostile manifests, one at a time, and the server under hostile requests beside 100 pings/s";

const ENGINE_CASE = fileURLToPath(new URL("../hostile/engine-case.js", import.meta.url));
const PLANNING = fileURLToPath(new URL("../hostile/planning.js", import.meta.url));
const PLANNING_MODES = ["sync", "inline", "pool"];
const PLANNING_FILES = 8;
const GOAL_LOOP_DELAY_MS = 100;
const SERVER = fileURLToPath(new URL("../hostile/server.js", import.meta.url));
const CASES = [
  "flow-list-1mib",
  "flow-list-2mib",
  "flow-list-8mib",
  "block-list-8mib",
  "screen-one-line-8mib",
  "aliases-1000",
  "aliases-4000",
  "aliases-20000",
  "aliases-20000-unbudgeted",
  "unpin-aliases-4000",
  "unpin-aliases-20000-unbudgeted",
  "documents-2m",
  "documents-at-limit",
  "values-at-budget",
];
/** Cases run with the budget lifted, to show one-pass alias resolution at full size; not held to the goals. */
const UNBUDGETED = new Set(["aliases-20000-unbudgeted", "unpin-aliases-20000-unbudgeted"]);
/** Loops of each hostile kind running at once. */
const LOOPS = { "unsigned-30mb": 4, "forged-chunked-30mb": 4, "forged-4mb": 2, odd: 1, "slow-headers": 20 };
const SECRET = "bench-webhook-secret-0123456789";
const GOAL_MS = 1000;
const GOAL_RSS_MB = 300;
const GOAL_PING_P99_MS = 100;

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** @param {import("./bump.js").ScenarioOptions} options */
export async function run(options) {
  const { log } = options;
  let goalsMet = true;
  let valid = true;

  // 1. Manifest cases, one process each.
  const cases = {};
  log("case                              engine ms   peak RSS MB   outcome");
  for (const caseName of CASES) {
    const measured = await measureNode(ENGINE_CASE, [caseName], { cwd: options.repoRoot });
    if (measured.exitCode !== 0) {
      valid = false;
      log(`${caseName}: failed (${measured.exitCode ?? measured.signal}) ${measured.stderr.slice(0, 300)}`);
      cases[caseName] = { failed: true };
      continue;
    }
    const { ms, outcome } = JSON.parse(measured.stdout.trim().split("\n").pop() ?? "{}");
    const rssMb = measured.maxRssKiB / 1024;
    cases[caseName] = { ms: Math.round(ms), wallMs: Math.round(measured.wallMs), peakRssMb: Math.round(rssMb), outcome };
    if (!UNBUDGETED.has(caseName) && (ms > GOAL_MS || rssMb > GOAL_RSS_MB)) goalsMet = false;
    log(`${caseName.padEnd(33)} ${String(Math.round(ms)).padStart(9)}   ${String(Math.round(rssMb)).padStart(11)}   ${JSON.stringify(outcome)}`);
  }

  // 2. Planning over budget-sized files: how long the event loop is held.
  const planning = {};
  log();
  log(`planning over ${PLANNING_FILES} files at the parse budget   ms   loop delay p99   max   peak RSS MB`);
  for (const mode of PLANNING_MODES) {
    const measured = await measureNode(PLANNING, [mode, String(PLANNING_FILES)], { cwd: options.repoRoot });
    if (measured.exitCode !== 0) {
      valid = false;
      log(`${mode}: failed (${measured.exitCode ?? measured.signal}) ${measured.stderr.slice(0, 300)}`);
      planning[mode] = { failed: true };
      continue;
    }
    const figures = JSON.parse(measured.stdout.trim().split("\n").pop() ?? "{}");
    const row = {
      ms: Math.round(figures.ms),
      loopDelayP99Ms: Math.round(figures.loopDelayP99Ms * 10) / 10,
      loopDelayMaxMs: Math.round(figures.loopDelayMaxMs * 10) / 10,
      peakRssMb: Math.round(measured.maxRssKiB / 1024),
      outcome: figures.outcome,
    };
    planning[mode] = row;
    if (figures.outcome?.changes !== PLANNING_FILES * 450) valid = false;
    if (mode === "pool" && row.loopDelayMaxMs > GOAL_LOOP_DELAY_MS) goalsMet = false;
    log(`  ${mode.padEnd(48)} ${String(row.ms).padStart(5)}   ${String(row.loopDelayP99Ms).padStart(14)}   ${String(row.loopDelayMaxMs).padStart(6)}   ${String(row.peakRssMb).padStart(11)}`);
  }

  // 3. The server under hostile traffic.
  mkdirSync(options.workDir, { recursive: true });
  const logFile = join(options.workDir, "server-warnings.log");
  rmSync(logFile, { force: true });
  const server = spawn(process.execPath, [SERVER], { cwd: options.repoRoot, env: { ...process.env, BENCH_LOG_FILE: logFile }, stdio: ["ignore", "pipe", "inherit"] });
  const lines = [];
  let buffered = "";
  server.stdout.on("data", (chunk) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts.filter(Boolean).map((line) => JSON.parse(line)));
  });
  while (lines.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  const { port } = lines[0];

  const seconds = Number(process.env.BENCH_HOSTILE_SECONDS ?? 20);
  const until = Date.now() + seconds * 1000;
  const statuses = {};
  const loops = [];
  // BENCH_HOSTILE_KINDS=none (or a comma list) runs the pings with fewer hostile kinds: a baseline for this machine.
  const kinds = process.env.BENCH_HOSTILE_KINDS?.split(",") ?? Object.keys(LOOPS);
  for (const [kind, count] of Object.entries(LOOPS)) {
    if (!kinds.includes(kind)) continue;
    statuses[kind] = {};
    for (let loop = 0; loop < count; loop++) {
      loops.push(
        (async () => {
          for (let n = 0; Date.now() < until; n++) {
            const status = await HOSTILE[kind](port, `${loop}-${n}`, SECRET);
            statuses[kind][status] = (statuses[kind][status] ?? 0) + 1;
          }
        })(),
      );
    }
  }
  const agent = keepAliveAgent();
  const pings = [];
  // 100 a second on a fixed schedule: a late tick sends at once, so the rate holds when the client is slow.
  const start = Date.now();
  for (let id = 0; Date.now() < until; id++) {
    pings.push(ping(port, SECRET, agent, id));
    const next = start + (id + 1) * 10;
    if (next > Date.now()) await new Promise((resolve) => setTimeout(resolve, next - Date.now()));
  }
  const pinged = await Promise.all(pings);
  await Promise.all(loops);
  agent.destroy();
  const stopped = new Promise((resolve) => server.on("exit", resolve));
  server.kill("SIGTERM");
  await stopped;
  const stats = lines[1] ?? {};

  const latencies = pinged.map((result) => result.ms).sort((a, b) => a - b);
  const failed = pinged.filter((result) => result.status !== 200);
  const failedPings = failed.length;
  const warnings = readFileSync(logFile, "utf8").split("\n").filter(Boolean);
  const longestLogLine = Math.max(0, ...warnings.map((line) => line.length));
  const payloadLogged = warnings.some((line) => line.includes(MARKER));
  const serverFigures = {
    seconds,
    pings: pinged.length,
    failedPings,
    failedPingReasons: [...new Set(failed.map((result) => result.error ?? String(result.status)))],
    pingP50Ms: Math.round(percentile(latencies, 50) * 10) / 10,
    pingP99Ms: Math.round(percentile(latencies, 99) * 10) / 10,
    pingMaxMs: Math.round((latencies.at(-1) ?? NaN) * 10) / 10,
    serverPeakRssMb: Math.round(stats.maxRssMb ?? NaN),
    loopDelayP99Ms: Math.round((stats.loopDelayP99Ms ?? NaN) * 10) / 10,
    loopDelayMaxMs: Math.round((stats.loopDelayMaxMs ?? NaN) * 10) / 10,
    hostileStatuses: statuses,
    warnLines: warnings.length,
    longestLogLine,
    payloadLogged,
  };
  log();
  log(`server, ${seconds} s: ${pinged.length} pings (${failedPings} not 200${failedPings > 0 ? `: ${serverFigures.failedPingReasons.join(", ")}` : ""}), p50 ${serverFigures.pingP50Ms} ms, p99 ${serverFigures.pingP99Ms} ms, max ${serverFigures.pingMaxMs} ms`);
  log(`  peak RSS ${serverFigures.serverPeakRssMb} MB; event-loop delay p99 ${serverFigures.loopDelayP99Ms} ms, max ${serverFigures.loopDelayMaxMs} ms`);
  for (const [kind, counts] of Object.entries(statuses)) log(`  ${kind}: ${JSON.stringify(counts)}`);
  log(`  ${warnings.length} warn lines, longest ${longestLogLine} characters, payload logged: ${payloadLogged}`);
  if (failedPings > 0 || payloadLogged || Object.values(statuses).some((counts) => counts[500] !== undefined)) valid = false;
  if (serverFigures.pingP99Ms > GOAL_PING_P99_MS || serverFigures.serverPeakRssMb > GOAL_RSS_MB) goalsMet = false;
  log(`goals: each case under ${GOAL_MS} ms and ${GOAL_RSS_MB} MB; planning in the pool holds the loop under ${GOAL_LOOP_DELAY_MS} ms; ping p99 under ${GOAL_PING_P99_MS} ms; server under ${GOAL_RSS_MB} MB: ${goalsMet ? "met" : "NOT met"}`);
  return { valid, goalsMet, figures: { cases, planning, server: serverFigures } };
}
