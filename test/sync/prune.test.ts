import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ClusterOptions, RenderedObject, SyncState } from "../../src/sync/cluster-types.js";
import { applyToCluster } from "../../src/sync/io/apply-to-cluster.js";
import { connectToCluster, type KubeConnection } from "../../src/sync/io/kube-connection.js";
import { applyObject } from "../../src/sync/io/kube-objects.js";
import { startFakeKubernetes, type FakeKubernetes } from "../support/fake-kubernetes.js";
import { configMap, namespace } from "../support/sync-objects.js";

let fake: FakeKubernetes;
let kube: KubeConnection;
const options: ClusterOptions = { namespace: "bender", stateName: "bender-sync", dryRun: false, prune: true, fullRun: false, wait: false, timeoutMs: 5_000, force: false, pollMs: 10 };
const configMaps = { group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true, statusSubresource: false };

beforeEach(async () => {
  fake = await startFakeKubernetes();
  kube = connectToCluster({ KUBECONFIG: fake.writeKubeconfig() });
});
afterEach(async () => {
  await fake.close();
});

function names(): string[] {
  return fake.store.list(configMaps, "shop").map((object) => (object.metadata as { name: string }).name).sort();
}

/** A first run of the namespace and `count` ConfigMaps; returns the state it would record. */
async function firstRun(objects: RenderedObject[]): Promise<SyncState> {
  const result = await applyToCluster(kube, objects, undefined, options);
  expect(result.ok).toBe(true);
  return { commit: "c1", appliedAt: "2026-11-27T12:00:00Z", inventory: result.inventory };
}

const maps = (count: number, extra: Parameters<typeof configMap>[2] = {}) => Array.from({ length: count }, (_, index) => configMap(`map-${index}`, { index: String(index) }, extra));

describe("prune", () => {
  it("deletes what the previous inventory held and the render no longer does, after the applies", async () => {
    const previous = await firstRun([namespace("shop"), ...maps(4)]);
    const result = await applyToCluster(kube, [namespace("shop"), ...maps(3), configMap("new", { a: "b" })], previous, options);
    expect(result.ok).toBe(true);
    expect(result.pruned).toEqual([{ apiVersion: "v1", kind: "ConfigMap", namespace: "shop", name: "map-3" }]);
    expect(names()).toEqual(["map-0", "map-1", "map-2", "new"]);
    const last = fake.requests.slice(-2).map((request) => `${request.method} ${request.path}`);
    expect(last).toEqual(["GET /api/v1/namespaces/shop/configmaps/map-3", "DELETE /api/v1/namespaces/shop/configmaps/map-3"]);
    expect(fake.requests.findIndex((request) => request.method === "DELETE")).toBeGreaterThan(fake.requests.findLastIndex((request) => request.method === "PATCH"));
  });

  it("prunes nothing without --prune, and lists what it would prune in a dry run", async () => {
    const previous = await firstRun([namespace("shop"), ...maps(4)]);
    const off = await applyToCluster(kube, [namespace("shop"), ...maps(3)], previous, { ...options, prune: false });
    expect(off.pruned).toEqual([]);
    const dry = await applyToCluster(kube, [namespace("shop"), ...maps(3)], previous, { ...options, dryRun: true });
    expect(dry.wouldPrune.map((ref) => ref.name)).toEqual(["map-3"]);
    expect(names()).toHaveLength(4);
    expect(fake.requests.some((request) => request.method === "DELETE")).toBe(false);
  });

  it("never prunes after an empty render, and keeps the inventory for a later run", async () => {
    const previous = await firstRun([namespace("shop"), ...maps(4)]);
    const result = await applyToCluster(kube, [], previous, options);
    expect(result.ok).toBe(true);
    expect(result.pruned).toEqual([]);
    expect(result.kept).toHaveLength(5);
    expect(result.kept[0]!.reason).toMatch(/render is empty/u);
    expect(result.inventory).toHaveLength(5);
    expect(names()).toHaveLength(4);
  });

  it("refuses a mass prune (more than half the inventory) and fails the run, unless allowed", async () => {
    const previous = await firstRun([namespace("shop"), ...maps(5)]);
    const refused = await applyToCluster(kube, [namespace("shop"), configMap("map-0", { index: "0" })], previous, options);
    expect(refused.ok).toBe(false);
    expect(refused.failures).toHaveLength(4);
    expect(refused.failures[0]!.reason).toBe("prune refused: it would delete 4 of the 6 objects applied before (more than half); allow a mass prune to go ahead");
    expect(names()).toHaveLength(5);
    const allowed = await applyToCluster(kube, [namespace("shop"), configMap("map-0", { index: "0" })], previous, { ...options, allowMassPrune: true });
    expect(allowed.ok).toBe(true);
    expect(names()).toEqual(["map-0"]);
  });

  it("never prunes Namespaces, PersistentVolumes, claims or CRDs unless told to", async () => {
    const previous = await firstRun([namespace("shop"), namespace("old"), ...maps(4)]);
    const kept = await applyToCluster(kube, [namespace("shop"), ...maps(4)], previous, options);
    expect(kept.pruned).toEqual([]);
    expect(kept.kept).toEqual([{ object: { apiVersion: "v1", kind: "Namespace", name: "old" }, reason: "Namespace is a protected kind: pruned only when protected kinds are allowed" }]);
    const allowed = await applyToCluster(kube, [namespace("shop"), ...maps(4)], previous, { ...options, pruneProtectedKinds: true });
    expect(allowed.pruned).toEqual([{ apiVersion: "v1", kind: "Namespace", name: "old" }]);
  });

  it("honours Bender's, Flux's and Argo CD's opt-out annotations on the live object", async () => {
    const optOuts = [
      configMap("bender-off", {}, { annotations: { "bender.dev/prune": "disabled" } }),
      configMap("flux-off", {}, { annotations: { "kustomize.toolkit.fluxcd.io/prune": "disabled" } }),
      configMap("argo-off", {}, { annotations: { "argocd.argoproj.io/sync-options": "ServerSideApply=true, Prune=false" } }),
      configMap("argo-on", {}, { annotations: { "argocd.argoproj.io/sync-options": "Prune=true" } }),
    ];
    const previous = await firstRun([namespace("shop"), ...maps(6), ...optOuts]);
    // Somebody adds the opt-out on the live object after Bender applied it: the live annotation counts.
    await applyObject({ ...kube, fieldManager: "team-tool" }, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "map-5", namespace: "shop", annotations: { "bender.dev/prune": "disabled" } } }, { dryRun: false, force: false });

    const result = await applyToCluster(kube, [namespace("shop"), ...maps(5)], previous, options);
    expect(result.ok).toBe(true);
    expect(result.pruned.map((ref) => ref.name)).toEqual(["argo-on"]);
    expect(Object.fromEntries(result.kept.map((kept) => [kept.object.name, kept.reason]))).toEqual({
      "bender-off": "annotated bender.dev/prune: disabled",
      "flux-off": "annotated kustomize.toolkit.fluxcd.io/prune: disabled",
      "argo-off": "annotated argocd.argoproj.io/sync-options: ServerSideApply=true, Prune=false",
      "map-5": "annotated bender.dev/prune: disabled",
    });
  });
});
