/**
 * What a manifest repository's waiting builds come to when its turn comes:
 * per (environment, image) only the newest build is proposed (semantic
 * version order, then arrival); the older ones are coalesced away before
 * they cost a single write. Pure: the caller brings the config.
 */
import type { Build } from "../builds/build.js";
import { environmentsFor, tagAllowed } from "../config/index.js";
import type { BenderConfig } from "../config/index.js";
import { formatReference } from "../image-ref/index.js";
import { isOlderVersion } from "../proposals/version-order.js";

/** A build waiting for its repository's turn. */
export interface WaitingBuild {
  /** The build's key, as the intake answered it. */
  readonly key: string;
  readonly build: Build;
  /** Arrival order (a counter or a time): among builds that semver cannot order, the later one wins. */
  readonly arrival: number;
}

/** One build to propose, to these environments only (no two targets share an (environment, image) pair). */
export interface PlannedTarget<T extends WaitingBuild = WaitingBuild> {
  readonly waiting: T;
  readonly environments: ReadonlySet<string>;
}

/** A build that will not be proposed to an environment, because a newer one of the same image is. */
export interface CoalescedBuild<T extends WaitingBuild = WaitingBuild> {
  readonly waiting: T;
  readonly environment: string;
  readonly newer: T;
}

/** A build whose tag an environment's policy refuses: reported, never written. */
export interface RefusedBuild<T extends WaitingBuild = WaitingBuild> {
  readonly waiting: T;
  readonly environment: string;
  readonly detail: string;
}

export interface BatchPlan<T extends WaitingBuild = WaitingBuild> {
  readonly targets: PlannedTarget<T>[];
  readonly coalesced: CoalescedBuild<T>[];
  readonly refused: RefusedBuild<T>[];
}

/** The key a build is answered with and logged by: its full reference (name, tag, digest). */
export function buildKey(build: Build): string {
  return formatReference(build.image);
}

/** Whether `candidate` takes the place of `current` for one (environment, image): not older by semver, and later. */
export function supersedes(candidate: WaitingBuild, current: WaitingBuild): boolean {
  if (isOlderVersion(candidate.build.image.tag, current.build.image.tag)) return false;
  if (isOlderVersion(current.build.image.tag, candidate.build.image.tag)) return true;
  return candidate.arrival >= current.arrival;
}

/** Plans one turn of a repository: the newest build per (environment, image), and what was dropped and why. */
export function planBatch<T extends WaitingBuild>(waiting: readonly T[], config: BenderConfig): BatchPlan<T> {
  const newest = new Map<string, { environment: string; waiting: T }>();
  const coalesced: CoalescedBuild<T>[] = [];
  const refused: RefusedBuild<T>[] = [];
  for (const entry of [...waiting].sort((a, b) => a.arrival - b.arrival)) {
    const image = entry.build.image;
    const tag = tagAllowed(config, image);
    for (const environment of environmentsFor(config, image)) {
      if (!tag.ok) {
        refused.push({ waiting: entry, environment, detail: tag.reason });
        continue;
      }
      const pair = JSON.stringify([environment, image.repository]);
      const current = newest.get(pair);
      if (current === undefined || supersedes(entry, current.waiting)) {
        if (current !== undefined) coalesced.push({ waiting: current.waiting, environment, newer: entry });
        newest.set(pair, { environment, waiting: entry });
      } else {
        coalesced.push({ waiting: entry, environment, newer: current.waiting });
      }
    }
  }
  const byBuild = new Map<T, Set<string>>();
  for (const { environment, waiting: entry } of newest.values()) {
    const environments = byBuild.get(entry) ?? new Set<string>();
    environments.add(environment);
    byBuild.set(entry, environments);
  }
  const targets = [...byBuild].map(([entry, environments]) => ({ waiting: entry, environments }));
  return { targets, coalesced, refused };
}
