import { describe, expect, it } from "vitest";
import { contentHash } from "../../src/sync/content-hash.js";
import { planSync } from "../../src/sync/plan-sync.js";
import { rolloutOf } from "../../src/sync/rollout-status.js";
import { decodeSyncState, encodeSyncState } from "../../src/sync/state-codec.js";
import { configMap, crontabDefinition, deployment, namespace } from "../support/sync-objects.js";

describe("planSync", () => {
  it("puts CRDs, then Namespaces, before everything else, in render order otherwise", () => {
    const plan = planSync([deployment("web", "a:1"), namespace("shop"), configMap("x", {}), crontabDefinition()], undefined, { fullRun: false, prune: false });
    expect(plan.foundations.map((object) => object.manifest.kind)).toEqual(["CustomResourceDefinition", "Namespace"]);
    expect(plan.rest.map((object) => object.manifest.metadata.name)).toEqual(["web", "x"]);
  });

  it("sends only what changed by content, the same content in another key order being unchanged", () => {
    const first = planSync([configMap("a", { k: "1" }), configMap("b", { k: "2" })], undefined, { fullRun: false, prune: false });
    const reordered = configMap("a", { k: "1" });
    reordered.manifest.data = { k: "1" };
    const { apiVersion, kind, metadata, data } = reordered.manifest;
    const again = planSync([{ source: "x.yaml", manifest: { data, metadata, kind, apiVersion } }, configMap("b", { k: "3" })], first.inventory, { fullRun: false, prune: false });
    expect(again.unchanged.map((ref) => ref.name)).toEqual(["a"]);
    expect(again.rest.map((object) => object.manifest.metadata.name)).toEqual(["b"]);
    expect(planSync([configMap("a", { k: "1" })], first.inventory, { fullRun: true, prune: false }).rest).toHaveLength(1);
  });

  it("treats a new apiVersion of the same group and kind as the same object, not a prune", () => {
    const old = { source: "a.yaml", manifest: { apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler", metadata: { name: "web", namespace: "shop" } } };
    const next = { source: "a.yaml", manifest: { ...old.manifest, apiVersion: "autoscaling/v2" } };
    const first = planSync([old, configMap("a", {})], undefined, { fullRun: false, prune: true });
    expect(planSync([next, configMap("a", {})], first.inventory, { fullRun: false, prune: true }).prune.candidates).toEqual([]);
  });

  it("hashes canonically", () => {
    expect(contentHash({ a: 1, b: [{ y: 1, x: 2 }] })).toBe(contentHash({ b: [{ x: 2, y: 1 }], a: 1 }));
    expect(contentHash({ a: 1 })).not.toBe(contentHash({ a: "1" }));
  });
});

describe("rolloutOf", () => {
  const live = (status: object, replicas = 3, generation = 2) => ({ kind: "Deployment", metadata: { generation }, spec: { replicas }, status });
  it("waits for the controller, updated replicas, old replicas going and availability", () => {
    expect(rolloutOf(live({ observedGeneration: 1 }))).toMatchObject({ done: false, detail: "waiting for the controller to see the new generation" });
    expect(rolloutOf(live({ observedGeneration: 2, replicas: 4, updatedReplicas: 2 }))).toMatchObject({ done: false, detail: "2 of 3 replicas updated" });
    expect(rolloutOf(live({ observedGeneration: 2, replicas: 4, updatedReplicas: 3 }))).toMatchObject({ done: false, detail: "1 old replicas pending termination" });
    expect(rolloutOf(live({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 }))).toMatchObject({ done: false, failed: false });
    expect(rolloutOf(live({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))).toEqual({ done: true });
  });
  it("fails at once when the progress deadline passed, and knows DaemonSets", () => {
    expect(rolloutOf(live({ observedGeneration: 2, conditions: [{ type: "Progressing", reason: "ProgressDeadlineExceeded", message: "ReplicaSet web-1 has timed out progressing." }] })))
      .toEqual({ done: false, failed: true, detail: "progress deadline exceeded: ReplicaSet web-1 has timed out progressing." });
    const daemons = { kind: "DaemonSet", metadata: { generation: 1 }, status: { observedGeneration: 1, desiredNumberScheduled: 3, updatedNumberScheduled: 3, numberAvailable: 1 } };
    expect(rolloutOf(daemons)).toMatchObject({ done: false, detail: "1 of 3 updated pods available" });
  });
});

describe("state codec", () => {
  const state = { commit: "abc", appliedAt: "2026-11-27T12:00:00Z", inventory: [{ apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "b", hash: "f".repeat(64) }] };
  it("round-trips through parts of any size", () => {
    const parts = encodeSyncState(state, 16);
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.every((part) => part.length <= 16)).toBe(true);
    expect(decodeSyncState(parts)).toEqual({ ok: true, state });
  });
  it("names a foreign or truncated state", () => {
    expect(decodeSyncState(encodeSyncState({ ...state, inventory: "x" } as never))).toMatchObject({ ok: false, reason: expect.stringContaining("unexpected shape") });
    expect(decodeSyncState(encodeSyncState(state, 16).slice(0, 2))).toMatchObject({ ok: false, reason: expect.stringContaining("cannot be read") });
  });
});
