import picomatch from "picomatch";
import type { Build } from "../builds/build.js";
import { environmentsFor, tagAllowed } from "../config/index.js";
import { proposalBranch } from "../proposals/branch-name.js";
import { bumpFiles, inlineEngine } from "../manifests/io/manifest-engine.js";
import { decideProposal, proposalFiles } from "../proposals/plan-proposal.js";
import { hasAllLabels } from "../proposals/labels.js";
import { ConfigChangedError } from "./propose-context.js";
import type { ProposalOutcome, ProposeContext } from "./propose-context.js";
import { readRepositoryState } from "./read-repository-state.js";
import type { EnvironmentRead } from "./read-state.js";
import { writeProposals } from "./write-proposals.js";
import type { WritePlan } from "./write-proposals.js";

export { ConfigChangedError } from "./propose-context.js";
export type { ProposalOutcome, ProposeContext } from "./propose-context.js";

/** Stale heads and racing branches are planned again from a fresh read, this many times at most. */
export const MAX_ATTEMPTS = 5;

/**
 * (environment, image) pairs written together: one read and up to three
 * mutation documents per batch. GitHub runs a document's mutations one after
 * the other and gives a request 10 seconds; a `createCommitOnBranch` takes a
 * few hundred milliseconds, so ten pairs (at most 10 commits and 33 mutations
 * in the largest document, a few seconds of work) stay well inside that, and
 * far inside the read's node limit. Secondary limits charge per request, so a
 * batch of ten costs what one proposal did.
 */
export const BATCH_SIZE = 10;

/** One build to propose, optionally only to some environments (the queue coalesces per (repository, environment, image)). */
export interface BuildTarget {
  readonly build: Build;
  readonly environments?: ReadonlySet<string> | undefined;
}

