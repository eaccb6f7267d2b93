/**
 * Scenario "sync-cluster" (the driver; bench/scenarios/sync-cluster.js compiles and runs it): the cluster side
 * of a sync run on a 1,000-object tree against the fake Kubernetes API (test/support/fake-kubernetes.ts, HTTPS
 * on 127.0.0.1). Each case runs bench/sync-cluster/child.ts as its own process (wall time and peak RSS from
 * spawn to exit) and counts the requests the fake answered: a first run, a run with nothing new (same commit),
 * a new commit where nothing changed, one changed object, and a full run. The peer is the real kubectl:
 * `kubectl apply --server-side` of the same objects against a fresh fake.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { RenderedObject } from "../../src/sync/cluster-types.js";
import { startFakeKubernetes, type FakeKubernetes, type RecordedRequest } from "../../test/support/fake-kubernetes.js";

interface Measurement { wallMs: number; maxRssKiB: number; exitCode: number | null; stdout: string; stderr: string }

/** bench/lib/measure.js, handed in by the scenario (plain JavaScript outside the compiled tree). */
export interface MeasureLib {
  measureNode(script: string, args: readonly string[], options: { env?: Record<string, string | undefined> }): Promise<Measurement>;
  summarize(values: readonly number[]): { median: number; min: number; max: number };
}

const NAMESPACES = 10;

