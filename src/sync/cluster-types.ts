/**
 * The cluster side of the sync job as the use case (run-sync) sees it: objects rendered from git go in, a
 * structured result comes out. Agreed with the git side in /work/notes/ISSUE11-SPLIT.md.
 */
import type { SyncPlan } from "./plan-sync.js";

/** An object rendered from git, with the file it came from. */
export interface RenderedObject {
  readonly source: string;
  readonly manifest: Record<string, unknown> & {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string } & Record<string, unknown>;
  };
}

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface InventoryEntry extends ObjectRef {
  /** sha256 of the rendered manifest (canonical JSON): what decides "changed since the last run". */
  readonly hash: string;
}

/** What a run remembers between runs (ConfigMaps in the job's namespace); written only after a successful run. */
export interface SyncState {
  commit: string;
  etag?: string;
  installationId?: number;
  /** When the last full run (everything re-applied) finished: `--full-every` counts from it. */
  appliedAt: string;
  inventory: InventoryEntry[];
  /** A short account of the run that wrote it ("applied 3, unchanged 240, pruned 1"). */
  result?: string;
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
  /** How often a wait (CRD Established, rollouts) looks again; default 1 s. */
  pollMs?: number;
  /** Requests in flight at once for dry-runs, applies and rollout waits; default 8. After a failure no new apply starts. */
  concurrency?: number;
  /** The plan run-sync already made of these objects with these options (planSync); made again when absent. */
  plan?: SyncPlan;
}

/** An object left in place by the prune, and why (protected kind, annotation, not Bender's, empty render, ...). */
export interface KeptObject {
  readonly object: ObjectRef;
  readonly reason: string;
}

export interface ClusterResult {
  ok: boolean;
  /** Objects sent with server-side apply (in a dry run: that would be sent). */
  applied: ObjectRef[];
  /** Objects whose rendered content did not change since the last successful run (not sent). */
  unchanged: ObjectRef[];
  pruned: ObjectRef[];
  /** In a dry run, what a prune would delete. */
  wouldPrune: ObjectRef[];
  /** Objects the prune left alone, with the rule that kept them. */
  kept: KeptObject[];
  failures: { object: ObjectRef; reason: string }[];
  /** The inventory to record when the run succeeded. */
  inventory: InventoryEntry[];
}
