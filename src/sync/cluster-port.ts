/**
 * What the sync run (run-sync.ts) needs from the cluster, bound to one
 * connection: `bindCluster` (src/sync/io/bind-cluster.ts) makes it from a
 * client-node connection; tests use an in-memory stand-in or the fake
 * Kubernetes API. The types are the cluster side's own (cluster-types.ts).
 */
import type { ClusterOptions, ClusterResult, RenderedObject, SyncState } from "./cluster-types.js";

export type { ClusterOptions, ClusterResult, InventoryEntry, KeptObject, ObjectRef, RenderedObject, SyncState } from "./cluster-types.js";

/** The operations run-sync needs from the cluster side, bound to one connection. */
export interface ClusterPort {
  readSyncState(namespace: string, stateName: string): Promise<SyncState | undefined>;
  writeSyncState(namespace: string, stateName: string, state: SyncState): Promise<void>;
  withSyncLease<T>(lease: { namespace: string; name: string; holder: string; durationSeconds: number }, work: () => Promise<T>): Promise<T | "held-elsewhere">;
  applyToCluster(objects: readonly RenderedObject[], previous: SyncState | undefined, options: ClusterOptions): Promise<ClusterResult>;
}
