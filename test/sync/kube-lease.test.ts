import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectToCluster, type KubeConnection } from "../../src/sync/io/kube-connection.js";
import { withSyncLease, type Lease } from "../../src/sync/io/kube-lease.js";
import { applyObject } from "../../src/sync/io/kube-objects.js";
import { kubeRequest } from "../../src/sync/io/kube-request.js";

import { startFakeKubernetes, type FakeKubernetes } from "../support/fake-kubernetes.js";

const LEASE_PATH = "/apis/coordination.k8s.io/v1/namespaces/bender/leases/bender-sync";

let fake: FakeKubernetes;
let kube: KubeConnection;
const lease = { namespace: "bender", name: "bender-sync", durationSeconds: 60 };

beforeEach(async () => {
  fake = await startFakeKubernetes();
  kube = connectToCluster({ KUBECONFIG: fake.writeKubeconfig() });
  await applyObject(kube, { apiVersion: "v1", kind: "Namespace", metadata: { name: "bender" } }, { dryRun: false, force: false });
});
afterEach(async () => {
  await fake.close();
});

describe("the sync Lease", () => {
  it("lets exactly one of two racing runs work; the other is told it is held elsewhere", async () => {
    const worked: string[] = [];
    const run = (holder: string) => withSyncLease(kube, { ...lease, holder }, async () => {
      worked.push(holder);
      await sleep(50);
      return `done by ${holder}`;
    });
    const outcomes = await Promise.all([run("pod-a"), run("pod-b")]);
    expect(outcomes.filter((outcome) => outcome === "held-elsewhere")).toHaveLength(1);
    expect(worked).toHaveLength(1);
    expect(outcomes).toContain(`done by ${worked[0]}`);
  });

  it("is released after the work, even when the work throws, so the next run takes it", async () => {
    await expect(withSyncLease(kube, { ...lease, holder: "pod-a" }, async () => {
      throw new Error("boom");
    })).rejects.toThrow("boom");
    expect(await withSyncLease(kube, { ...lease, holder: "pod-b" }, async () => "ran")).toBe("ran");
    const stored = await kubeRequest<Lease>(kube, { method: "GET", path: LEASE_PATH });
    expect(stored.spec?.holderIdentity).toBeUndefined();
    expect(stored.spec?.leaseTransitions).toBe(1);
  });

  it("is taken over when its holder stopped renewing it, and respected while it is fresh", async () => {
    const renewed = new Date("2026-11-27T12:00:00Z");
    await kubeRequest(kube, { method: "POST", path: "/apis/coordination.k8s.io/v1/namespaces/bender/leases", body: {
      apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "bender-sync", namespace: "bender" },
      spec: { holderIdentity: "crashed-pod", leaseDurationSeconds: 60, renewTime: "2026-11-27T12:00:00.000000Z", acquireTime: "2026-11-27T12:00:00.000000Z" },
    } });
    const fresh = () => renewed.getTime() + 30_000;
    expect(await withSyncLease(kube, { ...lease, holder: "pod-b", clock: fresh }, async () => "ran")).toBe("held-elsewhere");
    const expired = () => renewed.getTime() + 61_000;
    expect(await withSyncLease(kube, { ...lease, holder: "pod-b", clock: expired }, async () => "ran")).toBe("ran");
  });

  it("lets one of two runs racing to take over an expired Lease win the compare-and-swap", async () => {
    const renewed = new Date("2026-11-27T12:00:00Z");
    await kubeRequest(kube, { method: "POST", path: "/apis/coordination.k8s.io/v1/namespaces/bender/leases", body: {
      apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "bender-sync", namespace: "bender" },
      spec: { holderIdentity: "crashed-pod", leaseDurationSeconds: 60, renewTime: "2026-11-27T12:00:00.000000Z" },
    } });
    const expired = () => renewed.getTime() + 120_000;
    const run = (holder: string) => withSyncLease(kube, { ...lease, holder, clock: expired }, async () => {
      await sleep(50);
      return holder;
    });
    const outcomes = await Promise.all([run("pod-a"), run("pod-b")]);
    expect(outcomes.filter((outcome) => outcome === "held-elsewhere")).toHaveLength(1);
    const replaces = fake.requests.filter((request) => request.method === "PUT" && request.status === 409);
    expect(replaces).toHaveLength(1);
  });
});
