import type { Logger } from "pino";
import type { Build } from "../builds/build.js";
import type { BenderConfig } from "../config/schema.js";
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

/** A repository's config as the queue's turn loaded it (and coalesced with): proposing uses it, not a second load. */
export interface LoadedConfig {
  readonly config: BenderConfig;
  /** Blob ID of the file the config came from. */
  readonly oid: string | undefined;
}

/** What became of one target: its outcomes, or the error that stopped it (the queue decides whether to keep it). */
export type TargetResult = { readonly outcomes: ProposalOutcome[] } | { readonly error: unknown };

/**
 * Proposes what waited for one manifest repository in one `proposeBuilds`
 * call: one read and batched mutation documents for every target. Each
 * target gets the outcomes of its own (environment, image) pairs; when the
 * call fails, every target carries the error (the queue keeps them, and the
 * write layer re-plans from a fresh read next time). `loaded` is the config
 * the turn already loaded (so a turn reads it once); a config that changed
 * since it was cached is reloaded once.
 */
export async function proposeBatch(
  services: BenderServices,
  client: InstallationClient,
  repository: string,
  targets: readonly QueuedTarget[],
  loaded: LoadedConfig,
  log: Logger,
): Promise<TargetResult[]> {
  try {
    const outcomes = await proposeTargets(services, client, repository, targets, loaded, log);
    return targets.map((target) => ({
      outcomes: outcomes.filter((outcome) => outcome.image === target.build.image.repository && target.environments.has(outcome.environment)),
    }));
  } catch (error) {
    return targets.map(() => ({ error }));
  }
}

async function proposeTargets(
  services: BenderServices,
  client: InstallationClient,
  repository: string,
  targets: readonly QueuedTarget[],
  loaded: LoadedConfig,
  log: Logger,
): Promise<ProposalOutcome[]> {
  try {
    return await proposeBuilds(targets, proposeContext(services, client, repository, loaded, log));
  } catch (error) {
    if (!(error instanceof ConfigChangedError)) throw error;
    log.info({ repository }, "config changed since cached; reloading");
    services.configs.expire(repository);
    const reloaded = await services.configs.load(client, repository, log);
    if (reloaded.kind !== "config") return [];
    return proposeBuilds(targets, proposeContext(services, client, repository, reloaded, log));
  }
}

/** What proposing to one repository needs; undefined when it has no valid config. */
async function proposeContextFor(services: BenderServices, client: InstallationClient, repository: string, log: Logger): Promise<ProposeContext | undefined> {
  const lookup = await services.configs.load(client, repository, log);
  if (lookup.kind !== "config") return undefined;
  return proposeContext(services, client, repository, lookup, log);
}

function proposeContext(services: BenderServices, client: InstallationClient, repository: string, loaded: LoadedConfig, log: Logger): ProposeContext {
  const { owner, name: repo } = repositoryName(repository);
  return {
    client,
    owner,
    repo,
    config: loaded.config,
    configOid: loaded.oid,
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
