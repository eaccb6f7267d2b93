import type { ClusterOptions, ClusterResult, RenderedObject, SyncState } from "../cluster-types.js";
import { applyToCluster } from "./apply-to-cluster.js";
import type { KubeConnection } from "./kube-connection.js";
import { withSyncLease, type LeaseOptions } from "./kube-lease.js";
import { readSyncState, writeSyncState } from "./kube-state.js";

/** The cluster side bound to one connection: the shape the use case (run-sync) takes as its cluster port. */
export function bindCluster(kube: KubeConnection) {
  return {
    readSyncState: (namespace: string, stateName: string): Promise<SyncState | undefined> => readSyncState(kube, namespace, stateName),
    writeSyncState: (namespace: string, stateName: string, state: SyncState): Promise<void> => writeSyncState(kube, namespace, stateName, state),
    withSyncLease: <T>(lease: LeaseOptions, work: () => Promise<T>): Promise<T | "held-elsewhere"> => withSyncLease(kube, lease, work),
    applyToCluster: (objects: readonly RenderedObject[], previous: SyncState | undefined, options: ClusterOptions): Promise<ClusterResult> =>
      applyToCluster(kube, objects, previous, options),
  };
}
