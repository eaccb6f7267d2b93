/**
 * Scenario "sync-watch" (the driver; bench/scenarios/sync-watch.js compiles and runs it): the real bin/bender.js
 * running `bender sync --watch` (the default 10 s interval) as a GitHub App, on bench/sync-cluster's 1,000-object
 * tree. GitHub is the local stand-in (bench/sync/github-server.ts: it verifies the App's JWT and issues and checks
 * installation tokens), Kubernetes the fake API. After the first run, merges (one Deployment's image bumped) land
 * at different points of the interval; each is timed from the push to the result line that says it was applied,
 * and the cluster is read to prove the new image is there. Idle runs between merges are counted on both sides.
 * Goal (issue 11): a merge is applied within 15 s.
 */
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { connectToCluster } from "../../src/sync/io/kube-connection.js";
import { readObject } from "../../src/sync/io/kube-objects.js";
import { startFakeKubernetes } from "../../test/support/fake-kubernetes.js";
import { benchTree, counts, prepare } from "../sync-cluster/runs.js";
import { startBenchGitHub } from "./github-server.js";
import { archiveOf } from "./runs.js";

const ARGS = ["sync", "--repository", "acme/manifests", "--path", "clusters/bench", "--environment", "bench", "--cluster", "fake", "--namespace", "bender", "--prune", "--json", "--watch"];
const INTERVAL_MS = 10_000;
/** Where in the interval a merge lands, after the previous run printed its result: early, middle, just before the next run. */
const OFFSETS_MS = [500, 5_000, 9_500];
const GOAL_MS = 15_000;

interface RunLine { outcome: string; commit?: string; applied: unknown[] }

function shaOf(index: number): string {
  return index.toString(16).padStart(40, "0");
}

/** The peak RSS of a running process (Linux), in MiB. */
function peakRssMiB(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(?<kib>\d+) kB/u.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.groups ? Math.round(Number(match.groups.kib) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

export async function run(options: { repoRoot: string; runs: number; log: (line?: string) => void; summarize: (values: readonly number[]) => { median: number; min: number; max: number } }) {
  const { log } = options;
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const fake = await startFakeKubernetes();
  const github = await startBenchGitHub(undefined, { app: { appId: 1, publicKey, installationId: 7 } });
  const merges: { offsetMs: number; latencyMs: number; live: boolean }[] = [];
  const idle = { runs: 0, github: [] as string[], kubernetes: 0 };
  let peak: number | undefined;
  try {
    await prepare(fake);
    github.push(shaOf(1), await archiveOf(shaOf(1), benchTree()));
    const child = spawn(process.execPath, [join(options.repoRoot, "bin", "bender.js"), ...ARGS], {
      env: {
        PATH: process.env.PATH, KUBECONFIG: fake.writeKubeconfig(), GHE_HOST: github.host, GHE_PROTOCOL: "http",
        APP_ID: "1", PRIVATE_KEY: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<RunLine> => {
      const line = await lines.next();
      if (line.done) throw new Error(`bender sync --watch stopped (exit ${String(await exited)})`);
      return JSON.parse(line.value) as RunLine;
    };

    const first = await next();
    if (first.outcome !== "applied") throw new Error(`the first run did not apply: ${JSON.stringify(first).slice(0, 500)}`);
    const mergeCount = Math.max(OFFSETS_MS.length, options.runs);
    for (let index = 0; index < mergeCount; index += 1) {
      const offsetMs = OFFSETS_MS[index % OFFSETS_MS.length]!;
      const sha = shaOf(index + 2);
      const tag = `1.0.${index + 1}`;
      const tree = benchTree(1_000, "1.0.0").map((object) => (object.manifest.metadata.name === "svc-7" && object.manifest.kind === "Deployment" ? benchTree(1_000, tag).find((other) => other.manifest.metadata.name === "svc-7")! : object));
      const archive = await archiveOf(sha, tree);
      await sleep(offsetMs);
      github.push(sha, archive);
      const pushedAt = performance.now();
      let line = await next();
      while (line.commit !== sha) {
        // A run that began before the push: idle, it must cost one 304 and no Kubernetes request.
        idle.runs += 1;
        line = await next();
      }
      const latencyMs = Math.round(performance.now() - pushedAt);
      if (line.outcome !== "applied") throw new Error(`the merge was not applied: ${JSON.stringify(line).slice(0, 500)}`);
      const live = await readObject(connectToCluster({ KUBECONFIG: fake.writeKubeconfig() }), { apiVersion: "apps/v1", kind: "Deployment", namespace: "team-7", name: "svc-7" });
      const image = (live?.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined)?.template?.spec?.containers?.[0]?.image;
      merges.push({ offsetMs, latencyMs, live: image === `registry.example.com/svc-7:${tag}` });
      // The idle run after the merge: counted on both sides.
      const quietFrom = { github: github.requests.length, kubernetes: fake.requests.length };
      const quiet = await next();
      if (quiet.outcome !== "up-to-date") throw new Error(`an idle run did something: ${JSON.stringify(quiet).slice(0, 500)}`);
      idle.runs += 1;
      idle.github.push(...github.requests.slice(quietFrom.github));
      idle.kubernetes += counts(fake.requests.slice(quietFrom.kubernetes)).total;
    }
    peak = peakRssMiB(child.pid!);
    child.kill("SIGTERM");
    const code = await exited;
    if (code !== 0) throw new Error(`bender sync --watch exited with ${String(code)} on SIGTERM`);
  } finally {
    await github.close();
    await fake.close();
  }

  const latencies = merges.map((merge) => merge.latencyMs);
  const summary = options.summarize(latencies);
  log(`interval ${INTERVAL_MS / 1000} s; ${merges.length} merges, each one Deployment's image of 1,000 objects`);
  log(`${"merge".padEnd(8)} ${"lands after the last run".padEnd(26)} ${"applied after".padStart(14)}  live`);
  for (const [index, merge] of merges.entries()) log(`${String(index + 1).padEnd(8)} ${`${merge.offsetMs} ms`.padEnd(26)} ${`${merge.latencyMs} ms`.padStart(14)}  ${merge.live ? "yes" : "NO"}`);
  log(`merge to applied: median ${Math.round(summary.median)} ms, max ${summary.max} ms (goal ≤ ${GOAL_MS} ms)`);
  log(`idle runs measured: ${idle.runs - merges.length} between merges + ${merges.length} after; GitHub requests of the ${merges.length} counted: ${idle.github.join(", ")}; Kubernetes requests: ${idle.kubernetes}`);
  log(`installation tokens issued: ${github.tokensIssued}; installation lookups: ${github.requests.filter((request) => request.startsWith("GET /installation")).length}; peak RSS of the watch process: ${peak ?? "-"} MiB`);
  const goals = {
    mergeAppliedWithin15s: summary.max <= GOAL_MS,
    everyMergeLive: merges.every((merge) => merge.live),
    idleRunOne304NoKubernetes: idle.github.length === merges.length && idle.github.every((request) => request === "GET /commits/main 304") && idle.kubernetes === 0,
    oneInstallationToken: github.tokensIssued === 1,
    peakRssUnder128MiB: peak === undefined || peak < 128,
  };
  log(`goals: ${JSON.stringify(goals)}`);
  return { valid: true, goalsMet: Object.values(goals).every(Boolean), figures: { merges, medianMs: summary.median, maxMs: summary.max, idle, tokensIssued: github.tokensIssued, peakRssMiB: peak, goals } };
}
