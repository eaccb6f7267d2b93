import type { Logger } from "pino";
import { CONFIG_FILE } from "../../config/index.js";
import type { ConfigLookup } from "../../github/config-store.js";
import type { InstallationClient } from "../../github/manifest-repositories.js";
import type { LoadedConfig, QueuedTarget, TargetResult } from "../../github/propose-batch.js";
import type { ProposalOutcome } from "../../github/propose-build.js";
import { planBatch } from "../coalesce.js";
import type { WaitingBuild } from "../coalesce.js";
import { isTransient } from "./transient.js";
import { gitHubFailureReason } from "../../github/github-error.js";

/** What a turn needs from the world. */
export interface TurnOptions<T extends WaitingBuild> {
  readonly loadConfig: (repository: string, client: InstallationClient, log: Logger) => Promise<ConfigLookup>;
  /** Proposes the coalesced targets with the config the turn loaded (read once per turn). */
  readonly propose: (repository: string, client: InstallationClient, targets: readonly QueuedTarget[], config: LoadedConfig, log: Logger) => Promise<TargetResult[]>;
  readonly sweep?: ((repository: string, client: InstallationClient, log: Logger) => Promise<unknown>) | undefined;
  /** Records (and reports) what became of a build. */
  readonly record: (waiting: T, outcomes: readonly ProposalOutcome[], log: Logger) => void;
  readonly onCoalesced?: ((count: number) => void) | undefined;
}

export interface TurnResult<T extends WaitingBuild> {
  /** Builds to keep and try again (GitHub failed on its side, or a shutdown cut the turn short). */
  readonly keep: T[];
  /** Why they are kept; undefined when the turn finished. */
  readonly failed: unknown;
  /** Whether the sweep asked for ran to its end. */
  readonly swept: boolean;
}

/**
 * One turn of a repository: the sweep if asked, then the builds that waited,
 * coalesced to the newest per (environment, image) and proposed together.
 *
 * 1. Sweep (finish what an interrupted write left).
 * 2. The config: without a valid one, every build is skipped here.
 * 3. Coalesce: older builds are reported as skipped and cost nothing.
 * 4. Propose the rest; keep what failed on GitHub's side, report the others.
 */
export async function runTurn<T extends WaitingBuild>(
  options: TurnOptions<T>,
  turn: { readonly repository: string; readonly client: InstallationClient; readonly batch: readonly T[]; readonly sweep: boolean; readonly log: Logger },
): Promise<TurnResult<T>> {
  const { repository, client, batch, log } = turn;
  log.debug({ builds: batch.map((entry) => entry.key), sweep: turn.sweep }, "repository turn");
  const keep: T[] = [];
  let failed: unknown;
  let swept = !turn.sweep;
  try {
    // 1. Sweep.
    if (turn.sweep && options.sweep) await options.sweep(repository, client, log);
    swept = true;
    if (batch.length === 0) return { keep, failed, swept };

    // 2. Config.
    const lookup = await options.loadConfig(repository, client, log);
    if (lookup.kind !== "config") {
      const detail = lookup.kind === "absent" ? `${repository} has no ${CONFIG_FILE}` : `${CONFIG_FILE} of ${repository} is invalid and there is no earlier valid one; see its bender/config check`;
      for (const waiting of batch) options.record(waiting, [{ repository, environment: "", action: "skipped", detail }], log);
      return { keep, failed, swept };
    }

    // 3. Coalesce.
    const plan = planBatch(batch, lookup.config);
    for (const { waiting, environment, newer } of plan.coalesced) {
      log.info({ build: waiting.key, environment, newer: newer.key }, "build coalesced: a newer build of the image was waiting");
      options.record(waiting, [{ repository, environment, action: "skipped", detail: `coalesced: ${newer.key} was newer and waiting, so it was proposed instead` }], log);
    }
    if (plan.coalesced.length > 0) options.onCoalesced?.(plan.coalesced.length);
    for (const { waiting, environment, detail } of plan.refused) options.record(waiting, [{ repository, environment, action: "skipped", detail }], log);
    if (plan.targets.length === 0) return { keep, failed, swept };

    // 4. Propose.
    const results = await options.propose(repository, client, plan.targets.map(({ waiting, environments }) => ({ build: waiting.build, environments })), lookup, log);
    for (const [index, result] of results.entries()) {
      const target = plan.targets[index];
      if (!target) continue;
      if ("outcomes" in result) {
        options.record(target.waiting, result.outcomes, log);
      } else if (isTransient(result.error)) {
        failed = result.error;
        keep.push(target.waiting);
      } else {
        log.warn({ err: result.error, build: target.waiting.key }, "build not proposed to a repository");
        options.record(target.waiting, [{ repository, environment: "", action: "failed", detail: failureDetail(result.error) }], log);
      }
    }
  } catch (error) {
    if (!isTransient(error)) {
      log.error({ err: error }, "repository turn failed; its builds are dropped");
      for (const waiting of batch) options.record(waiting, [{ repository, environment: "", action: "failed", detail: failureDetail(error) }], log);
      return { keep: [], failed: undefined, swept };
    }
    return { keep: [...batch], failed: error, swept };
  }
  return { keep, failed, swept };
}

/** A failed outcome's detail: what to do about a GitHub failure (its words kept), or the error's message. */
function failureDetail(error: unknown): string {
  return gitHubFailureReason(error) ?? (error as Error).message;
}
