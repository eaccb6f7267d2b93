import { ProbotOctokit } from "probot";
import { DO_NOT_RETRY, PRODUCTION_RETRY_POLICY, pacerFor, pacingPlugin } from "./github-limits.js";
import type { OctokitLike, RequestOptions, RetryPolicy } from "./github-limits.js";
import type { GithubPacer } from "./github-pacer.js";

// The limits live in github-limits.ts (no Probot there, for the sync job); the server's callers keep importing them here.
export { PRODUCTION_RETRY_POLICY, pacerFor } from "./github-limits.js";
export type { RetryPolicy } from "./github-limits.js";

/** Sees each request Bender makes to GitHub once (after its retries), with the final status, or undefined when none came back. */
export type RequestObserver = (method: string, url: string, status: number | undefined, body: unknown) => void;

function observerPlugin(observe: RequestObserver) {
  return (octokit: OctokitLike) => {
    octokit.hook.wrap("request", async (request, options) => {
      // GraphQL documents travel as `query` among the options, REST bodies as `data`.
      const { method, url, query, data } = options as RequestOptions;
      const body = query === undefined ? data : { query };
      try {
        const response = (await request(options)) as { status: number };
        observe(method, url, response.status, body);
        return response;
      } catch (error) {
        observe(method, url, (error as { status?: number }).status, body);
        throw error;
      }
    });
  };
}

/**
 * The Octokit class Bender's Probot uses: bounded retries of failures, and
 * requests paced per installation by one shared `pacer` (limits are waits).
 */
export function benderOctokit(policy: RetryPolicy = PRODUCTION_RETRY_POLICY, observe?: RequestObserver, pacer: GithubPacer = pacerFor(policy)): typeof ProbotOctokit {
  const retry = { doNotRetry: DO_NOT_RETRY, retries: policy.serverErrorRetries, retryAfterBaseValue: policy.backoffUnitMs };
  // plugin-throttling is off: its secondary-limit handling gives up on long waits and paces per Octokit instance,
  // while Probot makes a new instance per installation token.
  const plugins = [pacingPlugin(pacer, policy), ...(observe ? [observerPlugin(observe)] : [])];
  // A function, not an object: Probot passes its own `throttle`, and an object would be replaced whole.
  return ProbotOctokit.plugin(...(plugins as never[])).defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { ...(options.retry as object | undefined), ...retry },
    throttle: { enabled: false },
  })) as typeof ProbotOctokit;
}
