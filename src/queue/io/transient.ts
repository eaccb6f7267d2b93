import { isRetryableGitHubFailure } from "../../github/github-error.js";
import { GithubWaitInterrupted } from "../../github/github-pacer.js";

/**
 * Whether work that failed should be kept and tried again: GitHub failed on
 * its side (5xx, or a network failure, which Octokit reports as 500), a rate
 * limit reached the queue, or a shutdown cut a wait short. Anything else (no
 * permission, a bug) is about the work itself and is reported instead.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof GithubWaitInterrupted) return true;
  return isRetryableGitHubFailure(error);
}
