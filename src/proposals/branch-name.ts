import type { ImageReference } from "../image-ref/index.js";

export const BRANCH_PREFIX = "bender";

/**
 * The branch of the one proposal for an (environment, image):
 * `bender/production/ghcr.io-acme-api`. Environment names are validated by the
 * config; the repository is made of the reference grammar's characters, and
 * `:` (a registry port, not allowed in branch names) becomes `-`.
 */
export function proposalBranch(environment: string, image: Pick<ImageReference, "repository">): string {
  return `${BRANCH_PREFIX}/${environment}/${repositorySlug(image)}`;
}

/** `ghcr.io/acme/api` → `ghcr.io-acme-api`; `localhost:5000/a` → `localhost-5000-a`; `[::1]:5000/a` → `--1--5000-a`. */
export function repositorySlug(image: Pick<ImageReference, "repository">): string {
  return image.repository.replace(/[/:[\]]/g, "-");
}

/** GitHub's Revert button names its branch `revert-<number>-<head branch>`; returns the reverted PR's number. */
export function revertedPullRequestNumber(headBranch: string): number | undefined {
  const match = /^revert-(?<number>\d+)-bender\//.exec(headBranch);
  return match?.groups?.number === undefined ? undefined : Number(match.groups.number);
}
