import type { Logger } from "pino";
import type { Build } from "../builds/build.js";
import type { BenderServices } from "./app.js";
import type { InstallationClient } from "./manifest-repositories.js";
import { ConfigChangedError, proposeBuild } from "./propose-build.js";
import type { ProposalOutcome, ProposeContext } from "./propose-build.js";

/** One build for one repository's turn, to some of its environments (the queue coalesced the rest). */
export interface QueuedTarget {
  readonly build: Build;
  readonly environments: ReadonlySet<string>;
}

/** What became of one target: its outcomes, or the error that stopped it (the queue decides whether to keep it). */
export type TargetResult = { readonly outcomes: ProposalOutcome[] } | { readonly error: unknown };

/**
 * Proposes what waited for one manifest repository, in order, one target
 * after another. (At merge this becomes one `proposeBuilds` call: one read
 * and batched mutation documents for every target.) A config that changed
 * since it was cached is reloaded once.
 */
export async function proposeBatch(
  services: BenderServices,
  client: InstallationClient,
  repository: string,
  targets: readonly QueuedTarget[],
  log: Logger,
): Promise<TargetResult[]> {
  const results: TargetResult[] = [];
  for (const target of targets) {
    try {
      results.push({ outcomes: await proposeTarget(services, client, repository, target, log) });
    } catch (error) {
      results.push({ error });
    }
  }
  return results;
}

async function proposeTarget(services: BenderServices, client: InstallationClient, repository: string, target: QueuedTarget, log: Logger, reloaded = false): Promise<ProposalOutcome[]> {
  const lookup = await services.configs.load(client, repository, log);
  if (lookup.kind !== "config") return [];
  const [owner = "", repo = ""] = repository.split("/");
  const context: ProposeContext = {
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
  };
  try {
    return await proposeBuild(target.build, context, 1, target.environments);
  } catch (error) {
    if (!(error instanceof ConfigChangedError) || reloaded) throw error;
    log.info({ repository }, "config changed since cached; reloading");
    services.configs.expire(repository);
    return proposeTarget(services, client, repository, target, log, true);
  }
}
