import type { SyncGitHubAuth } from "./sync-client.js";
import type { SyncBudgets } from "../sync/budgets.js";
import type { ConnectRepository, SyncRepository } from "../sync/github-port.js";
import { downloadTarball } from "./download-tarball.js";
import type { RetryPolicy } from "./github-limits.js";
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
  // One client for the life of the process: `--watch` reuses it, and with it auth-app's cached installation token
  // (a new client per run would fetch a new token every run). A different remembered installation reconnects.
  let connected: Promise<SyncRepository> | undefined;
  let connectedTo: number | undefined;
  return (remembered) => {
    if (connected && (remembered === undefined || remembered === connectedTo)) return connected;
    connectedTo = remembered;
    connected = connect(remembered);
    // A failed connection (GitHub unreachable, the App not installed) is tried again by the next run.
    connected.then((repo) => (connectedTo = repo.installationId), () => (connected = undefined));
    return connected;
  };

  async function connect(remembered: number | undefined): Promise<SyncRepository> {
    const { github, installationId } = await connectToGitHub(options.auth, { apiUrl: options.apiUrl, repository, installationId: remembered, policy: options.policy });
    return {
      installationId,
      resolveCommit: (etag) => resolveCommit(github, { repository, ref: options.ref, etag }),
      downloadTree: (sha) => downloadTarball(github, { repository, sha, paths: options.paths }, options.budgets),
      findDeployment: (sha, { withStatus }) => findDeployment(github, { repository, sha, environment, cluster, withStatus }),
      createDeployment: (sha, description) => createDeployment(github, { repository, sha, environment, cluster, description }),
      setDeploymentStatus: (deploymentId, state, description) => setDeploymentStatus(github, { repository, deploymentId, state, description, environment, cluster }),
    };
  }
}
