import { setTimeout as sleep } from "node:timers/promises";
import type { ClusterOptions, ClusterResult, ObjectRef, RenderedObject, SyncState } from "../cluster-types.js";
import { describeRef, plainRef, refKey, refOf } from "../object-ref.js";
import { pruneBlockedBy } from "../plan-prune.js";
import { planSync } from "../plan-sync.js";
import { rolloutOf, WORKLOAD_KINDS } from "../rollout-status.js";
import type { KubeConnection } from "./kube-connection.js";
import { KubeError, toKubeError } from "./kube-error.js";
import { applyObject, deleteObject, prepareApply, readObject, sendApply, warmDiscovery, type PreparedApply } from "./kube-objects.js";

type Failure = ClusterResult["failures"][number];

function failureOf(object: ObjectRef, error: unknown): Failure {
  const failure = toKubeError(error, describeRef(object));
  return { object, reason: failure.apiReason ? `${failure.apiReason}: ${failure.message}` : failure.message };
}

/**
 * Steps 4-7 of a sync run:
 * 1. plan: what changed since the previous inventory (everything on a full run), the prune set and its rules;
 * 2. CRDs and Namespaces first: dry-run, apply (unless a dry run), CRDs waited for until Established;
 * 3. dry-run every other object to send; any failure: stop, every failing object reported;
 * 4. server-side apply them (field manager "bender", force only when told), a few at a time; a failure stops the run;
 * 5. prune, only after every apply succeeded, within the plan's rules and each object's opt-out annotations;
 * 6. with wait, wait for the Deployments, StatefulSets and DaemonSets sent to roll out, up to the timeout.
 * A dry run does 1-3 and reports what 4-5 would do. The result says what happened; the caller records state.
 */
export async function applyToCluster(kube: KubeConnection, objects: readonly RenderedObject[], previous: SyncState | undefined, options: ClusterOptions): Promise<ClusterResult> {
  const clock = options.clock ?? Date.now;
  const deadline = clock() + options.timeoutMs;
  const pollMs = options.pollMs ?? 1000;
  const concurrency = Math.max(1, options.concurrency ?? 8);
  // run-sync has usually planned already (content hashes of every object): that plan is used, not made twice.
  const plan = options.plan ?? planSync(objects, previous?.inventory, options);
  const result: ClusterResult = { ok: false, applied: [], unchanged: [...plan.unchanged], pruned: [], wouldPrune: [], kept: [...plan.prune.kept], failures: [], inventory: [...plan.inventory] };
  const write = { dryRun: options.dryRun, force: options.force };

  // 2. Foundations: what the rest may need to exist before it can even be dry-run.
  for (const object of plan.foundations) {
    try {
      await applyObject(kube, object.manifest, { ...write, dryRun: true });
    } catch (error) {
      result.failures.push(failureOf(refOf(object.manifest), error));
    }
  }
  if (result.failures.length > 0) return result;
  for (const object of plan.foundations) {
    const ref = refOf(object.manifest);
    try {
      if (!options.dryRun) await applyObject(kube, object.manifest, write);
      result.applied.push(ref);
    } catch (error) {
      result.failures.push(failureOf(ref, error));
      return result;
    }
  }
  if (!options.dryRun) {
    for (const crd of plan.foundations.filter((object) => object.manifest.kind === "CustomResourceDefinition")) {
      const failure = await waitFor(kube, refOf(crd.manifest), (live) => isEstablished(live), { clock, deadline, pollMs, what: "Established" });
      if (failure) {
        result.failures.push(failure);
        return result;
      }
    }
  }

  // 3. Dry-run the rest; in a dry run, objects in new namespaces or of new kinds cannot be checked yet.
  const pending = dependsOnNewFoundation(plan.foundations, options.dryRun);
  await warmDiscovery(kube, plan.rest.map((object) => object.manifest));
  const dryRunFailures: (Failure | undefined)[] = [];
  // Each object's path and body are worked out once, for its dry-run and its apply.
  const prepared: (PreparedApply | undefined)[] = [];
  await inPool(plan.rest, concurrency, async (object, index) => {
    try {
      const ready = (prepared[index] = await prepareApply(kube, object.manifest, { dryRun: true }));
      await sendApply(kube, ready, { ...write, dryRun: true });
    } catch (error) {
      const code = toKubeError(error, "").code;
      if (!(pending(object) && (code === "not-found" || code === "unknown-kind"))) dryRunFailures[index] = failureOf(refOf(object.manifest), error);
    }
    return true;
  });
  result.failures.push(...dryRunFailures.filter((failure) => failure !== undefined));
  if (result.failures.length > 0) return result;

  // 4. Apply; after a failure no new apply starts (those in flight finish).
  const applied: (ObjectRef | undefined)[] = [];
  await inPool(plan.rest, concurrency, async (object, index) => {
    const ref = refOf(object.manifest);
    try {
      if (!options.dryRun) {
        const ready = prepared[index];
        if (ready) await sendApply(kube, ready, write);
        else await applyObject(kube, object.manifest, write);
      }
      applied[index] = ref;
      return true;
    } catch (error) {
      result.failures.push(failureOf(ref, error));
      return false;
    }
  });
  result.applied.push(...applied.filter((ref) => ref !== undefined));
  if (result.failures.length > 0) return result;

  // 5. Prune.
  if (plan.prune.refusal) {
    for (const entry of plan.prune.deferred) result.failures.push({ object: plainRef(entry), reason: plan.prune.refusal });
    return result;
  }
  for (const ref of plan.prune.candidates) {
    try {
      const live = await readObject(kube, ref);
      if (!live) continue;
      const blocked = pruneBlockedBy(live.metadata ?? {});
      if (blocked) {
        // Opted out for now, still Bender's: it stays in the inventory, so removing the annotation lets a later run prune it.
        result.kept.push({ object: ref, reason: blocked });
        const entry = previous?.inventory.find((candidate) => refKey(candidate) === refKey(ref));
        if (entry) result.inventory.push(entry);
      }
      else if (options.dryRun) result.wouldPrune.push(ref);
      else if ((await deleteObject(kube, ref, { dryRun: false })) === "deleted") result.pruned.push(ref);
    } catch (error) {
      result.failures.push(failureOf(ref, error));
      return result;
    }
  }

  // 6. Rollouts.
  if (options.wait && !options.dryRun) {
    const workloads = result.applied.filter((ref) => WORKLOAD_KINDS.has(ref.kind));
    const waits: (Failure | undefined)[] = [];
    await inPool(workloads, concurrency, async (ref, index) => {
      waits[index] = await waitFor(kube, ref, (live) => rolloutOf(live as Parameters<typeof rolloutOf>[0]), { clock, deadline, pollMs, what: "rolled out" });
      return true;
    });
    result.failures.push(...waits.filter((failure) => failure !== undefined));
    if (result.failures.length > 0) return result;
  }
  result.ok = true;
  return result;
}

