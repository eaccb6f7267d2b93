import nock from "nock";
import { describe, expect, it } from "vitest";
import { syncCommand } from "../../src/cli/sync-command.js";
import { syncRepository } from "../../src/github/sync-github.js";
import { DEFAULT_BUDGETS } from "../../src/sync/budgets.js";
import { kubectlKustomize } from "../../src/sync/io/kubectl-kustomize.js";
import { runSync } from "../../src/sync/run-sync.js";
import type { SyncJob, SyncMemory, SyncWorld } from "../../src/sync/run-sync.js";
import { FAST_RETRY } from "../support/bender-server.js";
import { githubTarball } from "../support/tarballs.js";
import { ClusterStandIn } from "./cluster-stand-in.js";

const API = "https://api.github.com";
const TOKEN = "github_pat_0123456789abcdefghij";
const SHA1 = "1".repeat(40);
const SHA2 = "2".repeat(40);
const NOW = Date.parse("2026-11-27T12:00:00Z");

const JOB: SyncJob = {
  repository: "acme/manifests",
  ref: "main",
  paths: ["clusters/prod"],
  environment: "production",
  cluster: "prod-eu-1",
  namespace: "bender",
  dryRun: false,
  prune: true,
  wait: false,
  timeoutMs: 60_000,
  fullEveryMs: 3_600_000,
  defaultNamespace: "shop",
  force: false,
  allowMassPrune: false,
  pruneProtectedKinds: false,
  budgets: DEFAULT_BUDGETS,
};

const cm = (name: string, value = "1") => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

function world(cluster: ClusterStandIn, now = () => NOW): SyncWorld {
  return {
    connect: syncRepository({ auth: { kind: "token", token: TOKEN }, apiUrl: API, repository: JOB.repository, ref: JOB.ref, paths: JOB.paths, environment: JOB.environment, cluster: JOB.cluster, budgets: DEFAULT_BUDGETS, policy: FAST_RETRY }),
    cluster,
    kustomizer: (files) => kubectlKustomize(files, DEFAULT_BUDGETS),
    now,
    holder: "test-pod",
  };
}

/** GitHub's side of one run, every request expected (unused mocks fail the test). */
const github = {
  ref(sha: string, etag: string, ifNoneMatch?: string) {
    nock(API, { reqheaders: { authorization: `token ${TOKEN}`, ...(ifNoneMatch ? { "if-none-match": ifNoneMatch } : {}) } })
      .get("/repos/acme/manifests/commits/main")
      .reply(200, sha, { "content-type": "application/vnd.github.sha; charset=utf-8", etag });
  },
  notModified(etag: string) {
    nock(API, { reqheaders: { "if-none-match": etag } }).get("/repos/acme/manifests/commits/main").reply(304, "");
  },
  async tarball(sha: string, files: Record<string, string>) {
    const archive = await githubTarball(sha, Object.entries(files).map(([name, content]) => ({ name, content })));
    nock(API).get(`/repos/acme/manifests/tarball/${sha}`).reply(200, archive, { "content-type": "application/x-gzip" });
  },
  noDeployment(sha: string) {
    nock(API).get("/repos/acme/manifests/deployments").query({ sha, environment: "production/prod-eu-1", per_page: "1" }).reply(200, []);
  },
  deploymentWithStatus(sha: string, id: number, status: { state: string; description: string }) {
    nock(API).get("/repos/acme/manifests/deployments").query({ sha, environment: "production/prod-eu-1", per_page: "1" }).reply(200, [{ id }]);
    nock(API).get(`/repos/acme/manifests/deployments/${id}/statuses`).query({ per_page: "1" }).reply(200, [status]);
  },
  deployment(sha: string, id: number) {
    nock(API).get("/repos/acme/manifests/deployments").query({ sha, environment: "production/prod-eu-1", per_page: "1" }).reply(200, [{ id }]);
  },
  create(sha: string, id: number) {
    nock(API).post("/repos/acme/manifests/deployments", (body) => body.ref === sha && body.environment === "production/prod-eu-1").reply(201, { id });
  },
  status(id: number, state: string, description: string) {
    nock(API).post(`/repos/acme/manifests/deployments/${id}/statuses`, (body) => body.state === state && body.description === description).reply(201, { id: 1 });
  },
};

async function firstRun(cluster: ClusterStandIn, memory?: SyncMemory) {
  github.ref(SHA1, '"e1"');
  await github.tarball(SHA1, { "clusters/prod/app.yaml": `${cm("a")}---\n${cm("b")}`, "clusters/staging/app.yaml": cm("staging") });
  github.noDeployment(SHA1);
  github.create(SHA1, 10);
  github.status(10, "in_progress", "applying");
  github.status(10, "success", "applied 2, unchanged 0");
  return runSync(JOB, world(cluster), memory);
}

