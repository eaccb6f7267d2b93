/**
 * One cluster-side sync run as its own process (measured by bench/sync-cluster/runs.ts): connect from
 * KUBECONFIG, read the recorded state, stop when the commit was already applied (and no full run is due),
 * else take the Lease, apply, and record the state when the run succeeded. Prints the result's counts as JSON.
 */
import { readFileSync } from "node:fs";
import type { RenderedObject } from "../../src/sync/cluster-types.js";
import { applyToCluster } from "../../src/sync/io/apply-to-cluster.js";
import { connectToCluster } from "../../src/sync/io/kube-connection.js";
import { withSyncLease } from "../../src/sync/io/kube-lease.js";
import { readSyncState, writeSyncState } from "../../src/sync/io/kube-state.js";

const objects = JSON.parse(readFileSync(process.env.BENCH_SYNC_OBJECTS!, "utf8")) as RenderedObject[];
const commit = process.env.BENCH_SYNC_COMMIT!;
const fullRun = process.env.BENCH_SYNC_FULL === "1";
const kube = connectToCluster(process.env);
const previous = await readSyncState(kube, "bender", "bender-sync");
if (previous?.commit === commit && !fullRun) {
  console.log(JSON.stringify({ skipped: true }));
} else {
  const outcome = await withSyncLease(kube, { namespace: "bender", name: "bender-sync", holder: `bench-${process.pid}`, durationSeconds: 60 }, async () => {
    const result = await applyToCluster(kube, objects, previous, {
      namespace: "bender", stateName: "bender-sync", dryRun: false, prune: true, fullRun, wait: true, timeoutMs: 60_000, force: false, pollMs: 100,
    });
    if (!result.ok) throw new Error(`run failed: ${JSON.stringify(result.failures.slice(0, 3))}`);
    await writeSyncState(kube, "bender", "bender-sync", { commit, appliedAt: new Date().toISOString(), inventory: result.inventory, result: `applied ${result.applied.length}` });
    return { applied: result.applied.length, unchanged: result.unchanged.length, pruned: result.pruned.length };
  });
  if (outcome === "held-elsewhere") throw new Error("the Lease is held elsewhere");
  console.log(JSON.stringify(outcome));
}
