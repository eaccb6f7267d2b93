import type { DeploymentState } from "../sync/github-port.js";
import { toGitHubError } from "./github-error.js";
import type { GitHubClient } from "./resolve-commit.js";
import { repositoryName } from "./repository-name.js";
import { deploymentDescription } from "../sync/sync-result.js";

/** GitHub's limit on a deployment status description. */


/** `<environment>/<cluster>`: one GitHub environment per cluster, so an environment on three clusters shows three. */
export function deploymentEnvironment(environment: string, cluster: string): string {
  return `${environment}/${cluster}`;
}


/**
 * Step 7 of a sync run, first half: a deployment of `sha` to
 * `<environment>/<cluster>`. No auto-merge and no required contexts: the
 * commit is already on the branch, and the job reports what it did, not
 * whether it may.
 */
export async function createDeployment(
  github: GitHubClient,
  target: { repository: string; sha: string; environment: string; cluster: string; description: string },
): Promise<number> {
  const { owner, name: repo } = repositoryName(target.repository);
  try {
    const { data } = await github.request("POST /repos/{owner}/{repo}/deployments", {
      owner,
      repo,
      ref: target.sha,
      environment: deploymentEnvironment(target.environment, target.cluster),
      description: deploymentDescription(target.description),
      auto_merge: false,
      required_contexts: [],
      task: "deploy",
      payload: { bender: { environment: target.environment, cluster: target.cluster } },
    });
    if (!("id" in data)) throw new Error(`GitHub did not create the deployment: ${JSON.stringify(data).slice(0, 200)}`);
    return Number(data.id);
  } catch (error) {
    throw toGitHubError(error, `creating a deployment of ${target.sha.slice(0, 7)} to ${deploymentEnvironment(target.environment, target.cluster)}`);
  }
}

/** Step 7, second half: one status of that deployment (in_progress, then success or failure), its description cut to GitHub's 140 characters. */
export async function setDeploymentStatus(
  github: GitHubClient,
  target: { repository: string; deploymentId: number; state: DeploymentState; description: string; environment: string; cluster: string; logUrl?: string },
): Promise<void> {
  const { owner, name: repo } = repositoryName(target.repository);
  try {
    await github.request("POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
      owner,
      repo,
      deployment_id: target.deploymentId,
      state: target.state,
      description: deploymentDescription(target.description),
      environment: deploymentEnvironment(target.environment, target.cluster),
      ...(target.logUrl ? { log_url: target.logUrl } : {}),
      // Earlier successful deployments to the same cluster become inactive: GitHub shows one live commit per cluster.
      auto_inactive: true,
    });
  } catch (error) {
    throw toGitHubError(error, `reporting deployment ${target.deploymentId} as ${target.state}`);
  }
}

/**
 * The latest deployment of `sha` to `<environment>/<cluster>`, and with `withStatus` its latest status, so a
 * failing run retried every minute reports once.
 */
export async function findDeployment(
  github: GitHubClient,
  target: { repository: string; sha: string; environment: string; cluster: string; withStatus: boolean },
): Promise<{ id: number; state: string | undefined; description: string | undefined } | undefined> {
  const { owner, name: repo } = repositoryName(target.repository);
  try {
    const { data: deployments } = await github.request("GET /repos/{owner}/{repo}/deployments", {
      owner,
      repo,
      sha: target.sha,
      environment: deploymentEnvironment(target.environment, target.cluster),
      per_page: 1,
    });
    const [deployment] = deployments;
    if (!deployment) return undefined;
    if (!target.withStatus) return { id: Number(deployment.id), state: undefined, description: undefined };
    const { data: statuses } = await github.request("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
      owner,
      repo,
      deployment_id: Number(deployment.id),
      per_page: 1,
    });
    return { id: Number(deployment.id), state: statuses[0]?.state, description: statuses[0]?.description ?? undefined };
  } catch (error) {
    throw toGitHubError(error, `reading deployments of ${target.sha.slice(0, 7)}`);
  }
}
