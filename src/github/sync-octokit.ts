import { Octokit } from "@octokit/core";
import { retry } from "@octokit/plugin-retry";
import { DO_NOT_RETRY, PRODUCTION_RETRY_POLICY, pacerFor, pacingPlugin } from "./github-limits.js";
import type { RetryPolicy } from "./github-limits.js";

/*
 * The sync job's Octokit: @octokit/core with plugin-retry, auth-app and the server's limits and pacing
 * (github-limits.ts), without Probot. Importing Probot costs a sync process ~25 MiB and ~0.4 s, and the job only
 * reads contents and writes deployments.
 */

/** The longest rate-limit wait (GitHub seconds) a sync run waits out before failing: the next run comes soon. */
export const SYNC_MAX_LIMIT_WAIT_SECONDS = 60;

/** The server's production policy, except that a sync run fails on a rate limit longer than a minute. */
export const SYNC_RETRY_POLICY: RetryPolicy = { ...PRODUCTION_RETRY_POLICY, maxLimitWaitSeconds: SYNC_MAX_LIMIT_WAIT_SECONDS };

export type SyncOctokit = Octokit;

export type SyncOctokitAuth =
  | { readonly token: string }
  | { readonly appId: number; readonly privateKey: string; readonly installationId?: number };

/**
 * An Octokit for the sync job: a token's, the App's (JWT), or an installation's (auth-app, loaded only for App
 * credentials, fetches and caches its token). One process is one pacing key: it works for one repository.
 */
export async function syncOctokit(auth: SyncOctokitAuth, options: { baseUrl: string; policy?: RetryPolicy }): Promise<SyncOctokit> {
  const policy = options.policy ?? SYNC_RETRY_POLICY;
  const Paced = Octokit.plugin(retry, pacingPlugin(pacerFor(policy), policy, () => "sync") as never);
  const common = {
    baseUrl: options.baseUrl,
    retry: { doNotRetry: DO_NOT_RETRY, retries: policy.serverErrorRetries, retryAfterBaseValue: policy.backoffUnitMs },
    log: { debug() {}, info() {}, warn() {}, error() {} },
  };
  if ("token" in auth) return new Paced({ ...common, auth: auth.token });
  const { createAppAuth } = await import("@octokit/auth-app");
  return new Paced({ ...common, authStrategy: createAppAuth, auth: { ...auth } });
}