/** Runs `work` over `items` with at most `limit` in flight; once a call returns false no new one starts. */
async function inPool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<boolean>): Promise<void> {
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped && next < items.length) {
      const index = next;
      next += 1;
      if (!(await work(items[index]!, index))) stopped = true;
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

type Progress = { done: true } | { done: false; failed: boolean; detail: string };

function isEstablished(live: { status?: unknown }): Progress {
  const conditions = (live.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((condition) => condition.type === "Established" && condition.status === "True")
    ? { done: true }
    : { done: false, failed: false, detail: "not Established yet" };
}

/** Polls one object until `progress` says done, it fails, or the run's deadline passes. */
async function waitFor(
  kube: KubeConnection, ref: ObjectRef, progress: (live: { status?: unknown }) => Progress,
  timing: { clock: () => number; deadline: number; pollMs: number; what: string },
): Promise<Failure | undefined> {
  for (;;) {
    let state: Progress;
    try {
      const live = await readObject(kube, ref);
      if (!live) throw new KubeError("not-found", `${describeRef(ref)} disappeared while waiting for it to be ${timing.what}`, "NotFound");
      state = progress(live as { status?: unknown });
    } catch (error) {
      return failureOf(ref, error);
    }
    if (state.done) return undefined;
    if (state.failed) return { object: ref, reason: `not ${timing.what}: ${state.detail}` };
    if (timing.clock() + timing.pollMs > timing.deadline) return { object: ref, reason: `Timeout: not ${timing.what} within the timeout (${state.detail})` };
    await sleep(timing.pollMs);
  }
}

/** In a dry run, nothing is created: objects in a namespace or of a group the run would create first cannot be dry-run. */
function dependsOnNewFoundation(foundations: readonly RenderedObject[], dryRun: boolean): (object: RenderedObject) => boolean {
  if (!dryRun) return () => false;
  const namespaces = new Set(foundations.filter((object) => object.manifest.kind === "Namespace").map((object) => object.manifest.metadata.name));
  const groups = new Set(foundations.filter((object) => object.manifest.kind === "CustomResourceDefinition")
    .map((object) => (object.manifest.spec as { group?: string } | undefined)?.group));
  return (object) => namespaces.has(object.manifest.metadata.namespace ?? "") || groups.has(object.manifest.apiVersion.split("/")[0]);
}
