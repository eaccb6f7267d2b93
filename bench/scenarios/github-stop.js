/**
 * Scenario "github-stop": how long `bender serve` takes to exit after SIGTERM
 * while GitHub is slow or unreachable (issue 12). The real bin/bender.js runs
 * with GHE_HOST pointing at a local TCP server that accepts connections and
 * never answers; a signed webhook whose handler needs GitHub (a push touching
 * .github/bender.yml) and a signed build are in flight, and the credentials
 * check is waiting. Then SIGTERM, and the exit is timed. `--runs N` measured
 * runs. Goal: every exit within 2 s, exit code 0.
 */
import { spawn } from "node:child_process";
import { createHmac, generateKeyPairSync } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

export const name = "github-stop";
export const description = "SIGTERM to exit of `bender serve` with GitHub never answering, a webhook and a build in flight; goal < 2 s";

const GOAL_MS = 2000;
const WEBHOOK_SECRET = "bench-webhook-secret-0123456789";
const BUILD_SECRET = "bench-build-secret-0123456789";

async function silentServer() {
  /** @type {import("node:net").Socket[]} */
  const connections = [];
  const server = createServer((socket) => {
    connections.push(socket);
    socket.on("error", () => undefined);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  return { server, port: /** @type {import("node:net").AddressInfo} */ (server.address()).port, connections };
}

async function freePort() {
  const { server, port } = await silentServer();
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

/** A real push example (with an installation) that touches .github/bender.yml. */
function configPush(repoRoot) {
  const require = createRequire(join(repoRoot, "package.json"));
  /** @type {{ name: string, examples: Record<string, unknown>[] }[]} */
  const all = require("@octokit/webhooks-examples/api.github.com/index.json");
  const example = all.find((entry) => entry.name === "push")?.examples.find((payload) => String(payload.ref).startsWith("refs/heads/") && payload.installation);
  if (!example) throw new Error("no push example with an installation");
  const [commit] = /** @type {Record<string, unknown>[]} */ (example.commits);
  const changed = { ...commit, added: [], removed: [], modified: [".github/bender.yml"] };
  return { ...example, commits: [changed], head_commit: changed };
}

const signature = (secret, body) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

async function once({ repoRoot, workDir, keyPath, push }) {
  const github = await silentServer();
  const port = await freePort();
  const env = {
    PATH: process.env.PATH ?? "",
    APP_ID: "123",
    WEBHOOK_SECRET,
    BENDER_BUILD_SECRET: BUILD_SECRET,
    PRIVATE_KEY_PATH: keyPath,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "fatal",
    GHE_HOST: `127.0.0.1:${github.port}`,
    GHE_PROTOCOL: "http",
  };
  const child = spawn(process.execPath, [join(repoRoot, "bin", "bender.js"), "serve"], { cwd: workDir, env, stdio: "ignore" });
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitUntil(() => globalThis.fetch(`${base}/healthz`).then((response) => response.ok, () => false), "/healthz");
    const body = JSON.stringify(push);
    void globalThis.fetch(`${base}/api/github/webhooks`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": "bench-1", "x-hub-signature-256": signature(WEBHOOK_SECRET, body) },
      body,
    }).catch(() => undefined);
    const build = JSON.stringify({ image: "ghcr.io/acme/api:1.4.1", repositories: ["acme/manifests"] });
    await globalThis.fetch(`${base}/api/builds`, { method: "POST", headers: { "content-type": "application/json", "x-bender-signature-256": signature(BUILD_SECRET, build) }, body: build });
    await waitUntil(() => github.connections.length >= 3, "Bender's requests to GitHub");
    const started = performance.now();
    child.kill("SIGTERM");
    const code = await exited;
    return { ms: performance.now() - started, code };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    for (const socket of github.connections) socket.destroy();
    await new Promise((resolve) => github.server.close(() => resolve(undefined)));
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
  const push = configPush(repoRoot);
  const results = [];
  for (let index = 0; index < runs; index += 1) results.push(await once({ repoRoot, workDir, keyPath, push }));
  const times = results.map((result) => result.ms).sort((a, b) => a - b);
  const max = times.at(-1) ?? 0;
  const median = times[Math.floor(times.length / 2)] ?? 0;
  const codes = [...new Set(results.map((result) => result.code))];
  const goalsMet = max < GOAL_MS;
  log(`GitHub never answers, webhook + build in flight: max ${max.toFixed(0)} ms, median ${median.toFixed(0)} ms, exit codes ${codes.join(",")}`);
  log(`goal: every exit within ${GOAL_MS} ms: ${goalsMet ? "met" : "NOT met"}`);
  return { valid: codes.every((code) => code === 0), goalsMet, figures: { scenario: name, goalMs: GOAL_MS, runs, maxMs: Math.round(max), medianMs: Math.round(median), exitCodes: codes } };
}
