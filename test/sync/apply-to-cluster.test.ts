import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ClusterOptions, ClusterResult, RenderedObject, SyncState } from "../../src/sync/cluster-types.js";
import { applyToCluster } from "../../src/sync/io/apply-to-cluster.js";
import { connectToCluster, type KubeConnection } from "../../src/sync/io/kube-connection.js";
import { startFakeKubernetes, type FakeKubernetes } from "../support/fake-kubernetes.js";
import { configMap, cronTab, crontabDefinition, deployment, namespace } from "../support/sync-objects.js";

let fake: FakeKubernetes;
let kube: KubeConnection;
const options: ClusterOptions = { namespace: "bender", stateName: "bender-sync", dryRun: false, prune: false, fullRun: false, wait: false, timeoutMs: 5_000, force: false, pollMs: 10 };

beforeEach(async () => {
  fake = await startFakeKubernetes();
  kube = connectToCluster({ KUBECONFIG: fake.writeKubeconfig() });
});
afterEach(async () => {
  await fake.close();
});

function stateAfter(result: ClusterResult): SyncState {
  expect(result.ok).toBe(true);
  return { commit: "c1", appliedAt: "2026-11-27T12:00:00Z", inventory: result.inventory };
}

function writes(from = 0): string[] {
  return fake.requests.slice(from).filter((request) => request.method !== "GET").map((request) => `${request.method}${request.dryRun ? " dry-run" : ""} ${request.path}`);
}

function live(kind: "configmaps" | "deployments", name: string) {
  const type = kind === "configmaps" ? { group: "", plural: "configmaps" } : { group: "apps", plural: "deployments" };
  return fake.store.list({ ...type, version: "v1", kind: "", namespaced: true, statusSubresource: false }, "shop")
    .find((object) => (object.metadata as { name: string }).name === name) as { metadata: { resourceVersion: string; managedFields: { manager: string }[] }; data?: Record<string, string> } | undefined;
}

const tree = (): RenderedObject[] => [configMap("settings", { colour: "blue" }), deployment("web", "shop/web:1.0"), namespace("shop"), configMap("flags", { beta: "on" })];

