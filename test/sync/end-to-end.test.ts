/**
 * `bender sync` end to end, in process: the git side (GitHub behind nock, every request counted) and the cluster
 * side (client-node against the fake Kubernetes API over HTTPS, from a temp KUBECONFIG) run together, with
 * kustomize rendered by the real kubectl.
 */
import nock from "nock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { syncCommand } from "../../src/cli/sync-command.js";
import { connectToCluster } from "../../src/sync/io/kube-connection.js";
import { applyObject } from "../../src/sync/io/kube-objects.js";
import { kubeRequest } from "../../src/sync/io/kube-request.js";
import type { SyncRunResult } from "../../src/sync/sync-result.js";
import { startFakeKubernetes, type FakeKubernetes, type RecordedRequest } from "../support/fake-kubernetes.js";
import { githubTarball } from "../support/tarballs.js";

const API = "https://api.github.com";
const TOKEN = "github_pat_0123456789abcdefghij";
const REPO = "/repos/acme/manifests";
const ENVIRONMENT = "production/prod-eu-1";
const SHA = { first: "1".repeat(40), changed: "2".repeat(40), removed: "3".repeat(40), broken: "4".repeat(40), refused: "5".repeat(40) };

const ARGS = ["--repository", "acme/manifests", "--path", "clusters/prod", "--environment", "production", "--cluster", "prod-eu-1",
  "--namespace", "bender", "--default-namespace", "shop", "--prune", "--json"];

let fake: FakeKubernetes;
let env: NodeJS.ProcessEnv;
/** When a run counts as long enough to report in progress: at once by default here (two seconds in production). */
let inProgressAfter: (() => Promise<void>) | "at-once";
/** Every GitHub request the run made, as "METHOD path" (nock answers only what a test expects; anything else fails). */
let github: string[];

beforeEach(async () => {
  fake = await startFakeKubernetes();
  fake.store.defaultSettleReads = 1;
  env = { GITHUB_TOKEN: TOKEN, KUBECONFIG: fake.writeKubeconfig(), PATH: process.env.PATH, KUBECTL: process.env.KUBECTL };
  github = [];
  inProgressAfter = "at-once";
  // The job's namespace, made by deploy/sync before the first run.
  await applyObject(connectToCluster({ KUBECONFIG: env.KUBECONFIG }), { apiVersion: "v1", kind: "Namespace", metadata: { name: "bender" } }, { dryRun: false, force: false });
  fake.requests.length = 0;
});
afterEach(async () => {
  await fake.close();
});

