/**
 * Scenario "sync" (the driver; bench/scenarios/sync.js compiles and runs it): the whole `bender sync` run, the
 * real bin/bender.js as its own process, on bench/sync-cluster's 1,000-object tree committed as YAML files. GitHub
 * is a local GitHub Enterprise stand-in (bench/sync/github-server.ts, GHE_HOST over http), Kubernetes the fake API
 * (test/support/fake-kubernetes.ts, HTTPS, from a temp KUBECONFIG). Cases: a first run, a run with nothing new,
 * one changed object, a full run; requests on both sides, wall time and peak RSS of each; the peer is
 * `kubectl apply --server-side` of the same objects (bench/sync-cluster's measure).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { RenderedObject } from "../../src/sync/cluster-types.js";
import { startFakeKubernetes } from "../../test/support/fake-kubernetes.js";
import { githubTarball } from "../../test/support/tarballs.js";
import { benchTree, counts, cpuMs, kubectlPeer, prepare, timedRun, type MeasureLib, type PeerFigure } from "../sync-cluster/runs.js";
import { startBenchGitHub } from "./github-server.js";

const TOKEN = "github_pat_bench_0123456789abcdef";
const ARGS = ["sync", "--repository", "acme/manifests", "--path", "clusters/bench", "--environment", "bench", "--cluster", "fake", "--namespace", "bender", "--prune", "--json"];

/** The tree as the repository holds it: one multi-document YAML file per source, under clusters/bench/. */
export async function archiveOf(sha: string, tree: readonly RenderedObject[]): Promise<Buffer> {
  const files = new Map<string, string[]>();
  for (const object of tree) {
    const name = `clusters/bench/${object.source}`;
    files.set(name, [...(files.get(name) ?? []), stringify(object.manifest)]);
  }
  return githubTarball(sha, [...files].map(([name, documents]) => ({ name, content: documents.join("---\n") })));
}

/** The peer, and the fair one: kubectl running the same safety sequence as Bender (dry-run everything, then apply). */
const PEER = "kubectl apply --server-side (peer)";
const FAIR_PEER = "kubectl dry-run=server, then apply (fair peer)";
const WIDTH = 48;

interface Figure { wallMs: number[]; maxRssKiB: number[]; cpuMs: number[]; serverCpuMs: number[]; github?: string[]; kubernetes?: ReturnType<typeof counts>; result?: unknown }