/** 1,000 objects: 10 Namespaces, then Deployments, ConfigMaps and Services spread over them. */
export function benchTree(objects = 1_000, imageTag = "1.0.0"): RenderedObject[] {
  const tree: RenderedObject[] = [];
  for (let index = 0; index < NAMESPACES; index += 1) tree.push({ source: `ns/team-${index}.yaml`, manifest: { apiVersion: "v1", kind: "Namespace", metadata: { name: `team-${index}` } } });
  for (let index = 0; tree.length < objects; index += 1) {
    const namespace = `team-${index % NAMESPACES}`;
    const name = `svc-${index}`;
    const labels = { app: name };
    const kinds: RenderedObject["manifest"][] = [
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace, labels }, spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name, image: `registry.example.com/${name}:${imageTag}`, ports: [{ containerPort: 8080 }] }] } } } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${name}-settings`, namespace, labels }, data: { LOG_LEVEL: "info", FEATURE_FLAGS: `a,b,${index}` } },
      { apiVersion: "v1", kind: "Service", metadata: { name, namespace, labels }, spec: { selector: labels, ports: [{ port: 80, targetPort: 8080 }] } },
    ];
    for (const manifest of kinds) if (tree.length < objects) tree.push({ source: `apps/${namespace}/${name}.yaml`, manifest });
  }
  return tree;
}

/** CPU time (user + system) of a process.cpuUsage() delta: here, what the fake API in this process spent serving a case. */
export function cpuMs(usage: NodeJS.CpuUsage): number {
  return Math.round((usage.user + usage.system) / 1000);
}

export function counts(requests: readonly RecordedRequest[]) {
  const lease = (request: RecordedRequest) => request.path.includes("/leases/");
  const state = (request: RecordedRequest) => request.path.includes("/namespaces/bender/configmaps");
  const discovery = (request: RecordedRequest) => /^\/(?:api|apis)(?:\/[^/]+){0,2}$/u.test(request.path) && !request.path.includes("/namespaces/");
  return {
    total: requests.length,
    discovery: requests.filter(discovery).length,
    stateReads: requests.filter((request) => state(request) && request.method === "GET").length,
    stateWrites: requests.filter((request) => state(request) && request.method !== "GET").length,
    lease: requests.filter(lease).length,
    dryRuns: requests.filter((request) => request.dryRun).length,
    applies: requests.filter((request) => request.method === "PATCH" && !request.dryRun && !state(request)).length,
    otherReads: requests.filter((request) => request.method === "GET" && !state(request) && !lease(request) && !discovery(request)).length,
    deletes: requests.filter((request) => request.method === "DELETE" && !state(request)).length,
  };
}

export async function prepare(fake: FakeKubernetes): Promise<void> {
  // The job's own namespace, made by its kustomize base before the first run.
  const kubeconfig = fake.writeKubeconfig();
  const [{ connectToCluster }, { applyObject }] = await Promise.all([import("../../src/sync/io/kube-connection.js"), import("../../src/sync/io/kube-objects.js")]);
  await applyObject(connectToCluster({ KUBECONFIG: kubeconfig }), { apiVersion: "v1", kind: "Namespace", metadata: { name: "bender" } }, { dryRun: false, force: false });
  fake.store.defaultSettleReads = 1;
}

/** What /usr/bin/time says of a finished command: peak RSS (KiB) and CPU time (user + system, ms). */
export interface Timed { code: number | null; stdout: string; stderr: string; wallMs: number; maxRssKiB: number; cpuMs: number }

/**
 * Runs a command under `/usr/bin/time -f "%M %U %S" -o <file>` (its own stderr left alone): wall time from spawn
 * to exit, the command's peak RSS and its CPU time, so that Bender and kubectl are measured the same way.
 */
export async function timedRun(command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; workDir: string }): Promise<Timed> {
  const report = join(options.workDir, `time-${process.pid}-${Math.random().toString(36).slice(2)}.txt`);
  const started = performance.now();
  const outcome = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn("/usr/bin/time", ["-f", "%M %U %S", "-o", report, command, ...args], { env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    const out: string[] = [];
    const errors: string[] = [];
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => out.push(chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => errors.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: out.join(""), stderr: errors.join("") }));
  });
  const wallMs = performance.now() - started;
  let maxRssKiB = Number.NaN;
  let cpu = Number.NaN;
  try {
    const [rss, user, system] = readFileSync(report, "utf8").trim().split("\n").pop()!.split(" ").map(Number);
    maxRssKiB = rss!;
    cpu = Math.round((user! + system!) * 1000);
    rmSync(report, { force: true });
  } catch {
    // time wrote nothing (the command could not start): the exit code says so.
  }
  return { ...outcome, wallMs, maxRssKiB, cpuMs: cpu };
}

export interface PeerFigure { wallMs: number; maxRssKiB: number; cpuMs: number; serverCpuMs: number; requests: ReturnType<typeof counts> }

/**
 * `listFile` split as Bender splits a run (src/sync/plan-sync.ts): the Namespaces and CRDs first (an object in a
 * namespace that does not exist yet cannot be dry-run), then the rest; two v1 List files next to it.
 */
function splitFoundations(listFile: string): [string, string] {
  const { items } = JSON.parse(readFileSync(listFile, "utf8")) as { items: { kind: string }[] };
  const foundation = (item: { kind: string }) => item.kind === "Namespace" || item.kind === "CustomResourceDefinition";
  const files: [string, string] = [listFile.replace(/\.json$/u, ".foundations.json"), listFile.replace(/\.json$/u, ".rest.json")];
  writeFileSync(files[0], JSON.stringify({ apiVersion: "v1", kind: "List", items: items.filter(foundation) }));
  writeFileSync(files[1], JSON.stringify({ apiVersion: "v1", kind: "List", items: items.filter((item) => !foundation(item)) }));
  return files;
}

/**
 * The peer: the real kubectl's `kubectl apply --server-side` of `listFile` (a v1 List) against a fresh fake, with a
 * fresh discovery cache as a fresh pod would have; wall time, kubectl's peak RSS and CPU (/usr/bin/time) and requests.
 * With `dryRunFirst`, the same safety sequence as Bender's: the Namespaces (and CRDs) `kubectl apply --server-side
 * --dry-run=server`, then applied, then the same for the rest (each step only when the one before passed): four
 * kubectl processes; wall and CPU are their sum, RSS the largest.
 */
export async function kubectlPeer(listFile: string, workDir: string, round: number, options: { dryRunFirst?: boolean } = {}): Promise<PeerFigure> {
  const peer = await startFakeKubernetes();
  try {
    await prepare(peer);
    const kubeconfig = peer.writeKubeconfig();
    const from = peer.requests.length;
    const cpu = process.cpuUsage();
    const kubectl = process.env.KUBECTL || "kubectl";
    const env = { PATH: process.env.PATH, HOME: workDir, KUBECACHEDIR: join(workDir, `kubectl-cache-${round}${options.dryRunFirst ? "-dry" : ""}`) };
    const apply = (file: string) => ["--kubeconfig", kubeconfig, "apply", "--server-side", "--validate=false", "-f", file];
    const steps = options.dryRunFirst
      ? splitFoundations(listFile).flatMap((file) => [[...apply(file), "--dry-run=server"], apply(file)])
      : [apply(listFile)];
    const total = { wallMs: 0, maxRssKiB: 0, cpuMs: 0 };
    for (const args of steps) {
      const timed = await timedRun(kubectl, args, { env, workDir });
      if (timed.code !== 0) throw new Error(`kubectl ${args.slice(2).join(" ")} failed: ${timed.stderr.slice(0, 2000)}`);
      total.wallMs += timed.wallMs;
      total.maxRssKiB = Math.max(total.maxRssKiB, timed.maxRssKiB);
      total.cpuMs += timed.cpuMs;
    }
    const serverCpuMs = cpuMs(process.cpuUsage(cpu));
    return { ...total, serverCpuMs, requests: counts(peer.requests.slice(from)) };
  } finally {
    await peer.close();
  }
}

export async function run(options: { repoRoot: string; workDir: string; runs: number; log: (line?: string) => void; measure: MeasureLib }) {
  const { repoRoot, workDir, log } = options;
  const { measureNode, summarize } = options.measure;
  mkdirSync(workDir, { recursive: true });
  const child = join(repoRoot, "bench", ".work", "dist", "bench", "sync-cluster", "child.js");
  const tree = benchTree();
  const changed = tree.map((object) => (object.manifest.metadata.name === "svc-7" && object.manifest.kind === "Deployment" ? benchTree(1_000, "1.0.1").find((other) => other.manifest.metadata.name === "svc-7")! : object));
  const files = { tree: join(workDir, "tree.json"), changed: join(workDir, "changed.json"), list: join(workDir, "list.json") };
  writeFileSync(files.tree, JSON.stringify(tree));
  writeFileSync(files.changed, JSON.stringify(changed));
  writeFileSync(files.list, JSON.stringify({ apiVersion: "v1", kind: "List", items: tree.map((object) => object.manifest) }));

  const cases = [
    { name: "first run", objects: files.tree, commit: "c1", full: false },
    { name: "nothing new (same commit)", objects: files.tree, commit: "c1", full: false },
    { name: "new commit, nothing changed", objects: files.tree, commit: "c2", full: false },
    { name: "one object changed", objects: files.changed, commit: "c3", full: false },
    { name: "full run", objects: files.changed, commit: "c3", full: true },
  ];
  const figures: Record<string, unknown> = {};
  const rows: string[] = [];
  for (let round = 0; round < options.runs; round += 1) {
    const fake = await startFakeKubernetes();
    try {
      await prepare(fake);
      const env = { KUBECONFIG: fake.writeKubeconfig(), KUBERNETES_SERVICE_HOST: "" };
      for (const step of cases) {
        const from = fake.requests.length;
        const measured = await measureNode(child, [], { env: { ...env, BENCH_SYNC_OBJECTS: step.objects, BENCH_SYNC_COMMIT: step.commit, BENCH_SYNC_FULL: step.full ? "1" : "0" } });
        if (measured.exitCode !== 0) throw new Error(`${step.name} exited with ${measured.exitCode}: ${measured.stderr.slice(0, 2000)}`);
        const entry = (figures[step.name] ??= { wallMs: [] as number[], maxRssKiB: [] as number[], requests: counts(fake.requests.slice(from)), result: JSON.parse(measured.stdout) }) as { wallMs: number[]; maxRssKiB: number[] };
        entry.wallMs.push(measured.wallMs);
        entry.maxRssKiB.push(measured.maxRssKiB);
      }
    } finally {
      await fake.close();
    }
    const peer = await kubectlPeer(files.list, workDir, round);
    const entry = (figures["kubectl apply --server-side (peer)"] ??= { wallMs: [] as number[], maxRssKiB: [] as number[], requests: peer.requests }) as { wallMs: number[]; maxRssKiB: number[] };
    entry.wallMs.push(peer.wallMs);
    entry.maxRssKiB.push(peer.maxRssKiB);
  }
  for (const [name, value] of Object.entries(figures) as [string, { wallMs: number[]; maxRssKiB: number[]; requests: ReturnType<typeof counts>; result?: unknown }][]) {
    const wall = summarize(value.wallMs);
    const rss = value.maxRssKiB.every(Number.isFinite) ? Math.round(summarize(value.maxRssKiB).median / 1024) : undefined;
    figures[name] = { wallMsMedian: Math.round(wall.median), peakRssMiB: rss, requests: value.requests, result: value.result };
    rows.push(`${name.padEnd(36)} ${String(Math.round(wall.median)).padStart(7)} ms  ${rss === undefined ? "   -" : String(rss).padStart(4)} MiB  ${JSON.stringify(value.requests)}`);
  }
  log(`${"case".padEnd(36)} ${"wall".padStart(10)}  ${"RSS".padStart(8)}  requests`);
  for (const row of rows) log(row);
  const first = figures["first run"] as { wallMsMedian: number; peakRssMiB: number };
  const peer = figures["kubectl apply --server-side (peer)"] as { wallMsMedian: number };
  const quiet = figures["nothing new (same commit)"] as { requests: ReturnType<typeof counts> };
  const one = figures["one object changed"] as { requests: ReturnType<typeof counts> };
  const goals = {
    nothingNewOneRead: quiet.requests.total === 1,
    oneChangedOneDryRunOneApply: one.requests.dryRuns === 1 && one.requests.applies === 1,
    firstRunNoSlowerThanKubectl: first.wallMsMedian <= peer.wallMsMedian,
    peakRssUnder128MiB: Object.values(figures).every((value) => ((value as { peakRssMiB?: number }).peakRssMiB ?? 0) < 128),
  };
  log(`goals: ${JSON.stringify(goals)}`);
  return { valid: true, goalsMet: Object.values(goals).every(Boolean), figures: { ...figures, goals } };
}
