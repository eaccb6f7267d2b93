/**
 * The cluster side of the sync job, as agreed with its author (helper 11k,
 * /work/notes/ISSUE11-SPLIT.md): these types mirror that module's exports so
 * the git side can be built and tested before the two are wired together.
 * When merging, import them from 11k's module instead and delete this file.
 */

/** An object rendered from git, with the file it came from. */
export interface RenderedObject {
  readonly source: string;
  readonly manifest: Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } & Record<string, unknown> };
}

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface InventoryEntry extends ObjectRef {
  readonly hash: string;
}

/** What a run remembers between runs (ConfigMaps in the job's namespace). */
export interface SyncState {
  commit: string;
  etag?: string;
  installationId?: number;
  appliedAt: string;
  inventory: InventoryEntry[];
}

export interface ClusterOptions {
  namespace: string;
  stateName: string;
  dryRun: boolean;
  prune: boolean;
  fullRun: boolean;
  wait: boolean;
  timeoutMs: number;
  force: boolean;
  allowMassPrune?: boolean;
  pruneProtectedKinds?: boolean;
  clock?: () => number;
}

export interface ClusterResult {
  ok: boolean;
  applied: ObjectRef[];
  unchanged: ObjectRef[];
  pruned: ObjectRef[];
  wouldPrune: ObjectRef[];
  failures: { object: ObjectRef; reason: string }[];
  inventory: InventoryEntry[];
}

/** The operations run-sync needs from the cluster side, bound to one connection. */
export interface ClusterPort {
  readSyncState(namespace: string, stateName: string): Promise<SyncState | undefined>;
  writeSyncState(namespace: string, stateName: string, state: SyncState): Promise<void>;
  withSyncLease<T>(lease: { namespace: string; name: string; holder: string; durationSeconds: number }, work: () => Promise<T>): Promise<T | "held-elsewhere">;
  applyToCluster(objects: readonly RenderedObject[], previous: SyncState | undefined, options: ClusterOptions): Promise<ClusterResult>;
}
