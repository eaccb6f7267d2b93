import type { SyncBudgets } from "./budgets.js";
import type { ClusterPort, ClusterResult, RenderedObject, SyncState } from "./cluster-port.js";
import type { ConnectRepository, SyncRepository } from "./github-port.js";
import type { Kustomize } from "./render-tree.js";
import { planSync } from "./plan-sync.js";
import { renderTree } from "./render-tree.js";
import { deploymentDescription, summarise } from "./sync-result.js";
import type { SyncRunResult } from "./sync-result.js";

/** What one run is asked to do (from the validated settings). */
export interface SyncJob {
  readonly repository: string;
  readonly ref: string;
  readonly paths: readonly string[];
  readonly environment: string;
  readonly cluster: string;
  readonly namespace: string;
  readonly dryRun: boolean;
  readonly prune: boolean;
  readonly wait: boolean;
  readonly timeoutMs: number;
  readonly fullEveryMs: number;
  /** Namespace given to namespaced objects that name none. */
  readonly defaultNamespace: string | undefined;
  readonly force: boolean;
  readonly allowMassPrune: boolean;
  readonly pruneProtectedKinds: boolean;
  readonly budgets: SyncBudgets;
}

/** The world of a run, passed in: GitHub, the cluster, kustomize, the clock and this process's name for the Lease. */
export interface SyncWorld {
  readonly connect: ConnectRepository;
  readonly cluster: ClusterPort;
  /** A kustomize renderer over the extracted files, and how to clean up after it. */
  readonly kustomizer: (files: ReadonlyMap<string, Uint8Array>) => { kustomize: Kustomize; close(): Promise<void> };
  readonly now: () => number;
  readonly holder: string;
  /**
   * Resolves once a run has been busy long enough, after its deployment was created, to be worth reporting as in
   * progress (two seconds in production). Without it a run that changes something is always reported in
   * progress, at once. Its timer must not keep the process alive.
   */
  readonly inProgressAfter?: () => Promise<void>;
}

/** What a --watch loop keeps between runs, so a run with nothing new reads nothing from the cluster. */
export interface SyncMemory {
  state: SyncState | undefined;
  /**
   * The last answer for the ref, with the commit it named: a 304 to its ETag
   * means that commit, which a failed run may not have applied yet.
   */
  resolved?: { etag: string | undefined; sha: string } | undefined;
}