const files = {
  namespace: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
  deployment: [
    "apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: web", "spec:", "  replicas: 2",
    "  selector:", "    matchLabels: {app: web}", "  template:", "    metadata:", "      labels: {app: web}",
    "    spec:", "      containers:", "        - name: web", "          image: registry.example.com/web:1.0", "",
  ].join("\n"),
  settings: (colour: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  colour: ${colour}\n`,
  kustomization: "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop\nresources: [service.yaml]\ncommonLabels:\n  app.kubernetes.io/part-of: cache\n",
  service: "apiVersion: v1\nkind: Service\nmetadata:\n  name: cache\nspec:\n  ports: [{port: 6379}]\n",
};

function tree(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const base: Record<string, string | undefined> = {
    "clusters/prod/namespace.yaml": files.namespace,
    "clusters/prod/web.yaml": files.deployment,
    "clusters/prod/settings.yaml": files.settings("blue"),
    "clusters/prod/cache/kustomization.yaml": files.kustomization,
    "clusters/prod/cache/service.yaml": files.service,
    "clusters/staging/other.yaml": files.settings("never applied"),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** GitHub's REST side of the sync job behind nock; each reply records its request. */
const gh = {
  record(method: string, path: string) {
    github.push(`${method} ${path}`);
  },
  ref(sha: string, etag: string, ifNoneMatch?: string) {
    nock(API, { reqheaders: { authorization: `token ${TOKEN}`, accept: "application/vnd.github.sha", ...(ifNoneMatch ? { "if-none-match": ifNoneMatch } : {}) } })
      .get(`${REPO}/commits/main`)
      .reply(() => {
        gh.record("GET", "commits/main");
        return [200, sha, { "content-type": "application/vnd.github.sha; charset=utf-8", etag }];
      });
  },
  notModified(etag: string) {
    nock(API, { reqheaders: { "if-none-match": etag } }).get(`${REPO}/commits/main`).reply(() => {
      gh.record("GET", "commits/main (304)");
      return [304, ""];
    });
  },
  async tarball(sha: string, content: Record<string, string>) {
    const archive = await githubTarball(sha, Object.entries(content).map(([name, text]) => ({ name, content: text })));
    nock(API).get(`${REPO}/tarball/${sha}`).reply(() => {
      gh.record("GET", `tarball/${sha.slice(0, 7)}`);
      return [200, archive, { "content-type": "application/x-gzip" }];
    });
  },
  noDeployment(sha: string) {
    nock(API).get(`${REPO}/deployments`).query({ sha, environment: ENVIRONMENT, per_page: "1" }).reply(() => {
      gh.record("GET", "deployments");
      return [200, []];
    });
  },
  create(sha: string, id: number) {
    nock(API).post(`${REPO}/deployments`, (body: { ref: string; environment: string }) => body.ref === sha && body.environment === ENVIRONMENT).reply(() => {
      gh.record("POST", "deployments");
      return [201, { id }];
    });
  },
  status(id: number, state: string, description: string | RegExp) {
    const matches = (text: string) => (typeof description === "string" ? text === description : description.test(text));
    nock(API).post(`${REPO}/deployments/${id}/statuses`, (body: { state: string; description: string }) => body.state === state && matches(body.description)).reply(() => {
      gh.record("POST", `statuses ${state}`);
      return [201, { id: 1 }];
    });
  },
};

async function syncText(args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const context = { stdout: { write: (chunk: string) => ((out += chunk), true) }, stderr: { write: () => true }, cwd: "/" };
  const code = await syncCommand(args, context, { env, inProgressAfter });
  return { code, out };
}

async function sync(extra: string[] = []): Promise<{ code: number; result: SyncRunResult }> {
  const { code, out } = await syncText([...ARGS, ...extra]);
  return { code, result: JSON.parse(out) as SyncRunResult };
}

const isLease = (request: RecordedRequest) => request.path.includes("/leases/");
const isState = (request: RecordedRequest) => request.path.startsWith("/api/v1/namespaces/bender/configmaps");
/** Requests that change the cluster's objects (not the state, not the Lease, not dry-runs). */
function objectWrites(from: number): string[] {
  return fake.requests.slice(from).filter((request) => request.method !== "GET" && !request.dryRun && !isLease(request) && !isState(request))
    .map((request) => `${request.method} ${request.path}`);
}
function dryRuns(from: number): string[] {
  return fake.requests.slice(from).filter((request) => request.dryRun).map((request) => request.path);
}
function live(group: string, plural: string, name: string) {
  const type = { group, version: "v1", plural, kind: "", namespaced: true, statusSubresource: false };
  return fake.store.list(type, "shop").find((object) => (object.metadata as { name: string }).name === name) as
    { metadata: { labels?: Record<string, string> }; data?: Record<string, string> } | undefined;
}

async function firstRun(extra: string[] = []) {
  gh.ref(SHA.first, '"e1"');
  await gh.tarball(SHA.first, tree());
  gh.noDeployment(SHA.first);
  gh.create(SHA.first, 10);
  gh.status(10, "in_progress", "applying");
  gh.status(10, "success", "applied 4, unchanged 0");
  return sync(extra);
}

describe("bender sync end to end (GitHub behind nock, the fake Kubernetes API, kubectl kustomize)", () => {
  it("a first run applies the tree, records the state and reports the deployment; a second run costs a 304 and one read", async () => {
    const { code, result } = await firstRun();
    expect(code).toBe(0);
    expect(result).toMatchObject({ outcome: "applied", commit: SHA.first, fullRun: true, unchanged: 0, deployment: { id: 10, state: "success" }, warnings: [] });
    expect(result.applied[0]).toEqual({ apiVersion: "v1", kind: "Namespace", name: "shop" });
    expect(new Set(result.applied.map((object) => `${object.kind}/${object.name}`))).toEqual(new Set(["Namespace/shop", "Service/cache", "ConfigMap/settings", "Deployment/web"]));
    expect(github).toEqual(["GET commits/main", `GET tarball/${SHA.first.slice(0, 7)}`, "GET deployments", "POST deployments", "POST statuses in_progress", "POST statuses success"]);
    // The kustomize folder rendered by kubectl: its label is on the live Service.
    expect(live("", "services", "cache")?.metadata.labels).toMatchObject({ "app.kubernetes.io/part-of": "cache" });
    expect(live("", "configmaps", "other")).toBeUndefined();
    const stateMap = fake.store.list({ group: "", version: "v1", plural: "configmaps", kind: "", namespaced: true, statusSubresource: false }, "bender")
      .find((object) => (object.metadata as { name: string }).name === "bender-sync-production-prod-eu-1") as { data: Record<string, string> } | undefined;
    expect(stateMap?.data).toMatchObject({ commit: SHA.first, objects: "4", result: "applied 4, unchanged 0" });

    github = [];
    const from = fake.requests.length;
    gh.notModified('"e1"');
    const again = await sync();
    expect(again.code).toBe(0);
    expect(again.result).toMatchObject({ outcome: "up-to-date", commit: SHA.first });
    expect(github).toEqual(["GET commits/main (304)"]);
    expect(fake.requests.slice(from).map((request) => `${request.method} ${request.path}`)).toEqual(["GET /api/v1/namespaces/bender/configmaps/bender-sync-production-prod-eu-1"]);
  });

  it("a run done before it counts as long reports only its outcome, and a commit that changes nothing here reports nothing", async () => {
    await firstRun();
    inProgressAfter = () => new Promise<void>(() => {}); // never: every run below is "quick"

    // One object changed: the deployment and its success, no in-progress status.
    github = [];
    gh.ref(SHA.changed, '"e2"', '"e1"');
    await gh.tarball(SHA.changed, tree({ "clusters/prod/settings.yaml": files.settings("red") }));
    gh.noDeployment(SHA.changed);
    gh.create(SHA.changed, 11);
    gh.status(11, "success", "applied 1, unchanged 3");
    expect(await sync()).toMatchObject({ code: 0, result: { outcome: "applied", deployment: { id: 11, state: "success" } } });
    expect(github).toEqual(["GET commits/main", `GET tarball/${SHA.changed.slice(0, 7)}`, "GET deployments", "POST deployments", "POST statuses success"]);

    // A new commit that changes nothing in the configured paths: applied, recorded, and silent on GitHub.
    github = [];
    gh.ref(SHA.removed, '"e3"', '"e2"');
    await gh.tarball(SHA.removed, tree({ "clusters/prod/settings.yaml": files.settings("red"), "clusters/staging/other.yaml": files.settings("elsewhere") }));
    const quiet = await sync();
    expect(quiet).toMatchObject({ code: 0, result: { outcome: "applied", commit: SHA.removed, applied: [], unchanged: 4 } });
    expect(quiet.result.deployment).toBeUndefined();
    expect(github).toEqual(["GET commits/main", `GET tarball/${SHA.removed.slice(0, 7)}`]);
  });

  it("a commit that changes one object applies only it; a commit that drops one prunes it", async () => {
    await firstRun();
    const state = () => fake.requests.filter((request) => request.method === "GET" && request.path.endsWith("/configmaps/bender-sync-production-prod-eu-1"));

    github = [];
    let from = fake.requests.length;
    gh.ref(SHA.changed, '"e2"', '"e1"');
    await gh.tarball(SHA.changed, tree({ "clusters/prod/settings.yaml": files.settings("red") }));
    gh.noDeployment(SHA.changed);
    gh.create(SHA.changed, 11);
    gh.status(11, "in_progress", "applying");
    gh.status(11, "success", "applied 1, unchanged 3");
    const changed = await sync();
    expect(changed).toMatchObject({ code: 0, result: { outcome: "applied", commit: SHA.changed, fullRun: false, unchanged: 3 } });
    expect(github).toEqual(["GET commits/main", `GET tarball/${SHA.changed.slice(0, 7)}`, "GET deployments", "POST deployments", "POST statuses in_progress", "POST statuses success"]);
    expect(dryRuns(from)).toEqual(["/api/v1/namespaces/shop/configmaps/settings"]);
    expect(objectWrites(from)).toEqual(["PATCH /api/v1/namespaces/shop/configmaps/settings"]);
    expect(live("", "configmaps", "settings")?.data).toEqual({ colour: "red" });

    github = [];
    from = fake.requests.length;
    const stateReads = state().length;
    gh.ref(SHA.removed, '"e3"', '"e2"');
    await gh.tarball(SHA.removed, tree({ "clusters/prod/settings.yaml": undefined }));
    gh.noDeployment(SHA.removed);
    gh.create(SHA.removed, 12);
    gh.status(12, "in_progress", "applying");
    gh.status(12, "success", "applied 0, unchanged 3, pruned 1");
    const removed = await sync();
    expect(removed).toMatchObject({ code: 0, result: { outcome: "applied", commit: SHA.removed, pruned: [{ kind: "ConfigMap", namespace: "shop", name: "settings" }] } });
    expect(dryRuns(from)).toEqual([]);
    expect(objectWrites(from)).toEqual(["DELETE /api/v1/namespaces/shop/configmaps/settings"]);
    expect(live("", "configmaps", "settings")).toBeUndefined();
    // The state is read once before the Lease and once under it (another run may just have finished).
    expect(state().length - stateReads).toBe(2);
  });

  it("a render failure applies nothing, keeps the state and reports the failure", async () => {
    await firstRun();
    github = [];
    const from = fake.requests.length;
    gh.ref(SHA.broken, '"e4"', '"e1"');
    await gh.tarball(SHA.broken, tree({ "clusters/prod/settings.yaml": files.settings("red"), "clusters/prod/chart.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n" }));
    gh.noDeployment(SHA.broken);
    gh.create(SHA.broken, 13);
    gh.status(13, "failure", /^clusters\/prod\/chart\.yaml: a template/u);
    const broken = await sync();
    expect(broken).toMatchObject({ code: 1, result: { outcome: "failed", errorCode: "template", deployment: { id: 13, state: "failure" } } });
    expect(dryRuns(from)).toEqual([]);
    expect(objectWrites(from)).toEqual([]);
    expect(fake.requests.slice(from).filter((request) => isState(request) && request.method !== "GET")).toEqual([]);
    expect(live("", "configmaps", "settings")?.data).toEqual({ colour: "blue" });
  });

  it("a dry-run failure applies nothing, keeps the state and reports every failing object", async () => {
    await firstRun();
    github = [];
    const from = fake.requests.length;
    fake.faults.push({ matches: (request) => request.name === "settings" && request.dryRun, code: 422, reason: "Invalid", message: 'ConfigMap "settings" is invalid: data: Too many keys' });
    gh.ref(SHA.refused, '"e5"', '"e1"');
    await gh.tarball(SHA.refused, tree({ "clusters/prod/settings.yaml": files.settings("red"), "clusters/prod/web.yaml": files.deployment.replace("web:1.0", "web:1.1") }));
    gh.noDeployment(SHA.refused);
    gh.create(SHA.refused, 14);
    gh.status(14, "in_progress", "applying");
    gh.status(14, "failure", /^ConfigMap shop\/settings: Invalid: .*Too many keys/u);
    const refused = await sync();
    expect(refused).toMatchObject({ code: 1, result: { outcome: "failed", applied: [], failures: [{ object: { kind: "ConfigMap", name: "settings" } }] } });
    expect(dryRuns(from).sort()).toEqual(["/api/v1/namespaces/shop/configmaps/settings", "/apis/apps/v1/namespaces/shop/deployments/web"]);
    expect(objectWrites(from)).toEqual([]);
    expect(fake.requests.slice(from).filter((request) => isState(request) && request.method !== "GET")).toEqual([]);
  });

  it("the prune keeps protected kinds and opted-out objects, and the result says which and why (--json and text)", async () => {
    await firstRun();
    // Somebody marks the live ConfigMap as not to be pruned.
    const kube = connectToCluster({ KUBECONFIG: env.KUBECONFIG });
    const settings = await kubeRequest<Record<string, unknown> & { metadata: object }>(kube, { method: "GET", path: "/api/v1/namespaces/shop/configmaps/settings" });
    await kubeRequest(kube, { method: "PUT", path: "/api/v1/namespaces/shop/configmaps/settings", body: { ...settings, metadata: { ...settings.metadata, annotations: { "bender.dev/prune": "disabled" } } } });

    const from = fake.requests.length;
    gh.ref(SHA.removed, '"e3"', '"e1"');
    await gh.tarball(SHA.removed, tree({ "clusters/prod/settings.yaml": undefined, "clusters/prod/namespace.yaml": undefined }));
    gh.noDeployment(SHA.removed);
    gh.create(SHA.removed, 15);
    gh.status(15, "in_progress", "applying");
    gh.status(15, "success", "applied 0, unchanged 2");
    const { code, out } = await syncText(ARGS.filter((arg) => arg !== "--json"));
    expect(code).toBe(0);
    expect(out).toContain("  kept    Namespace shop: Namespace is a protected kind: pruned only when protected kinds are allowed\n");
    expect(out).toContain("  kept    ConfigMap shop/settings: annotated bender.dev/prune: disabled\n");
    expect(objectWrites(from)).toEqual([]);
    expect(live("", "configmaps", "settings")).toBeDefined();

    // Kept objects stay in the recorded inventory (Bender still answers for them): a later run allowing protected
    // kinds would prune the Namespace; the annotated ConfigMap is kept again while it carries its annotation.
    gh.notModified('"e3"');
    await gh.tarball(SHA.removed, tree({ "clusters/prod/settings.yaml": undefined, "clusters/prod/namespace.yaml": undefined }));
    const dry = await sync(["--dry-run", "--prune-protected-kinds"]);
    expect(dry.result).toMatchObject({
      outcome: "dry-run",
      wouldPrune: [{ apiVersion: "v1", kind: "Namespace", name: "shop" }],
      kept: [{ object: { apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "settings" }, reason: "annotated bender.dev/prune: disabled" }],
    });
  });

  it("--dry-run on an empty cluster: everything it would apply, nothing written, no Lease, no state, no deployment", async () => {
    gh.ref(SHA.first, '"e1"');
    await gh.tarball(SHA.first, tree());
    const { code, out } = await syncText([...ARGS.filter((arg) => arg !== "--json"), "--dry-run"]);
    expect(code).toBe(0);
    expect(out).toContain("[dry-run] acme/manifests@main (1111111) → production/prod-eu-1: would apply 4, unchanged 0, would prune 0\n");
    expect(out).toContain("[dry-run]   apply  Deployment shop/web\n");
    expect(github).toEqual(["GET commits/main", `GET tarball/${SHA.first.slice(0, 7)}`]);
    // The Namespace is dry-run; objects in it cannot be until it exists, so a dry run of a new namespace checks what it can.
    expect(fake.requests.filter((request) => request.method !== "GET" && !request.dryRun)).toEqual([]);
    expect(fake.requests.filter((request) => isLease(request))).toEqual([]);
    expect(live("", "configmaps", "settings")).toBeUndefined();
  });

  it("--wait: the Deployment sent is read until it has rolled out before the run succeeds", async () => {
    fake.store.defaultSettleReads = 2;
    const { code, result } = await firstRun(["--wait", "--timeout", "30s"]);
    expect(code).toBe(0);
    expect(result.outcome).toBe("applied");
    const rolloutReads = fake.requests.filter((request) => request.method === "GET" && request.path === "/apis/apps/v1/namespaces/shop/deployments/web");
    expect(rolloutReads.length).toBeGreaterThanOrEqual(2);
  });
});
