import type { SyncGitHubAuth } from "../cli/sync-settings.js";
import { toGitHubError } from "./github-error.js";
import { benderOctokit, PRODUCTION_RETRY_POLICY } from "./octokit.js";
import type { RetryPolicy } from "./octokit.js";
import type { GitHubClient } from "./resolve-commit.js";

/** The longest rate-limit wait (GitHub seconds) a sync run waits out before failing. */
export const SYNC_MAX_LIMIT_WAIT_SECONDS = 60;

/** The sync job's client: an installation's (App) or the token's, and the installation id to remember in the state. */
export interface SyncGitHub {
  readonly github: GitHubClient;
  readonly installationId: number | undefined;
}

/**
 * GitHub access for `bender sync`. As the App, the installation on the
 * repository is looked up once (`GET /repos/{o}/{r}/installation`) unless the
 * state remembers it; the installation token is then fetched by auth-app on
 * the first request. Only `contents: read` and `deployments: write` are used.
 */
export async function connectToGitHub(
  auth: SyncGitHubAuth,
  options: { apiUrl: string; repository: string; installationId?: number | undefined; policy?: RetryPolicy },
): Promise<SyncGitHub> {
  // A rate limit longer than a minute fails the run (rate-limited): the next run, a minute later, tries again.
  const Octokit = benderOctokit({ ...(options.policy ?? PRODUCTION_RETRY_POLICY), maxLimitWaitSeconds: SYNC_MAX_LIMIT_WAIT_SECONDS });
  const common = { baseUrl: options.apiUrl, log: { debug() {}, info() {}, warn() {}, error() {} } };
  if (auth.kind === "token") return { github: new Octokit({ ...common, auth: { token: auth.token } }), installationId: undefined };
  let installationId = options.installationId;
  if (installationId === undefined) {
    const app = new Octokit({ ...common, auth: { appId: auth.appId, privateKey: auth.privateKey } });
    const [owner = "", repo = ""] = options.repository.split("/");
    try {
      const { data } = await app.request("GET /repos/{owner}/{repo}/installation", { owner, repo });
      installationId = data.id;
    } catch (error) {
      const translated = toGitHubError(error, `looking up the GitHub App's installation on ${options.repository}`);
      if (translated.code === "not-found") translated.message += `; install the App on ${options.repository}`;
      throw translated;
    }
  }
  return { github: new Octokit({ ...common, auth: { appId: auth.appId, privateKey: auth.privateKey, installationId } }), installationId };
}
