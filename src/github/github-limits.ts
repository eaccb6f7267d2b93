import { limitWaitMs } from "../queue/write-budget.js";
import { GithubPacer } from "./github-pacer.js";
import type { PacerStore } from "./github-pacer.js";

/*
 * GitHub's limits as Bender keeps them: the retry policy, which statuses are outcomes, what counts as a write, what
 * a rate limit looks like, and the pacing that waits limits out. Without Probot: the server's Octokit (octokit.ts)
 * and the sync job's lighter one (sync-octokit.ts) both plug these in, so a sync process never loads Probot.
 */

/** How Bender waits for GitHub: bounded retries of failures, unbounded patience with rate limits. */
export interface RetryPolicy {
  /** Retries of a 5xx or a network failure. */
  readonly serverErrorRetries: number;
  /** Multiplies plugin-retry's 1, 4, 9… backoff, in milliseconds (1000 in production). */
  readonly backoffUnitMs: number;
  /**
   * One GitHub second, in milliseconds of waiting (1000 in production; tests
   * scale time with it): a Retry-After, an x-ratelimit-reset, and the minute
   * and hour of the write windows below.
   */
  readonly retryAfterUnitMs: number;
  /**
   * Least pause between content-creating requests (GraphQL mutations, REST
   * writes) of one installation: GitHub asks for at least a second.
   */
  readonly writeSpacingMs: number;
  /** Content-creating requests per installation and minute; GitHub's secondary limit is 80. */
  readonly writesPerMinute: number;
  /** Content-creating requests per installation and hour; GitHub's secondary limit is 500. */
  readonly writesPerHour: number;
  /**
   * The longest rate-limit wait (in GitHub seconds) worth waiting out; a longer one fails the request with
   * GitHub's answer instead. Unset: every wait is waited out (the server's queue). The sync job sets it: its
   * next run comes soon, and a CronJob run waiting an hour would hold the Lease and its slot meanwhile.
   */
  readonly maxLimitWaitSeconds?: number;
}

export const PRODUCTION_RETRY_POLICY: RetryPolicy = {
  serverErrorRetries: 2,
  backoffUnitMs: 1000,
  retryAfterUnitMs: 1000,
  writeSpacingMs: 1000,
  writesPerMinute: 70,
  writesPerHour: 450,
};

/**
 * Statuses that are outcomes, not accidents: plugin-retry would retry 405 and
 * 409 ("not mergeable", "head moved"), which for a merge must be reported,
 * not repeated. 403 and 429 rate limits are waited out by the pacing plugin.
 */
export const DO_NOT_RETRY = [400, 401, 403, 404, 405, 409, 410, 422, 429, 451];

export type RequestOptions = { method: string; url: string; query?: unknown; data?: unknown };
export type OctokitLike = { hook: { wrap: (name: "request", wrapper: (request: (options: never) => Promise<unknown>, options: never) => Promise<unknown>) => void } };
type LimitedError = { status?: number; message?: string; response?: { headers?: Record<string, string | undefined> } };

/** GraphQL mutations and REST writes count against GitHub's content-creation limit; token requests do not. */
export function isContentCreating(options: { method: string; url: string; query?: unknown }): boolean {
  if (options.url.endsWith("/graphql")) return typeof options.query === "string" && options.query.trimStart().startsWith("mutation");
  return options.method !== "GET" && options.method !== "HEAD" && !/\/access_tokens$/.test(options.url);
}

/**
 * A primary or secondary rate limit, as GitHub answers them: any 429, or a
 * 403 that says so (its message, or no requests remaining). A 403 for a
 * missing permission is an answer, even with a Retry-After header.
 */
export function isRateLimited(error: unknown): boolean {
  const { status, message, response } = error as LimitedError;
  if (status === 429) return true;
  if (status !== 403) return false;
  return response?.headers?.["x-ratelimit-remaining"] === "0" || /rate limit|abuse detection/i.test(message ?? "");
}

/** The pacing key of an Octokit: its installation, or the App/token it was made with. */
function installationOf(octokitOptions: unknown): string {
  const id = (octokitOptions as { auth?: { installationId?: unknown } } | undefined)?.auth?.installationId;
  return id === undefined ? "app" : `installation ${String(id)}`;
}

/**
 * Sends every request through the pacer of its installation; a rate-limited
 * answer blocks the installation for the wait GitHub asks for (however long),
 * then the request is sent again. Nothing is given up (unless the policy caps
 * the wait): only a shutdown ends the wait (GithubWaitInterrupted).
 */
export function pacingPlugin(pacer: GithubPacer, policy: RetryPolicy, keyOf: (octokitOptions: unknown) => string = installationOf) {
  return (octokit: OctokitLike, octokitOptions: unknown) => {
    const installation = keyOf(octokitOptions);
    octokit.hook.wrap("request", async (request, options) => {
      const writes = isContentCreating(options as RequestOptions);
      for (;;) {
        try {
          return await pacer.run(installation, writes, () => request(options));
        } catch (error) {
          if (!isRateLimited(error)) throw error;
          const headers = (error as LimitedError).response?.headers ?? {};
          const tooLong = policy.maxLimitWaitSeconds !== undefined && limitWaitMs(headers, Date.now(), policy.retryAfterUnitMs) > policy.maxLimitWaitSeconds * policy.retryAfterUnitMs;
          if (tooLong) throw error;
          await pacer.limited(installation, headers);
        }
      }
    });
  };
}

/** The pacer a policy asks for: GitHub's windows scaled by `retryAfterUnitMs`. */
export function pacerFor(policy: RetryPolicy, onLimitWait?: (installation: string, waitMs: number) => void, store?: PacerStore): GithubPacer {
  return new GithubPacer({
    windows: [
      { limit: policy.writesPerMinute, windowMs: 60 * policy.retryAfterUnitMs },
      { limit: policy.writesPerHour, windowMs: 3600 * policy.retryAfterUnitMs },
    ],
    spacingMs: policy.writeSpacingMs,
    secondMs: policy.retryAfterUnitMs,
    ...(onLimitWait ? { onLimitWait } : {}),
    ...(store ? { store } : {}),
  });
}

