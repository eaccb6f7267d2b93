import { createHash } from "node:crypto";
import type { ClusterOptions, ClusterPort, ClusterResult, InventoryEntry, ObjectRef, RenderedObject, SyncState } from "../../src/sync/cluster-port.js";

/**
 * A stand-in for the cluster side (helper 11k's module) with the contract's
 * shape and nothing more: an in-memory object store, the state, a Lease
 * flag, and a list of what was called. It is not a Kubernetes fake; the
 * real cluster side is tested against the fake Kubernetes API by its author.
 */
export class ClusterStandIn implements ClusterPort {
  state: SyncState | undefined;
  readonly objects = new Map<string, Record<string, unknown>>();
  readonly calls: string[] = [];
  leaseHeldElsewhere = false;
  /** Objects with these names fail their dry-run with this reason. */
  readonly failing = new Map<string, string>();
  failStateWrite = false;

  async readSyncState(_namespace: string, _name: string): Promise<SyncState | undefined> {
    this.calls.push("read-state");
    return this.state && structuredClone(this.state);
  }

  async writeSyncState(_namespace: string, _name: string, state: SyncState): Promise<void> {
    this.calls.push("write-state");
    if (this.failStateWrite) throw Object.assign(new Error("configmaps is forbidden"), { code: "forbidden" });
    this.state = structuredClone(state);
  }

  async withSyncLease<T>(_lease: { namespace: string; name: string; holder: string }, work: () => Promise<T>): Promise<T | "held-elsewhere"> {
    if (this.leaseHeldElsewhere) {
      this.calls.push("lease-held-elsewhere");
      return "held-elsewhere";
    }
    this.calls.push("lease");
    try {
      return await work();
    } finally {
      this.calls.push("lease-released");
    }
  }

  async applyToCluster(objects: readonly RenderedObject[], previous: SyncState | undefined, options: ClusterOptions): Promise<ClusterResult> {
    this.calls.push(options.dryRun ? "apply(dry-run)" : `apply(${options.fullRun ? "full" : "changed"}${options.prune ? ", prune" : ""})`);
    const before = new Map((previous?.inventory ?? []).map((entry) => [key(entry), entry.hash]));
    const inventory: InventoryEntry[] = objects.map((object) => ({ ...refOf(object), hash: hashOf(object) }));
    const failures = objects.filter((object) => this.failing.has(object.manifest.metadata.name))
      .map((object) => ({ object: refOf(object), reason: this.failing.get(object.manifest.metadata.name) ?? "" }));
    const changed = inventory.filter((entry) => options.fullRun || before.get(key(entry)) !== entry.hash);
    const unchanged = inventory.filter((entry) => !changed.includes(entry));
    const kept = new Set(inventory.map(key));
    const gone = (previous?.inventory ?? []).filter((entry) => !kept.has(key(entry))).map(stripHash);
    if (failures.length > 0) return { ok: false, applied: [], unchanged: [], pruned: [], wouldPrune: [], failures, kept: [], inventory: previous?.inventory ?? [] };
    if (options.dryRun) return { ok: true, applied: changed.map(stripHash), unchanged: unchanged.map(stripHash), pruned: [], wouldPrune: options.prune ? gone : [], failures: [], kept: [], inventory };
    for (const object of objects) this.objects.set(key(refOf(object)), object.manifest);
    if (options.prune) for (const entry of gone) this.objects.delete(key(entry));
    return { ok: true, applied: changed.map(stripHash), unchanged: unchanged.map(stripHash), pruned: options.prune ? gone : [], wouldPrune: [], failures: [], kept: [], inventory };
  }
}

function refOf(object: RenderedObject): ObjectRef {
  const { apiVersion, kind, metadata } = object.manifest;
  return { apiVersion, kind, name: metadata.name, ...(metadata.namespace ? { namespace: metadata.namespace } : {}) };
}

function stripHash(entry: ObjectRef): ObjectRef {
  const { apiVersion, kind, namespace, name } = entry;
  return { apiVersion, kind, name, ...(namespace ? { namespace } : {}) };
}

function key(entry: ObjectRef): string {
  return `${entry.apiVersion}/${entry.kind}/${entry.namespace ?? ""}/${entry.name}`;
}

function hashOf(object: RenderedObject): string {
  return createHash("sha256").update(JSON.stringify(object.manifest)).digest("hex");
}
