/**
 * Scenario "slack-stop": how long `bender serve` takes to exit after SIGTERM
 * while Slack cannot be reached. For each case, the real bin/bender.js is
 * started with SLACK_API_URL pointing at a local TCP server that either
 * accepts connections and never answers or resets each one, waits until
 * Bender's Slack calls (auth.test; apps.connections.open in Socket Mode) are
 * under way and /healthz answers, sends SIGTERM and times the exit. `--runs N`
 * measured runs per case. Goal (issue 8): every exit within 2 s, exit code 0.
 */
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

export const name = "slack-stop";
export const description = "SIGTERM to exit of `bender serve` with Slack unreachable (never answers / resets; HTTP and Socket Mode); goal < 2 s";

const GOAL_MS = 2000;

/** @param {"silent" | "reset"} mode */
async function unreachableSlack(mode) {
  /** @type {import("node:net").Socket[]} */
  const connections = [];
  const server = createServer((socket) => {
    connections.push(socket);
    socket.on("error", () => undefined);
    if (mode === "reset") socket.destroy();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return { server, port: address.port, connections };
}

async function freePort() {
  const { server, port } = await unreachableSlack("reset");
  await new Promise((resolve) => server.close(() => resolve(undefined)));
  return port;
}

/** @param {() => boolean | Promise<boolean>} condition @param {string} what */
async function waitUntil(condition, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * @param {{ repoRoot: string, workDir: string, keyPath: string, mode: "silent" | "reset", socketMode: boolean }} input
 * @returns {Promise<{ ms: number, code: number | null }>}
 */
async function once({ repoRoot, workDir, keyPath, mode, socketMode }) {
  const slack = await unreachableSlack(mode);
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? "",
    // GitHub at a closed local port: its start-up requests are refused at once and never leave this machine.
    GHE_HOST: "127.0.0.1:9",
    GHE_PROTOCOL: "http",
    APP_ID: "123",
    WEBHOOK_SECRET: "bench-webhook-secret-0123456789",
    PRIVATE_KEY_PATH: keyPath,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "fatal",
    SLACK_BOT_TOKEN: "xoxb-bench",
    SLACK_SIGNING_SECRET: "8f742231b10e8888abcd99ab12cd85a5",
    SLACK_API_URL: `http://127.0.0.1:${slack.port}/api/`,
    ...(socketMode ? { SLACK_APP_TOKEN: "xapp-1-A0BENCH-1-abcdef" } : {}),
  };
  const child = spawn(process.execPath, [join(repoRoot, "bin", "bender.js"), "serve"], { cwd: workDir, env, stdio: "ignore" });
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    await waitUntil(() => slack.connections.length >= (socketMode ? 2 : 1), "Bender's calls to Slack");
    await waitUntil(
      () => globalThis.fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.ok, () => false),
      "/healthz",
    );
    const started = performance.now();
    child.kill("SIGTERM");
    const code = await exited;
    return { ms: performance.now() - started, code };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const socket of slack.connections) socket.destroy();
    await new Promise((resolve) => slack.server.close(() => resolve(undefined)));
  }
}

/**
 * @param {import("./bump.js").ScenarioOptions} options
 * @returns {Promise<import("./bump.js").ScenarioResult>}
 */
export async function run(options) {
  const { repoRoot, workDir, runs, log } = options;
  mkdirSync(workDir, { recursive: true });
  const keyPath = join(workDir, "app.pem");
  writeFileSync(keyPath, generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs1", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } }).privateKey);
  const cases = [
    { label: "HTTP, Slack never answers", mode: /** @type {const} */ ("silent"), socketMode: false },
    { label: "HTTP, Slack resets connections", mode: /** @type {const} */ ("reset"), socketMode: false },
    { label: "Socket Mode, Slack never answers", mode: /** @type {const} */ ("silent"), socketMode: true },
  ];
  /** @type {Record<string, unknown>} */
  const figures = { scenario: name, goalMs: GOAL_MS, runs };
  let valid = true;
  let goalsMet = true;
  log(`${"case".padEnd(36)} ${"max ms".padStart(8)} ${"median ms".padStart(10)}  exit codes`);
  for (const entry of cases) {
    const results = [];
    for (let index = 0; index < runs; index += 1) results.push(await once({ repoRoot, workDir, keyPath, mode: entry.mode, socketMode: entry.socketMode }));
    const times = results.map((result) => result.ms).sort((a, b) => a - b);
    const max = times.at(-1) ?? 0;
    const median = times[Math.floor(times.length / 2)] ?? 0;
    const codes = [...new Set(results.map((result) => result.code))];
    if (codes.some((code) => code !== 0)) valid = false;
    if (max >= GOAL_MS) goalsMet = false;
    log(`${entry.label.padEnd(36)} ${max.toFixed(0).padStart(8)} ${median.toFixed(0).padStart(10)}  ${codes.join(",")}`);
    figures[entry.label] = { maxMs: Math.round(max), medianMs: Math.round(median), exitCodes: codes };
  }
  log(`goal: every exit within ${GOAL_MS} ms: ${goalsMet ? "met" : "NOT met"}`);
  figures.goalsMet = goalsMet;
  return { valid, goalsMet, figures };
}
