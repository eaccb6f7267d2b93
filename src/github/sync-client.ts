import type { RetryPolicy } from "./github-limits.js";
import { toGitHubError } from "./github-error.js";
import { SYNC_MAX_LIMIT_WAIT_SECONDS, SYNC_RETRY_POLICY, syncOctokit } from "./sync-octokit.js";
import type { SyncOctokit } from "./sync-octokit.js";
import { repositoryName } from "./repository-name.js";

/** How `bender sync` authenticates to GitHub: as the GitHub App (its installation is looked up), or with a token. */
export type SyncGitHubAuth =
  | { readonly kind: "app"; readonly appId: number; readonly privateKey: string }
  | { readonly kind: "token"; readonly token: string };


/** The sync job's client: an installation's (App) or the token's, and the installation id to remember in the state. */
export interface SyncGitHub {
  readonly github: SyncOctokit;
  readonly installationId: number | undefined;
}

/**
 * GitHub access for `bender sync`. As the App, the installation on the
 * repository is looked up once (`GET /repos/{o}/{r}/installation`, signed
 * with the App's JWT) unless the state remembers it; auth-app then fetches the
 * installation token on the first request and reuses it until it nears
 * expiry. Only `contents: read` and `deployments: write` are used.
 */
export async function connectToGitHub(
  auth: SyncGitHubAuth,
  options: { apiUrl: string; repository: string; installationId?: number | undefined; policy?: RetryPolicy },
): Promise<SyncGitHub> {
  // A rate limit longer than a minute fails the run (rate-limited): the next run, a minute later, tries again.
  const client = { baseUrl: options.apiUrl, policy: { ...(options.policy ?? SYNC_RETRY_POLICY), maxLimitWaitSeconds: SYNC_MAX_LIMIT_WAIT_SECONDS } };
  if (auth.kind === "token") return { github: await syncOctokit({ token: auth.token }, client), installationId: undefined };
  let installationId = options.installationId;
  if (installationId === undefined) {
    const app = await syncOctokit({ appId: auth.appId, privateKey: auth.privateKey }, client);
    const { owner, name: repo } = repositoryName(options.repository);
    try {
      const { data } = await app.request("GET /repos/{owner}/{repo}/installation", { owner, repo });
      installationId = data.id;
    } catch (error) {
      const translated = toGitHubError(error, `looking up the GitHub App's installation on ${options.repository}`);
      if ((translated as { code?: string }).code === "not-found") translated.message += `; install the App on ${options.repository}`;
      throw translated;
    }
  }
  return { github: await syncOctokit({ appId: auth.appId, privateKey: auth.privateKey, installationId }, client), installationId };
}