describe("applyToCluster", () => {
  it("sends Namespaces first, dry-runs everything before applying, and records hashes", async () => {
    const result = await applyToCluster(kube, tree(), undefined, options);
    expect(result.ok).toBe(true);
    expect(result.applied.map((ref) => `${ref.kind}/${ref.name}`)).toEqual(["Namespace/shop", "ConfigMap/settings", "Deployment/web", "ConfigMap/flags"]);
    const sent = writes();
    expect(sent.slice(0, 2)).toEqual(["PATCH dry-run /api/v1/namespaces/shop", "PATCH /api/v1/namespaces/shop"]);
    expect(new Set(sent.slice(2, 5))).toEqual(new Set([
      "PATCH dry-run /api/v1/namespaces/shop/configmaps/settings", "PATCH dry-run /apis/apps/v1/namespaces/shop/deployments/web", "PATCH dry-run /api/v1/namespaces/shop/configmaps/flags",
    ]));
    expect(new Set(sent.slice(5))).toEqual(new Set([
      "PATCH /api/v1/namespaces/shop/configmaps/settings", "PATCH /apis/apps/v1/namespaces/shop/deployments/web", "PATCH /api/v1/namespaces/shop/configmaps/flags",
    ]));
    expect(live("configmaps", "settings")?.metadata.managedFields.map((entry) => entry.manager)).toEqual(["bender"]);
    expect(result.inventory).toHaveLength(4);
    expect(result.inventory[0]!.hash).toMatch(/^[0-9a-f]{64}$/u);
  });

  it("sends nothing when nothing changed, only the changed object when one did, and everything on a full run", async () => {
    const previous = stateAfter(await applyToCluster(kube, tree(), undefined, options));
    let from = fake.requests.length;
    const quiet = await applyToCluster(kube, tree(), previous, options);
    expect(quiet.applied).toEqual([]);
    expect(quiet.unchanged).toHaveLength(4);
    expect(fake.requests.slice(from)).toEqual([]);

    from = fake.requests.length;
    const changed = tree().map((object) => (object.manifest.metadata.name === "settings" ? configMap("settings", { colour: "red" }) : object));
    const one = await applyToCluster(kube, changed, previous, options);
    expect(one.applied.map((ref) => ref.name)).toEqual(["settings"]);
    expect(writes(from)).toEqual(["PATCH dry-run /api/v1/namespaces/shop/configmaps/settings", "PATCH /api/v1/namespaces/shop/configmaps/settings"]);
    expect(live("configmaps", "settings")?.data).toEqual({ colour: "red" });

    const full = await applyToCluster(kube, changed, stateAfter(one), { ...options, fullRun: true });
    expect(full.applied).toHaveLength(4);
  });

  it("stops at a failure half-way through applying, and a re-run after it (or a crash) is harmless", async () => {
    fake.faults.push({ matches: (request) => request.name === "web" && !request.dryRun && request.method === "PATCH", code: 500, reason: "InternalError", message: "Internal error occurred: etcdserver: request timed out" });
    // One at a time, so "stops" is observable: with more in flight, those already sent finish.
    const failed = await applyToCluster(kube, tree(), undefined, { ...options, concurrency: 1 });
    expect(failed.ok).toBe(false);
    expect(failed.failures).toEqual([{ object: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web" }, reason: expect.stringContaining("InternalError: apply of Deployment shop/web: Internal error occurred: etcdserver: request timed out") }]);
    expect(failed.applied.map((ref) => ref.name)).toEqual(["shop", "settings"]);
    expect(live("configmaps", "flags")).toBeUndefined();
    const settingsVersion = live("configmaps", "settings")!.metadata.resourceVersion;

    // The state was not written (the run failed), so the re-run starts from the same previous state: nothing.
    const rerun = await applyToCluster(kube, tree(), undefined, options);
    expect(rerun.ok).toBe(true);
    expect(live("configmaps", "flags")?.data).toEqual({ beta: "on" });
    expect(live("configmaps", "settings")!.metadata.resourceVersion).toBe(settingsVersion);
  });

  it("re-sends after a crash between applying and recording the state, and the cluster does not change", async () => {
    const recorded = stateAfter(await applyToCluster(kube, tree(), undefined, options));
    const next = [configMap("settings", { colour: "red" }), ...tree().slice(1)];
    await applyToCluster(kube, next, recorded, options); // applied, then the process died: no state written
    const versions = ["settings", "flags"].map((name) => live("configmaps", name)!.metadata.resourceVersion);
    const rerun = await applyToCluster(kube, next, recorded, options);
    expect(rerun.ok).toBe(true);
    expect(rerun.applied.map((ref) => ref.name)).toEqual(["settings"]);
    expect(["settings", "flags"].map((name) => live("configmaps", name)!.metadata.resourceVersion)).toEqual(versions);
  });

  it("sends the manifest as rendered, fields unknown to client-node's models included", async () => {
    const web = deployment("web", "shop/web:1.0");
    Object.assign(web.manifest.spec as object, { minReadySeconds: 5, fieldNewerThanTheClient: { on: true } });
    const result = await applyToCluster(kube, [namespace("shop"), web], undefined, options);
    expect(result.ok).toBe(true);
    const stored = fake.store.list({ group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true, statusSubresource: true }, "shop")[0] as { spec: Record<string, unknown> };
    expect(stored.spec).toMatchObject({ minReadySeconds: 5, fieldNewerThanTheClient: { on: true } });
  });

  it("reports every object whose dry-run fails, with the API's reason, and applies nothing", async () => {
    const broken = [...tree(), deployment("api", "shop/api:2", -1), configMap("Bad_Name", {})];
    const result = await applyToCluster(kube, broken, undefined, options);
    expect(result.ok).toBe(false);
    expect(result.failures.map((failure) => failure.object.name)).toEqual(["api", "Bad_Name"]);
    expect(result.failures[0]!.reason).toContain("Invalid: ");
    expect(result.failures[0]!.reason).toContain("spec.replicas: Invalid value: -1");
    expect(writes().filter((line) => !line.includes("dry-run") && !line.endsWith("/namespaces/shop"))).toEqual([]);
  });

  it("fails on a field owned by another manager unless forced", async () => {
    await applyToCluster(kube, tree(), undefined, options);
    const other = { ...kube, fieldManager: "team-tool" };
    const { applyObject } = await import("../../src/sync/io/kube-objects.js");
    await applyObject(other, { ...configMap("settings", { colour: "green" }).manifest }, { dryRun: false, force: true });
    const changed = [configMap("settings", { colour: "blue", size: "l" })];
    const refused = await applyToCluster(kube, changed, undefined, options);
    expect(refused.failures[0]!.reason).toContain('Conflict: dry-run of apply of ConfigMap shop/settings: Apply failed with 1 conflict: conflict with "team-tool" using v1: .data.colour');
    expect(live("configmaps", "settings")?.data?.colour).toBe("green");
    const forced = await applyToCluster(kube, changed, undefined, { ...options, force: true });
    expect(forced.ok).toBe(true);
    expect(live("configmaps", "settings")?.data).toEqual({ colour: "blue", size: "l" });
  });

  it("applies a CRD, waits until it is Established, then its custom resources", async () => {
    fake.store.defaultSettleReads = 3;
    const result = await applyToCluster(kube, [cronTab("nightly", "0 3 * * *"), crontabDefinition(), namespace("shop")], undefined, options);
    expect(result.failures).toEqual([]);
    expect(result.applied.map((ref) => ref.kind)).toEqual(["CustomResourceDefinition", "Namespace", "CronTab"]);
    const crdReads = fake.requests.filter((request) => request.method === "GET" && request.path.endsWith("/crontabs.stable.example.com"));
    expect(crdReads.length).toBe(3);
  });

  it("in a dry run stores nothing and does not fail objects waiting for a namespace the run creates", async () => {
    const result = await applyToCluster(kube, tree(), undefined, { ...options, dryRun: true });
    expect(result.ok).toBe(true);
    expect(result.applied).toHaveLength(4);
    expect(writes().every((line) => line.includes("dry-run"))).toBe(true);
    expect(fake.store.list({ group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false, statusSubresource: true }, undefined).map((object) => (object.metadata as { name: string }).name)).toEqual(["default", "kube-system"]);
  });

  it("waits for rollouts, and a rollout that does not finish in time fails the run", async () => {
    const first = await applyToCluster(kube, tree(), undefined, { ...options, wait: true });
    expect(first.ok).toBe(true);
    fake.store.defaultSettleReads = Number.POSITIVE_INFINITY;
    const stalled = await applyToCluster(kube, [...tree().slice(0, 1), deployment("web", "shop/web:2.0"), ...tree().slice(2)], stateAfter(first), { ...options, wait: true, timeoutMs: 200 });
    expect(stalled.ok).toBe(false);
    expect(stalled.failures).toEqual([{ object: expect.objectContaining({ kind: "Deployment", name: "web" }), reason: expect.stringMatching(/^Timeout: not rolled out within the timeout \(waiting for the controller/u) }]);
  });
});