export async function run(options: { repoRoot: string; workDir: string; runs: number; log: (line?: string) => void; measure: MeasureLib }) {
  const { repoRoot, workDir, log } = options;
  const { summarize } = options.measure;
  mkdirSync(workDir, { recursive: true });
  const bender = join(repoRoot, "bin", "bender.js");
  const tree = benchTree();
  const changed = tree.map((object) => (object.manifest.metadata.name === "svc-7" && object.manifest.kind === "Deployment" ? benchTree(1_000, "1.0.1").find((other) => other.manifest.metadata.name === "svc-7")! : object));
  const commits = { first: "a".repeat(40), changed: "b".repeat(40) };
  const archives = { first: await archiveOf(commits.first, tree), changed: await archiveOf(commits.changed, changed) };
  const list = join(workDir, "list.json");
  writeFileSync(list, JSON.stringify({ apiVersion: "v1", kind: "List", items: tree.map((object) => object.manifest) }));

  const cases = [
    { name: "first run", push: "first", env: {} },
    { name: "nothing new", push: undefined, env: {} },
    { name: "one object changed", push: "changed", env: {} },
    { name: "full run", push: undefined, env: { BENDER_SYNC_FULL_EVERY: "0s" } },
  ] as const;
  const figures: Record<string, Figure> = {};
  for (let round = 0; round < options.runs; round += 1) {
    const fake = await startFakeKubernetes();
    const github = await startBenchGitHub(TOKEN);
    try {
      await prepare(fake);
      const env = { KUBECONFIG: fake.writeKubeconfig(), KUBERNETES_SERVICE_HOST: "", GHE_HOST: github.host, GHE_PROTOCOL: "http", GITHUB_TOKEN: TOKEN, APP_ID: undefined, PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: undefined };
      for (const step of cases) {
        if (step.push) github.push(commits[step.push], archives[step.push]);
        const from = { kubernetes: fake.requests.length, github: github.requests.length };
        const cpu = process.cpuUsage();
        const measured = await timedRun(process.execPath, [bender, ...ARGS], { env: { ...process.env, ...env, ...step.env }, workDir });
        const serverCpuMs = cpuMs(process.cpuUsage(cpu));
        if (measured.code !== 0) throw new Error(`${step.name} exited with ${measured.code}: ${measured.stdout.slice(0, 2000)}${measured.stderr.slice(0, 2000)}`);
        const result = JSON.parse(measured.stdout) as { outcome: string; applied: unknown[]; unchanged: number; pruned: unknown[]; deployment?: unknown };
        const entry = (figures[step.name] ??= {
          wallMs: [], maxRssKiB: [], cpuMs: [], serverCpuMs: [], github: github.requests.slice(from.github), kubernetes: counts(fake.requests.slice(from.kubernetes)),
          result: { outcome: result.outcome, applied: result.applied.length, unchanged: result.unchanged, pruned: result.pruned.length, deployment: result.deployment },
        });
        entry.wallMs.push(measured.wallMs);
        entry.maxRssKiB.push(measured.maxRssKiB);
        entry.cpuMs.push(measured.cpuMs);
        entry.serverCpuMs.push(serverCpuMs);
      }
    } finally {
      await github.close();
      await fake.close();
    }
    const record = (name: string, peer: PeerFigure) => {
      const entry = (figures[name] ??= { wallMs: [], maxRssKiB: [], cpuMs: [], serverCpuMs: [], kubernetes: peer.requests });
      entry.wallMs.push(peer.wallMs);
      entry.maxRssKiB.push(peer.maxRssKiB);
      entry.cpuMs.push(peer.cpuMs);
      entry.serverCpuMs.push(peer.serverCpuMs);
    };
    record(PEER, await kubectlPeer(list, workDir, round));
    record(FAIR_PEER, await kubectlPeer(list, workDir, round, { dryRunFirst: true }));
  }

  const summary: Record<string, unknown> = {};
  // "fake CPU": what the fake API (and the GitHub stand-in) spent serving the case, in this process: the share of
  // the wall time that is the server's, not the client's.
  log(`${"case".padEnd(WIDTH)} ${"wall".padStart(10)}  ${"CPU".padStart(9)}  ${"RSS".padStart(8)}  ${"fake CPU".padStart(9)}  requests`);
  for (const [name, value] of Object.entries(figures)) {
    const wallMsMedian = Math.round(summarize(value.wallMs).median);
    const peakRssMiB = value.maxRssKiB.every(Number.isFinite) ? Math.round(summarize(value.maxRssKiB).median / 1024) : undefined;
    const cpuMsMedian = value.cpuMs.every(Number.isFinite) ? Math.round(summarize(value.cpuMs).median) : undefined;
    const serverCpuMsMedian = Math.round(summarize(value.serverCpuMs).median);
    summary[name] = { wallMsMedian, cpuMsMedian, peakRssMiB, serverCpuMsMedian, github: value.github, kubernetes: value.kubernetes, result: value.result };
    log(`${name.padEnd(WIDTH)} ${String(wallMsMedian).padStart(7)} ms  ${String(cpuMsMedian ?? "-").padStart(6)} ms  ${peakRssMiB === undefined ? "   -" : String(peakRssMiB).padStart(4)} MiB  ${String(serverCpuMsMedian).padStart(6)} ms  GitHub ${value.github?.length ?? "-"}, Kubernetes ${JSON.stringify(value.kubernetes)}`);
    if (value.github) log(`${"".padEnd(38)}GitHub: ${value.github.join(", ")}`);
  }
  const wall = (name: string) => (summary[name] as { wallMsMedian: number }).wallMsMedian;
  const cpu = (name: string) => (summary[name] as { cpuMsMedian?: number }).cpuMsMedian ?? Number.POSITIVE_INFINITY;
  const quiet = figures["nothing new"]!;
  const one = figures["one object changed"]!.kubernetes!;
  const goals = {
    nothingNewOne304: quiet.github?.length === 1 && quiet.github[0]!.endsWith(" 304"),
    nothingNewOneKubernetesRead: quiet.kubernetes?.total === 1,
    oneChangedOneDryRunOneApplyOneStateWrite: one.dryRuns === 1 && one.applies === 1 && one.stateWrites === 1,
    firstRunNoSlowerThanKubectl: wall("first run") <= wall(PEER),
    firstRunNoSlowerThanKubectlDryRunThenApply: wall("first run") <= wall(FAIR_PEER),
    firstRunCpuNoMoreThanKubectl: cpu("first run") <= cpu(PEER),
    firstRunCpuNoMoreThanKubectlDryRunThenApply: cpu("first run") <= cpu(FAIR_PEER),
    peakRssUnder128MiB: Object.values(summary).every((value) => ((value as { peakRssMiB?: number }).peakRssMiB ?? 0) < 128),
  };
  log(`goals: ${JSON.stringify(goals)}`);
  return { valid: true, goalsMet: Object.values(goals).every(Boolean), figures: { ...summary, goals } };
}