describe("runSync, end to end with GitHub behind nock and a cluster stand-in", () => {
  it("first run: resolves, downloads, renders, applies, records the state, reports a deployment", async () => {
    const cluster = new ClusterStandIn();
    const result = await firstRun(cluster);
    expect(result).toMatchObject({ outcome: "applied", commit: SHA1, fullRun: true, unchanged: 0, deployment: { id: 10, state: "success" }, warnings: [] });
    expect(result.applied.map((object) => `${object.namespace}/${object.name}`)).toEqual(["shop/a", "shop/b"]);
    expect(cluster.calls).toEqual(["read-state", "lease", "read-state", "apply(full, prune)", "write-state", "lease-released"]);
    expect(cluster.state).toMatchObject({ commit: SHA1, etag: '"e1"', appliedAt: "2026-11-27T12:00:00.000Z" });
    expect(cluster.state?.inventory).toHaveLength(2);
  });

  it("nothing new: one conditional request (a 304) and one state read, no Lease, no writes; in --watch not even the read", async () => {
    const cluster = new ClusterStandIn();
    const memory: SyncMemory = { state: undefined };
    await firstRun(cluster, memory);
    cluster.calls.length = 0;

    github.notModified('"e1"');
    const fresh = await runSync(JOB, world(cluster, () => NOW + 60_000));
    expect(fresh).toMatchObject({ outcome: "up-to-date", commit: SHA1 });
    expect(cluster.calls).toEqual(["read-state"]);

    cluster.calls.length = 0;
    github.notModified('"e1"');
    expect(await runSync(JOB, world(cluster, () => NOW + 60_000), memory)).toMatchObject({ outcome: "up-to-date" });
    expect(cluster.calls).toEqual([]);
  });

  it("one object changed: only it is applied, the deployment says so; a dropped object is pruned", async () => {
    const cluster = new ClusterStandIn();
    await firstRun(cluster);
    github.ref(SHA2, '"e2"', '"e1"');
    await github.tarball(SHA2, { "clusters/prod/app.yaml": `${cm("a", "2")}---\n${cm("c")}` });
    github.noDeployment(SHA2);
    github.create(SHA2, 11);
    github.status(11, "in_progress", "applying");
    github.status(11, "success", "applied 2, unchanged 0, pruned 1");
    const result = await runSync(JOB, world(cluster, () => NOW + 60_000));
    expect(result).toMatchObject({ outcome: "applied", commit: SHA2, fullRun: false });
    expect(result.applied.map((object) => object.name)).toEqual(["a", "c"]);
    expect(result.pruned.map((object) => object.name)).toEqual(["b"]);
    expect(cluster.state?.commit).toBe(SHA2);
    // Only what changed was sent: the full-run clock still counts from the first run.
    expect(cluster.state?.appliedAt).toBe("2026-11-27T12:00:00.000Z");
    expect([...cluster.objects.keys()]).toEqual(["v1/ConfigMap/shop/a", "v1/ConfigMap/shop/c"]);
  });

  it("a full run re-applies everything when due; the commit's deployment was reported by its own run, so GitHub hears nothing more", async () => {
    const cluster = new ClusterStandIn();
    await firstRun(cluster);
    github.notModified('"e1"');
    await github.tarball(SHA1, { "clusters/prod/app.yaml": `${cm("a")}---\n${cm("b")}` });
    // Correcting drift on the commit already recorded adds nothing to its deployment: no GitHub request (unused mocks fail).
    const result = await runSync(JOB, world(cluster, () => NOW + 3_600_000));
    expect(result).toMatchObject({ outcome: "applied", fullRun: true });
    expect(cluster.calls.slice(-4)).toEqual(["read-state", "apply(full, prune)", "write-state", "lease-released"]);
    expect(cluster.state?.appliedAt).toBe("2026-11-27T13:00:00.000Z");
  });

  it("a render that fails touches nothing, keeps the state, reports the failure once, and names the file", async () => {
    const cluster = new ClusterStandIn();
    await firstRun(cluster);
    const stateBefore = structuredClone(cluster.state);
    const broken = { "clusters/prod/app.yaml": cm("a"), "clusters/prod/chart.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n" };
    const reason = "clusters/prod/chart.yaml: a template ({{ … }}), not plain YAML; render it in CI and commit the output, or use kustomize";

    github.ref(SHA2, '"e2"', '"e1"');
    await github.tarball(SHA2, broken);
    github.noDeployment(SHA2);
    github.create(SHA2, 12);
    github.status(12, "failure", reason);
    const result = await runSync(JOB, world(cluster, () => NOW + 60_000));
    expect(result).toMatchObject({ outcome: "failed", errorCode: "template", failures: [{ reason }], deployment: { id: 12, state: "failure" } });
    expect(cluster.state).toEqual(stateBefore);
    expect(cluster.calls.slice(-3)).toEqual(["lease", "read-state", "lease-released"]);

    // The CronJob's next run meets the same failure: GitHub already shows it, so no new status.
    github.ref(SHA2, '"e2"', '"e1"');
    await github.tarball(SHA2, broken);
    github.deploymentWithStatus(SHA2, 12, { state: "failure", description: reason });
    expect(await runSync(JOB, world(cluster, () => NOW + 120_000))).toMatchObject({ outcome: "failed", deployment: { id: 12, state: "failure" } });
  });

  it("a dry-run failure half-way applies nothing, keeps the state, reports every failing object", async () => {
    const cluster = new ClusterStandIn();
    await firstRun(cluster);
    cluster.calls.length = 0;
    cluster.failing.set("b", 'admission webhook "policy" denied the request');
    github.ref(SHA2, '"e2"', '"e1"');
    await github.tarball(SHA2, { "clusters/prod/app.yaml": `${cm("a", "2")}---\n${cm("b", "2")}` });
    github.noDeployment(SHA2);
    github.create(SHA2, 13);
    github.status(13, "in_progress", "applying");
    github.status(13, "failure", 'ConfigMap shop/b: admission webhook "policy" denied the request');
    const result = await runSync(JOB, world(cluster, () => NOW + 60_000));
    expect(result.outcome).toBe("failed");
    expect(cluster.state?.commit).toBe(SHA1);
    expect(cluster.calls).not.toContain("write-state");
  });

  it("--dry-run: steps 1-4 only, no Lease, no state, no deployment; lists what would be applied and pruned", async () => {
    const cluster = new ClusterStandIn();
    await firstRun(cluster);
    cluster.calls.length = 0;
    github.ref(SHA2, '"e2"', '"e1"');
    await github.tarball(SHA2, { "clusters/prod/app.yaml": `${cm("a")}---\n${cm("c")}` });
    const result = await runSync({ ...JOB, dryRun: true }, world(cluster, () => NOW + 60_000));
    expect(result).toMatchObject({ outcome: "dry-run", commit: SHA2 });
    expect(result.applied.map((object) => object.name)).toEqual(["c"]);
    expect(result.wouldPrune.map((object) => object.name)).toEqual(["b"]);
    expect(cluster.calls).toEqual(["read-state", "apply(dry-run)"]);
    expect(cluster.state?.commit).toBe(SHA1);
  });

  it("in --watch, a commit that failed is tried again on the next run, though GitHub answers 304", async () => {
    const cluster = new ClusterStandIn();
    const memory: SyncMemory = { state: undefined };
    await firstRun(cluster, memory);
    cluster.failing.set("b", "the API server is overloaded");
    github.ref(SHA2, '"e2"', '"e1"');
    await github.tarball(SHA2, { "clusters/prod/app.yaml": `${cm("a")}---\n${cm("b", "2")}` });
    github.noDeployment(SHA2);
    github.create(SHA2, 15);
    github.status(15, "in_progress", "applying");
    github.status(15, "failure", "ConfigMap shop/b: the API server is overloaded");
    expect(await runSync(JOB, world(cluster, () => NOW + 10_000), memory)).toMatchObject({ outcome: "failed", commit: SHA2 });

    cluster.failing.clear();
    github.notModified('"e2"');
    await github.tarball(SHA2, { "clusters/prod/app.yaml": `${cm("a")}---\n${cm("b", "2")}` });
    // The in-progress report reuses the commit's deployment and reads none of its statuses.
    github.deployment(SHA2, 15);
    github.status(15, "in_progress", "applying");
    github.status(15, "success", "applied 1, unchanged 1");
    expect(await runSync(JOB, world(cluster, () => NOW + 20_000), memory)).toMatchObject({ outcome: "applied", commit: SHA2 });
    expect(cluster.state).toMatchObject({ commit: SHA2, etag: '"e2"' });
  });

  it("two runs racing: the one without the Lease does nothing", async () => {
    const cluster = new ClusterStandIn();
    cluster.leaseHeldElsewhere = true;
    github.ref(SHA1, '"e1"');
    expect(await runSync(JOB, world(cluster))).toMatchObject({ outcome: "held-elsewhere", commit: SHA1 });
    expect(cluster.calls).toEqual(["read-state", "lease-held-elsewhere"]);
  });

  it("GitHub unreachable: a failed run with its code, nothing touched, nothing reported", async () => {
    const cluster = new ClusterStandIn();
    nock(API).get("/repos/acme/manifests/commits/main").times(3).reply(502, "bad gateway");
    const result = await runSync(JOB, world(cluster));
    expect(result).toMatchObject({ outcome: "failed", errorCode: "unreachable" });
    expect(result.failures[0]?.reason).toContain("resolving acme/manifests@main: unreachable");
    expect(cluster.calls).toEqual(["read-state"]);
  });

  it("a state that cannot be recorded fails the run (the next run applies again, harmlessly)", async () => {
    const cluster = new ClusterStandIn();
    cluster.failStateWrite = true;
    github.ref(SHA1, '"e1"');
    await github.tarball(SHA1, { "clusters/prod/app.yaml": cm("a") });
    github.noDeployment(SHA1);
    github.create(SHA1, 14);
    github.status(14, "in_progress", "applying");
    github.status(14, "failure", "applied, but the state could not be recorded: configmaps is forbidden");
    expect(await runSync(JOB, world(cluster))).toMatchObject({ outcome: "failed", errorCode: "forbidden" });
    expect(cluster.state).toBeUndefined();
  });
});

