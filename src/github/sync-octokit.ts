import { Octokit } from "@octokit/core";
import { retry } from "@octokit/plugin-retry";
import { limitWaitMs } from "../queue/write-budget.js";
import { GithubPacer } from "./github-pacer.js";
import type { RetryPolicy } from "./octokit.js";

/*
 * The sync job's Octokit: @octokit/core with plugin-retry, auth-app and the same pacing as the server's
 * (src/github/octokit.ts), but without Probot. Importing Probot costs a sync process ~25 MiB and ~0.4 s, and the
 * job only reads contents and writes deployments. octokit.ts and github-error.ts import Probot, so this file
 * takes only types from them, and loads github-error.ts when a request fails (syncGitHubError).
 * The rules below repeat the server's (octokit.ts); octokit.ts could import them from here.
 */

/** The server's production policy (octokit.ts), and a sync run fails on a rate limit longer than a minute. */
export const SYNC_RETRY_POLICY: RetryPolicy = {
  serverErrorRetries: 2,
  backoffUnitMs: 1000,
  retryAfterUnitMs: 1000,
  writeSpacingMs: 1000,
  writesPerMinute: 70,
  writesPerHour: 450,
  maxLimitWaitSeconds: 60,
};

/** Outcomes, not accidents: not retried (octokit.ts). Limits are waited out by the pacing below. */
const DO_NOT_RETRY = [400, 401, 403, 404, 405, 409, 410, 422, 429, 451];

type RequestOptions = { method: string; url: string; query?: unknown };
type LimitedError = { status?: number; message?: string; response?: { headers?: Record<string, string | undefined> } };

/** REST writes count against GitHub's content-creation limit; token requests do not (octokit.ts's isContentCreating). */
function isContentCreating(options: RequestOptions): boolean {
  return options.method !== "GET" && options.method !== "HEAD" && !/\/access_tokens$/u.test(options.url);
}

/** A rate limit is a 429, or a 403 that says so (octokit.ts's isRateLimited; only those statuses load it). */
async function isRateLimited(error: unknown): Promise<boolean> {
  const { status } = error as LimitedError;
  if (status !== 403 && status !== 429) return false;
  return (await import("./octokit.js")).isRateLimited(error);
}

/** The server's pacing (octokit.ts's pacingPlugin): writes spaced and windowed, limits waited out up to the policy's cap. */
function pacing(pacer: GithubPacer, policy: RetryPolicy) {
  return (octokit: Octokit) => {
    octokit.hook.wrap("request", async (request, options) => {
      const writes = isContentCreating(options as RequestOptions);
      for (;;) {
        try {
          return await pacer.run("sync", writes, async () => request(options));
        } catch (error) {
          if (!(await isRateLimited(error))) throw error;
          const headers = (error as LimitedError).response?.headers ?? {};
          const tooLong = policy.maxLimitWaitSeconds !== undefined && limitWaitMs(headers, Date.now(), policy.retryAfterUnitMs) > policy.maxLimitWaitSeconds * policy.retryAfterUnitMs;
          if (tooLong) throw error;
          await pacer.limited("sync", headers);
        }
      }
    });
  };
}

export type SyncOctokit = Octokit;

export type SyncOctokitAuth =
  | { readonly token: string }
  | { readonly appId: number; readonly privateKey: string; readonly installationId?: number };

/**
 * An Octokit for the sync job: a token's, the App's (JWT), or an installation's (auth-app, loaded only for App
 * credentials, fetches and caches its token).
 */
export async function syncOctokit(auth: SyncOctokitAuth, options: { baseUrl: string; policy?: RetryPolicy }): Promise<SyncOctokit> {
  const policy = options.policy ?? SYNC_RETRY_POLICY;
  const pacer = new GithubPacer({
    windows: [
      { limit: policy.writesPerMinute, windowMs: 60 * policy.retryAfterUnitMs },
      { limit: policy.writesPerHour, windowMs: 3600 * policy.retryAfterUnitMs },
    ],
    spacingMs: policy.writeSpacingMs,
    secondMs: policy.retryAfterUnitMs,
  });
  const Paced = Octokit.plugin(retry, pacing(pacer, policy) as never);
  const common = {
    baseUrl: options.baseUrl,
    retry: { doNotRetry: DO_NOT_RETRY, retries: policy.serverErrorRetries, retryAfterBaseValue: policy.backoffUnitMs },
    log: { debug() {}, info() {}, warn() {}, error() {} },
  };
  if ("token" in auth) return new Paced({ ...common, auth: auth.token });
  const { createAppAuth } = await import("@octokit/auth-app");
  return new Paced({ ...common, authStrategy: createAppAuth, auth: { ...auth } });
}

/** toGitHubError (github-error.ts), loaded on the first failure: github-error.ts reaches Probot through octokit.ts. */
export async function syncGitHubError(error: unknown, what: string): Promise<Error> {
  const { toGitHubError } = await import("./github-error.js");
  return toGitHubError(error, what);
}
