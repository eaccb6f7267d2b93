import type { InventoryEntry, KeptObject, ObjectRef } from "./cluster-types.js";
import { plainRef, refKey } from "./object-ref.js";

/** What a prune may delete, what it keeps, and whether it is refused as a whole. */
export interface PrunePlan {
  /** Objects to delete, each still subject to its live annotations (pruneBlockedBy) before deletion. */
  readonly candidates: ObjectRef[];
  readonly kept: KeptObject[];
  /** Set when the prune is refused as a whole (a mass prune): the run fails and nothing is deleted. */
  readonly refusal?: string;
  /**
   * Inventory entries kept for a later run because this run did not prune them (empty render, refusal, a
   * protected kind): Bender still answers for them, so a later run allowed to (`--prune-protected-kinds`) can.
   */
  readonly deferred: InventoryEntry[];
}

/** Kinds whose deletion loses data or takes other objects with it: never pruned unless told to. */
const PROTECTED_KINDS = new Set(["Namespace", "PersistentVolume", "PersistentVolumeClaim", "CustomResourceDefinition"]);

/**
 * The safety rules of a prune, on inventories alone: nothing without --prune; nothing after an empty render
 * (a wrong path or a broken commit renders nothing too); never a protected kind unless allowed; and a refusal
 * when more than half the previous inventory would go, unless allowed.
 */
export function planPrune(
  previous: readonly InventoryEntry[], rendered: readonly InventoryEntry[],
  options: { prune: boolean; allowMassPrune?: boolean; pruneProtectedKinds?: boolean },
): PrunePlan {
  if (!options.prune) return { candidates: [], kept: [], deferred: [] };
  const renderedKeys = new Set(rendered.map(refKey));
  const gone = previous.filter((entry) => !renderedKeys.has(refKey(entry)));
  if (gone.length === 0) return { candidates: [], kept: [], deferred: [] };
  if (rendered.length === 0) {
    const reason = "the render is empty: nothing is pruned after an empty render";
    return { candidates: [], kept: gone.map((entry) => ({ object: plainRef(entry), reason })), deferred: gone };
  }
  const kept: KeptObject[] = [];
  const protectedEntries: InventoryEntry[] = [];
  const deletable: InventoryEntry[] = [];
  for (const entry of gone) {
    if (PROTECTED_KINDS.has(entry.kind) && !options.pruneProtectedKinds) {
      kept.push({ object: plainRef(entry), reason: `${entry.kind} is a protected kind: pruned only when protected kinds are allowed` });
      protectedEntries.push(entry);
    } else deletable.push(entry);
  }
  if (deletable.length * 2 > previous.length && !options.allowMassPrune) {
    const refusal = `prune refused: it would delete ${deletable.length} of the ${previous.length} objects applied before (more than half); allow a mass prune to go ahead`;
    return { candidates: [], kept, refusal, deferred: [...protectedEntries, ...deletable] };
  }
  return { candidates: deletable.map(plainRef), kept, deferred: protectedEntries };
}

const PRUNE_OPT_OUTS: readonly [string, (value: string) => boolean][] = [
  ["bender.dev/prune", (value) => value === "disabled"],
  ["kustomize.toolkit.fluxcd.io/prune", (value) => value === "disabled"],
  ["argocd.argoproj.io/sync-options", (value) => value.split(",").map((option) => option.trim()).includes("Prune=false")],
];

/**
 * Why the live object must not be pruned, or undefined when it may be: an opt-out annotation (Bender's, Flux's
 * or Argo CD's). Field ownership is deliberately not a rule: an object applied with nothing but its name
 * has no managed fields at all, so "not Bender's" cannot be told from "Bender's and bare".
 */
export function pruneBlockedBy(live: { annotations?: Record<string, string> }): string | undefined {
  for (const [annotation, optsOut] of PRUNE_OPT_OUTS) {
    const value = live.annotations?.[annotation];
    if (value !== undefined && optsOut(value)) return `annotated ${annotation}: ${value}`;
  }
  return undefined;
}
