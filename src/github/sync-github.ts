import type { SyncGitHubAuth } from "../cli/sync-settings.js";
import type { SyncBudgets } from "../sync/budgets.js";
import type { ConnectRepository } from "../sync/github-port.js";
import { downloadTarball } from "./download-tarball.js";
import type { RetryPolicy } from "./octokit.js";
import { createDeployment, findDeployment, setDeploymentStatus } from "./report-deployment.js";
import { resolveCommit } from "./resolve-commit.js";
import { connectToGitHub } from "./sync-client.js";

/** The production binding of the sync job's GitHub port: one repository, ref, paths, environment and cluster. */
export function syncRepository(options: {
  auth: SyncGitHubAuth;
  apiUrl: string;
  repository: string;
  ref: string;
  paths: readonly string[];
  environment: string;
  cluster: string;
  budgets: SyncBudgets;
  policy?: RetryPolicy;
}): ConnectRepository {
  const { repository, environment, cluster } = options;
  return async (remembered) => {
    const { github, installationId } = await connectToGitHub(options.auth, { apiUrl: options.apiUrl, repository, installationId: remembered, policy: options.policy });
    return {
      installationId,
      resolveCommit: (etag) => resolveCommit(github, { repository, ref: options.ref, etag }),
      downloadTree: (sha) => downloadTarball(github, { repository, sha, paths: options.paths }, options.budgets),
      findDeployment: (sha) => findDeployment(github, { repository, sha, environment, cluster }),
      createDeployment: (sha, description) => createDeployment(github, { repository, sha, environment, cluster, description }),
      setDeploymentStatus: (deploymentId, state, description) => setDeploymentStatus(github, { repository, deploymentId, state, description, environment, cluster }),
    };
  };
}