/** The folder a configured path starts in: `clusters/prod-*\/**` is read from `clusters`. */
function folderOf(path: string): string {
  const base = picomatch.scan(path.replace(/^\.\//, "").replace(/\/+$/, "")).base;
  return base === "." ? "" : base;
}

/** Turns one build into proposals in one manifest repository (`proposeBuilds` with one target). */
export async function proposeBuild(build: Build, context: ProposeContext): Promise<ProposalOutcome[]> {
  return proposeBuilds([{ build }], context);
}

/**
 * Proposes several builds to ONE repository with one read and batched
 * mutation documents per batch of `BATCH_SIZE` (environment, image) pairs. No two targets may
 * share an (environment, image) pair. Returns one outcome per (target,
 * environment). Throws ConfigChangedError when the repository's config
 * changed since it was cached.
 */
export async function proposeBuilds(targets: readonly BuildTarget[], context: ProposeContext): Promise<ProposalOutcome[]> {
  const repository = `${context.owner}/${context.repo}`;
  const outcomes: ProposalOutcome[] = [];

  // 1. Environments and tag policy.
  const pending: Pending[] = [];
  for (const { build, environments } of targets) {
    const tag = tagAllowed(context.config, build.image);
    for (const name of environmentsFor(context.config, build.image)) {
      if (environments && !environments.has(name)) continue;
      const environment = context.config.environments[name];
      if (!environment) continue;
      if (!tag.ok) {
        outcomes.push({ repository, environment: name, image: build.image.repository, action: "skipped", detail: tag.reason });
        continue;
      }
      const folders = [...new Set(environment.paths.map(folderOf))];
      pending.push({ build, read: { name, branch: environment.branch, folders, proposalRef: `refs/heads/${proposalBranch(name, build.image)}` } });
    }
  }
  for (let start = 0; start < pending.length; start += BATCH_SIZE) {
    outcomes.push(...(await proposeBatch(pending.slice(start, start + BATCH_SIZE), context)));
  }
  return outcomes;
}

interface Pending {
  readonly build: Build;
  readonly read: EnvironmentRead;
}

/**
 * One batch of (environment, image) pairs:
 * 2. Read everything in one query (plus a follow-up for changed files only);
 *    an environment's trees are read once for all images.
 * 3. Plan each pair: the manifest engine over its files (off the event loop), then the decision.
 * 4. Write in at most three documents (see writeProposals).
 * 5. What lost a race is planned again from a fresh read, after a jittered pause.
 */
async function proposeBatch(batch: readonly Pending[], context: ProposeContext): Promise<ProposalOutcome[]> {
  const repository = `${context.owner}/${context.repo}`;
  const outcomes: ProposalOutcome[] = [];
  let pending = batch;
  const planned = new Map<string, ProposalOutcome>();
  for (let attempt = 1; pending.length > 0; attempt++) {
    const retry = await attemptOnce(pending, context, outcomes, planned);
    const losers = pending.filter((entry) => retry.has(entry.read.proposalRef));
    if (losers.length === 0) break;
    if (attempt >= MAX_ATTEMPTS) {
      for (const { read } of losers) {
        if (planned.get(read.proposalRef)?.pullRequest) continue;
        planned.set(read.proposalRef, { repository, environment: read.name, action: "failed", detail: `still racing another writer after ${MAX_ATTEMPTS} attempts; the next build will try again` });
      }
      break;
    }
    context.log.info({ proposals: losers.map(({ read }) => read.proposalRef), attempt }, "proposal raced another writer; planning again");
    // A jittered, growing pause, so writers that collided do not collide again in step.
    await (context.sleep ?? defaultSleep)(Math.round(50 * 2 ** attempt * (0.5 + Math.random())));
    pending = losers;
  }
  // Outcomes are keyed by proposal branch, one per (environment, image): each names its image.
  const images = new Map(batch.map(({ build, read }) => [read.proposalRef, build.image.repository]));
  return [...outcomes, ...[...planned].map(([proposalRef, outcome]) => ({ ...outcome, image: images.get(proposalRef) }))];
}

/**
 * One outcome per (environment, image) across attempts: a later attempt's says what came of it, except that a PR
 * this build opened or superseded stays the outcome when a later attempt only finished it (labels, pin) or found it.
 */
function settle(planned: Map<string, ProposalOutcome>, key: string, outcome: ProposalOutcome): void {
  const earlier = planned.get(key);
  const wrote = earlier && (earlier.action === "opened" || earlier.action === "superseded");
  if (wrote && (outcome.action === "finished" || outcome.action === "none")) {
    planned.set(key, { ...earlier, pinned: earlier.pinned === true || outcome.pinned === true, ...(outcome.pinned ? { detail: "pinned automatically" } : {}) });
    return;
  }
  planned.set(key, outcome);
}

function defaultSleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** One read, plan and write of the pending (environment, image) pairs; returns the proposal refs that lost a race. */
async function attemptOnce(pending: readonly Pending[], context: ProposeContext, outcomes: ProposalOutcome[], planned: Map<string, ProposalOutcome>): Promise<ReadonlySet<string>> {
  const repository = `${context.owner}/${context.repo}`;
  // Each environment's trees are read once, by its first (environment, image).
  const firstOf = new Map<string, number>();
  const reads = pending.map(({ read }, index): EnvironmentRead => {
    const first = firstOf.get(read.name);
    if (first === undefined) {
      firstOf.set(read.name, index);
      return read;
    }
    return { ...read, folders: [], treesFrom: first };
  });

  // 2. Read; a config that changed since it was cached makes the caller reload it.
  const state = await readRepositoryState(context, reads);
  if (context.configOid !== undefined && state.configOid !== context.configOid) {
    throw new ConfigChangedError(`${repository}: .github/bender.yml changed since it was read`);
  }
  for (const { name, detail } of state.unplannable) {
    for (const { build } of pending.filter(({ read }) => read.name === name)) outcomes.push({ repository, environment: name, image: build.image.repository, action: "failed", detail });
  }

  // 3. Plan.
  const builds = new Map(pending.map(({ build, read }) => [read.proposalRef, build]));
  const writes: WritePlan[] = [];
  for (const environment of state.environments) {
    const build = builds.get(environment.read.proposalRef);
    if (!build) continue;
    const outcomes = await bumpFiles(context.engine ?? inlineEngine, proposalFiles(environment.snapshot), build.image);
    const plan = decideProposal(build, environment.snapshot, outcomes, context.webUrl);
    if (plan.action !== "none") {
      writes.push({ build, environment, plan });
      continue;
    }
    const open = environment.openPullRequest;
    // An open proposal for this very build that an interrupted write left without its labels is finished.
    if (open && plan.reason === "same-build-proposed" && environment.snapshot.openProposal?.metadata && !hasAllLabels(environment.read.name, open.labels)) {
      writes.push({ build, environment, plan: { action: "finish", detail: `${plan.detail}; its labels were missing`, skipped: plan.skipped, title: "", metadata: environment.snapshot.openProposal.metadata, pin: false } });
      continue;
    }
    settle(planned, environment.read.proposalRef, {
      repository,
      environment: environment.read.name,
      action: "none",
      detail: plan.detail,
      ...(open ? { pullRequest: { number: open.number, url: open.url } } : {}),
    });
  }
  if (writes.length === 0) return new Set();

  // 4. Write.
  const written = await writeProposals(context, state, writes);
  for (const [key, outcome] of written.outcomes) settle(planned, key, outcome);
  return written.retry;
}
