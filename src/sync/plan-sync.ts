import type { InventoryEntry, ObjectRef, RenderedObject } from "./cluster-types.js";
import { contentHash } from "./content-hash.js";
import { refKey, refOf } from "./object-ref.js";
import { planPrune, type PrunePlan } from "./plan-prune.js";

/** What one run sends, in which order, and what it may prune. */
export interface SyncPlan {
  /** CustomResourceDefinitions, then Namespaces: dry-run and applied before the rest, which may depend on them. */
  readonly foundations: RenderedObject[];
  /** Every other object to send, in render order. */
  readonly rest: RenderedObject[];
  /** Objects whose content did not change since the last successful run: not sent. */
  readonly unchanged: ObjectRef[];
  readonly prune: PrunePlan;
  /** The inventory to record if the run succeeds: the render, plus objects whose prune was deferred. */
  readonly inventory: InventoryEntry[];
}

export interface PlanOptions {
  readonly fullRun: boolean;
  readonly prune: boolean;
  readonly allowMassPrune?: boolean;
  readonly pruneProtectedKinds?: boolean;
}

const FOUNDATION_ORDER: Record<string, number> = { CustomResourceDefinition: 0, Namespace: 1 };

export function isFoundation(object: RenderedObject): boolean {
  return object.manifest.kind in FOUNDATION_ORDER && /^(?:apiextensions\.k8s\.io\/|v1$)/u.test(object.manifest.apiVersion);
}

/**
 * Decides, without touching the cluster, what a run does: objects whose content hash differs from the previous
 * inventory (all of them on a full run or a first run) are sent, foundations first; the prune set follows the
 * safety rules of planPrune.
 */
export function planSync(objects: readonly RenderedObject[], previous: readonly InventoryEntry[] | undefined, options: PlanOptions): SyncPlan {
  const previousHashes = new Map((previous ?? []).map((entry) => [refKey(entry), entry.hash]));
  const rendered: InventoryEntry[] = [];
  const send: RenderedObject[] = [];
  const unchanged: ObjectRef[] = [];
  for (const object of objects) {
    const ref = refOf(object.manifest);
    const hash = contentHash(object.manifest);
    rendered.push({ ...ref, hash });
    if (!options.fullRun && previousHashes.get(refKey(ref)) === hash) unchanged.push(ref);
    else send.push(object);
  }
  const foundations = send.filter(isFoundation)
    .sort((a, b) => FOUNDATION_ORDER[a.manifest.kind]! - FOUNDATION_ORDER[b.manifest.kind]!);
  const rest = send.filter((object) => !isFoundation(object));
  const prune = planPrune(previous ?? [], rendered, options);
  return { foundations, rest, unchanged, prune, inventory: [...rendered, ...prune.deferred] };
}