/** The name of the state ConfigMaps and of the Lease: one per (environment, cluster). */
export function stateName(job: Pick<SyncJob, "environment" | "cluster">): string {
  return `bender-sync-${job.environment}-${job.cluster}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 63).replace(/-+$/, "");
}

const LEASE_SECONDS = 300;

function errorOf(error: unknown): { code: string; reason: string } {
  const failure = error as { code?: unknown; message?: unknown };
  const code = typeof failure.code === "string" ? failure.code : "unexpected";
  return { code, reason: typeof failure.message === "string" ? failure.message : String(error) };
}

/**
 * One run of the sync job:
 * 1. State: the recorded state (remembered in --watch, else read from the cluster).
 * 2. Ref: resolve it with the remembered ETag; a 304, or the commit already applied with no full run due, ends the run.
 *    The rest runs under the Lease (not in a dry run), after reading the state again in case another run just finished.
 * 3. Tarball: only the configured paths, hostile entries refused.
 * 4. Render: plain YAML and kustomize, stable order, duplicates refused.
 * 5. Apply: dry-run, apply, prune, wait (the cluster side; dry-run only with --dry-run).
 * 6. State: recorded only when the run succeeded.
 * 7. Report: a GitHub deployment on the commit, only when something was applied or the run failed.
 */
export async function runSync(job: SyncJob, world: SyncWorld, memory: SyncMemory = { state: undefined }): Promise<SyncRunResult> {
  const name = stateName(job);
  const base = { repository: job.repository, ref: job.ref, environment: job.environment, cluster: job.cluster };
  const empty = { applied: [], unchanged: 0, pruned: [], wouldPrune: [], kept: [], failures: [], warnings: [] };
  let github: SyncRepository | undefined;
  let commit: string | undefined;
  try {
    // 1. State
    const previous = memory.state ?? (await world.cluster.readSyncState(job.namespace, name));
    memory.state = previous;
    github = await world.connect(previous?.installationId);

    // 2. Ref
    const known = memory.resolved?.etag !== undefined ? memory.resolved : previous && { etag: previous.etag, sha: previous.commit };
    const resolved = await github.resolveCommit(known?.etag);
    if (resolved.status === "changed") memory.resolved = { etag: resolved.etag, sha: resolved.sha };
    commit = resolved.status === "changed" ? resolved.sha : known?.sha;
    const fullRun = previous === undefined || world.now() - Date.parse(previous.appliedAt) >= job.fullEveryMs;
    if (commit === undefined || (commit === previous?.commit && !fullRun && !job.dryRun)) {
      return { ...base, ...empty, outcome: "up-to-date", commit: previous?.commit, fullRun: false };
    }
    const target = { commit, etag: resolved.status === "changed" ? resolved.etag : known?.etag, fullRun };
    const repository = github;
    const work = () => applyCommit(job, world, repository, target, memory);
    if (job.dryRun) return await work();
    const outcome = await world.cluster.withSyncLease({ namespace: job.namespace, name, holder: world.holder, durationSeconds: LEASE_SECONDS }, work);
    if (outcome === "held-elsewhere") return { ...base, ...empty, outcome: "held-elsewhere", commit, fullRun };
    return outcome;
  } catch (error) {
    const { code, reason } = errorOf(error);
    // Before the cluster: GitHub unreachable, the state unreadable. Nothing was applied, so nothing to report to GitHub.
    return { ...base, ...empty, outcome: "failed", commit, fullRun: false, failures: [{ reason }], errorCode: code };
  }
}

/** Steps 3 to 7, under the Lease. */
async function applyCommit(
  job: SyncJob,
  world: SyncWorld,
  github: SyncRepository,
  target: { commit: string; etag: string | undefined; fullRun: boolean },
  memory: SyncMemory,
): Promise<SyncRunResult> {
  const base = { repository: job.repository, ref: job.ref, environment: job.environment, cluster: job.cluster, commit: target.commit };
  const warnings: string[] = [];
  // Another run may have finished between step 1 and taking the Lease: its state is the one to build on.
  const previous = job.dryRun ? memory.state : ((await world.cluster.readSyncState(job.namespace, stateName(job))) ?? memory.state);
  let fullRun = target.fullRun;
  if (previous?.commit === target.commit && world.now() - Date.parse(previous.appliedAt) < job.fullEveryMs && !job.dryRun) {
    memory.state = previous;
    return { ...base, applied: [], unchanged: previous.inventory.length, pruned: [], wouldPrune: [], kept: [], failures: [], warnings, outcome: "up-to-date", fullRun: false };
  }
  if (previous === undefined) fullRun = true;

  let objects: RenderedObject[];
  try {
    // 3. Tarball
    const files = await github.downloadTree(target.commit);
    // 4. Render
    const renderer = world.kustomizer(files);
    try {
      objects = await renderTree(files, { paths: job.paths, defaultNamespace: job.defaultNamespace, budgets: job.budgets, kustomize: renderer.kustomize });
    } finally {
      await renderer.close();
    }
  } catch (error) {
    const { code, reason } = errorOf(error);
    const result: SyncRunResult = { ...base, applied: [], unchanged: 0, pruned: [], wouldPrune: [], kept: [], failures: [{ reason }], errorCode: code, warnings, outcome: "failed", fullRun };
    return job.dryRun ? result : report(github, result, undefined);
  }

  // 5. Apply. A new commit that changes something here gets its deployment at once, alongside the cluster work,
  // and an in-progress status if that work is still going after world.inProgressAfter (GitHub spaces writes a
  // second apart, so a quick run reports only its outcome); a commit that changes nothing here stays silent.
  const plan = planSync(objects, previous?.inventory, { fullRun, prune: job.prune, allowMassPrune: job.allowMassPrune, pruneProtectedKinds: job.pruneProtectedKinds });
  const changes = plan.foundations.length + plan.rest.length + plan.prune.candidates.length > 0;
  let clusterDone = false;
  let finishCluster = () => {};
  const finished = new Promise<void>((resolve) => (finishCluster = resolve));
  const { inProgressAfter } = world;
  const stillWorking = inProgressAfter ? () => Promise.race([inProgressAfter(), finished]).then(() => !clusterDone) : async () => true;
  const started = !job.dryRun && changes && target.commit !== previous?.commit
    ? startDeployment(github, target.commit, warnings, stillWorking)
    : Promise.resolve(undefined);
  let cluster: ClusterResult;
  try {
    cluster = await world.cluster.applyToCluster(objects, previous, {
      namespace: job.namespace,
      stateName: stateName(job),
      dryRun: job.dryRun,
      prune: job.prune,
      fullRun,
      wait: job.wait,
      timeoutMs: job.timeoutMs,
      force: job.force,
      allowMassPrune: job.allowMassPrune,
      pruneProtectedKinds: job.pruneProtectedKinds,
      clock: world.now,
      plan,
    });
  } catch (error) {
    clusterDone = true;
    finishCluster();
    const { code, reason } = errorOf(error);
    const result: SyncRunResult = { ...base, applied: [], unchanged: 0, pruned: [], wouldPrune: [], kept: [], failures: [{ reason }], errorCode: code, warnings, outcome: "failed", fullRun };
    return job.dryRun ? result : report(github, result, await started);
  }
  clusterDone = true;
  finishCluster();
  const deploymentId = await started;
  const result: SyncRunResult = {
    ...base,
    outcome: cluster.ok ? (job.dryRun ? "dry-run" : "applied") : "failed",
    fullRun,
    applied: cluster.applied,
    unchanged: cluster.unchanged.length,
    pruned: cluster.pruned,
    wouldPrune: cluster.wouldPrune,
    kept: cluster.kept,
    failures: cluster.failures,
    warnings,
  };
  if (job.dryRun) return result;

  // 6. State, only after a successful run: a failed one leaves it as it was, so the next run tries again.
  if (cluster.ok) {
    const state: SyncState = {
      commit: target.commit,
      ...(target.etag !== undefined ? { etag: target.etag } : {}),
      ...(github.installationId !== undefined ? { installationId: github.installationId } : {}),
      // The full-run clock: a run that sent only what changed does not put off the next drift correction.
      appliedAt: fullRun || previous === undefined ? new Date(world.now()).toISOString() : previous.appliedAt,
      inventory: cluster.inventory,
      result: summarise(result),
    };
    try {
      await world.cluster.writeSyncState(job.namespace, stateName(job), state);
      memory.state = state;
    } catch (error) {
      const { code, reason } = errorOf(error);
      return report(github, { ...result, outcome: "failed", errorCode: code, failures: [{ reason: `applied, but the state could not be recorded: ${reason}` }] }, deploymentId);
    }
  }
  // 7. Report. A full run that re-applied the commit already recorded (drift correction) adds nothing to that
  // commit's deployment, which its own run reported: only a failure is reported.
  if (cluster.ok && previous?.commit === target.commit && deploymentId === undefined) return result;
  return report(github, result, deploymentId);
}

/** The commit's deployment (found, or created), and `in_progress` on it if the run is `stillWorking` by then. */
async function startDeployment(github: SyncRepository, commit: string, warnings: string[], stillWorking: () => Promise<boolean>): Promise<number | undefined> {
  try {
    const id = (await github.findDeployment(commit, { withStatus: false }))?.id ?? (await github.createDeployment(commit, "bender sync"));
    if (await stillWorking()) await github.setDeploymentStatus(id, "in_progress", "applying");
    return id;
  } catch (error) {
    warnings.push(`could not report the deployment as in progress: ${errorOf(error).reason}`);
    return undefined;
  }
}

/**
 * Step 7: success or failure on the run's deployment. Runs that applied
 * nothing and failed nothing stay silent; a failure already reported with the
 * same description (a CronJob retrying every minute) is not repeated.
 */
async function report(github: SyncRepository, result: SyncRunResult, deploymentId: number | undefined): Promise<SyncRunResult> {
  const failed = result.outcome === "failed";
  const changed = result.applied.length > 0 || result.pruned.length > 0;
  if (!failed && !changed && deploymentId === undefined) return result;
  const commit = result.commit ?? "";
  const state = failed ? "failure" : "success";
  const description = summarise(result);
  try {
    let id = deploymentId;
    if (id === undefined) {
      const existing = await github.findDeployment(commit, { withStatus: true });
      if (existing && existing.state === state && existing.description === deploymentDescription(description)) return { ...result, deployment: { id: existing.id, state } };
      id = existing?.id ?? (await github.createDeployment(commit, "bender sync"));
    }
    await github.setDeploymentStatus(id, state, description);
    return { ...result, deployment: { id, state } };
  } catch (error) {
    return { ...result, warnings: [...result.warnings, `could not report the deployment: ${errorOf(error).reason}`] };
  }
}