describe("GitHub App credentials", () => {
  it("a fresh process with the installation remembered in the state: one token request and one 304, no installation lookup", async () => {
    const { PRIVATE_KEY } = await import("../support/bender-server.js");
    const cluster = new ClusterStandIn();
    cluster.state = { commit: SHA1, etag: '"e1"', installationId: 7, appliedAt: new Date(NOW).toISOString(), inventory: [] };
    nock(API).post("/app/installations/7/access_tokens").reply(201, { token: "ghs_sync", expires_at: "2099-01-01T00:00:00Z" });
    nock(API, { reqheaders: { authorization: "token ghs_sync", "if-none-match": '"e1"' } }).get("/repos/acme/manifests/commits/main").reply(304, "");
    const app = { ...world(cluster), connect: syncRepository({ auth: { kind: "app", appId: 1, privateKey: PRIVATE_KEY }, apiUrl: API, repository: JOB.repository, ref: JOB.ref, paths: JOB.paths, environment: JOB.environment, cluster: JOB.cluster, budgets: DEFAULT_BUDGETS, policy: FAST_RETRY }) };
    expect(await runSync(JOB, app)).toMatchObject({ outcome: "up-to-date" });
    expect(cluster.calls).toEqual(["read-state"]);
  });
});

describe("bender sync (the command, in process)", () => {
  it("--watch runs until stopped, reading the state once and then only asking GitHub", async () => {
    const cluster = new ClusterStandIn();
    cluster.state = { commit: SHA1, etag: '"e1"', appliedAt: new Date().toISOString(), inventory: [] };
    nock(API, { reqheaders: { "if-none-match": '"e1"' } }).get("/repos/acme/manifests/commits/main").times(2).reply(304, "");
    const stop = new AbortController();
    const lines: string[] = [];
    const context = {
      stdout: { write: (chunk: string) => { lines.push(chunk); if (lines.length === 2) stop.abort(); return true; } },
      stderr: { write: () => true },
      cwd: "/",
    };
    const args = ["--repository", "acme/manifests", "--path", "clusters/prod", "--environment", "production", "--cluster", "prod-eu-1", "--namespace", "bender", "--watch", "1s", "--json"];
    expect(await syncCommand(args, context, { env: { GITHUB_TOKEN: TOKEN }, connectCluster: async () => cluster, signal: stop.signal })).toBe(0);
    expect(lines.map((line) => (JSON.parse(line) as { outcome: string }).outcome)).toEqual(["up-to-date", "up-to-date"]);
    expect(cluster.calls).toEqual(["read-state"]);
  });

  it("prints one JSON result object and exits 0; exits 1 when the run failed", async () => {
    const cluster = new ClusterStandIn();
    const env = { GITHUB_TOKEN: TOKEN };
    const args = ["--repository", "acme/manifests", "--path", "clusters/prod", "--environment", "production", "--cluster", "prod-eu-1", "--namespace", "bender", "--json"];
    github.ref(SHA1, '"e1"');
    await github.tarball(SHA1, { "clusters/prod/app.yaml": cm("a") });
    github.noDeployment(SHA1);
    github.create(SHA1, 20);
    github.status(20, "in_progress", "applying");
    github.status(20, "success", "applied 1, unchanged 0");
    let out = "";
    const context = { stdout: { write: (chunk: string) => (out += chunk) }, stderr: { write: () => true }, cwd: "/" };
    expect(await syncCommand(args, context, { env, connectCluster: async () => cluster, inProgressAfter: "at-once" })).toBe(0);
    const printed = JSON.parse(out) as { outcome: string; applied: { name: string }[] };
    expect(printed.outcome).toBe("applied");
    expect(printed.applied.map((object) => object.name)).toEqual(["a"]);

    out = "";
    nock(API).get("/repos/acme/manifests/commits/main").reply(404, { message: "Not Found" });
    expect(await syncCommand(args.slice(0, -1), context, { env, connectCluster: async () => cluster, inProgressAfter: "at-once" })).toBe(1);
    expect(out).toContain("FAILED (not-found)");
  });
});
