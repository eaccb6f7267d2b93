import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { InventoryEntry, SyncState } from "../../src/sync/cluster-types.js";
import { connectToCluster, type KubeConnection } from "../../src/sync/io/kube-connection.js";
import { applyObject } from "../../src/sync/io/kube-objects.js";
import { readSyncState, writeSyncState } from "../../src/sync/io/kube-state.js";
import { contentHash } from "../../src/sync/content-hash.js";
import { startFakeKubernetes, type FakeKubernetes } from "../support/fake-kubernetes.js";

let fake: FakeKubernetes;
let kube: KubeConnection;
const configMaps = { group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true, statusSubresource: false };

beforeEach(async () => {
  fake = await startFakeKubernetes();
  kube = connectToCluster({ KUBECONFIG: fake.writeKubeconfig() });
  await applyObject(kube, { apiVersion: "v1", kind: "Namespace", metadata: { name: "bender" } }, { dryRun: false, force: false });
});
afterEach(async () => {
  await fake.close();
});

function stateOf(objects: number, commit = "4f1c2d"): SyncState {
  const inventory: InventoryEntry[] = Array.from({ length: objects }, (_, index) => ({
    apiVersion: index % 2 === 0 ? "apps/v1" : "v1", kind: index % 2 === 0 ? "Deployment" : "ConfigMap",
    namespace: `team-${index % 40}`, name: `service-${index}`, hash: contentHash({ index, commit }),
  }));
  return { commit, etag: 'W/"abc"', installationId: 42, appliedAt: "2026-11-27T12:00:00Z", inventory, result: `applied ${objects}` };
}

function stored(): string[] {
  return fake.store.list(configMaps, "bender").map((object) => (object.metadata as { name: string }).name).sort();
}

describe("sync state in ConfigMaps", () => {
  it("has no state before the first run", async () => {
    expect(await readSyncState(kube, "bender", "bender-sync")).toBeUndefined();
  });

  it("round-trips thousands of objects, compressed into one ConfigMap", async () => {
    const state = stateOf(5_000);
    await writeSyncState(kube, "bender", "bender-sync", state);
    expect(stored()).toEqual(["bender-sync"]);
    expect(await readSyncState(kube, "bender", "bender-sync")).toEqual(state);
    const main = fake.store.list(configMaps, "bender")[0] as { data: Record<string, string> };
    expect(main.data).toMatchObject({ commit: "4f1c2d", objects: "5000" });
  });

  it("splits a state over the ConfigMap limit across several, and removes the parts of earlier writes", async () => {
    const large = stateOf(25_000, "aaa111");
    await writeSyncState(kube, "bender", "bender-sync", large);
    expect(stored().length).toBeGreaterThan(1);
    expect(await readSyncState(kube, "bender", "bender-sync")).toEqual(large);

    const small = stateOf(10, "bbb222");
    await writeSyncState(kube, "bender", "bender-sync", small);
    expect(stored()).toEqual(["bender-sync"]);
    expect(await readSyncState(kube, "bender", "bender-sync")).toEqual(small);
  });

  it("keeps the previous state whole when a write dies before its main ConfigMap", async () => {
    const first = stateOf(50, "ccc333");
    await writeSyncState(kube, "bender", "bender-sync", first, { partCharacters: 1_000 });
    fake.faults.push({ matches: (request) => request.method === "PATCH" && request.name === "bender-sync", code: 503, reason: "ServiceUnavailable", message: "the server is currently unable to handle the request" });
    await expect(writeSyncState(kube, "bender", "bender-sync", stateOf(60, "ddd444"), { partCharacters: 1_000 })).rejects.toThrow(/unable to handle/u);
    expect(await readSyncState(kube, "bender", "bender-sync")).toEqual(first);
  });

  it("names a damaged state instead of guessing", async () => {
    await applyObject(kube, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bender-sync", namespace: "bender" }, binaryData: { state: Buffer.from("not gzip").toString("base64") } }, { dryRun: false, force: false });
    await expect(readSyncState(kube, "bender", "bender-sync")).rejects.toThrow(/recorded state cannot be read.*delete it to start over/u);
  });
});
