import type { Logger } from "pino";
import type { Build } from "../builds/build.js";
import type { BenderServices } from "./services.js";
import type { InstallationClient } from "./manifest-repositories.js";
import { ConfigChangedError, proposeBuilds } from "./propose-build.js";
import type { ProposalOutcome, ProposeContext } from "./propose-build.js";
import { sweepRepository } from "./sweep-repository.js";
import type { SweepOutcome } from "./sweep-repository.js";
import { repositoryName } from "./repository-name.js";

/** One build for one repository's turn, to some of its environments (the queue coalesced the rest). */
export interface QueuedTarget {
  readonly build: Build;
  readonly environments: ReadonlySet<string>;
}

/** What became of one target: its outcomes, or the error that stopped it (the queue decides whether to keep it). */
export type TargetResult = { readonly outcomes: ProposalOutcome[] } | { readonly error: unknown };

/**
 * Proposes what waited for one manifest repository in one `proposeBuilds`
 * call: one read and batched mutation documents for every target. Each
 * target gets the outcomes of its own (environment, image) pairs; when the
 * call fails, every target carries the error (the queue keeps them, and the
 * write layer re-plans from a fresh read next time). A config that changed
 * since it was cached is reloaded once.
 */
export async function proposeBatch(
  services: BenderServices,
  client: InstallationClient,
  repository: string,
  targets: readonly QueuedTarget[],
  log: Logger,
): Promise<TargetResult[]> {
  try {
    const outcomes = await proposeTargets(services, client, repository, targets, log);
    return targets.map((target) => ({
      outcomes: outcomes.filter((outcome) => outcome.image === target.build.image.repository && target.environments.has(outcome.environment)),
    }));
  } catch (error) {
    return targets.map(() => ({ error }));
  }
}

async function proposeTargets(services: BenderServices, client: InstallationClient, repository: string, targets: readonly QueuedTarget[], log: Logger, reloaded = false): Promise<ProposalOutcome[]> {
  const context = await proposeContextFor(services, client, repository, log);
  if (!context) return [];
  try {
    return await proposeBuilds(targets, context);
  } catch (error) {
    if (!(error instanceof ConfigChangedError) || reloaded) throw error;
    log.info({ repository }, "config changed since cached; reloading");
    services.configs.expire(repository);
    return proposeTargets(services, client, repository, targets, log, true);
  }
}

/** What proposing to one repository needs; undefined when it has no valid config. */
async function proposeContextFor(services: BenderServices, client: InstallationClient, repository: string, log: Logger): Promise<ProposeContext | undefined> {
  const lookup = await services.configs.load(client, repository, log);
  if (lookup.kind !== "config") return undefined;
  const { owner, name: repo } = repositoryName(repository);
  return {
    client,
    owner,
    repo,
    config: lookup.config,
    configOid: lookup.oid,
    webUrl: services.webUrl,
    blobs: services.blobs,
    events: services.events,
    log: log.child({ repository }),
    uniqueId: services.uniqueId,
    engine: services.engine,
    now: services.now,
  };
}

/**
 * The sweep after a start: finishes what an interrupted write left in one
 * manifest repository (unlabelled proposals, automatic pins not made,
 * temporary branches). A repository without a valid config has nothing to sweep.
 */
export async function sweepManifestRepository(services: BenderServices, client: InstallationClient, repository: string, log: Logger): Promise<SweepOutcome[]> {
  const context = await proposeContextFor(services, client, repository, log);
  if (!context) return [];
  const outcomes = await sweepRepository(context);
  for (const outcome of outcomes) log.info({ repository, ...outcome }, "sweep");
  return outcomes;
}
