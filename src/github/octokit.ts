import Bottleneck from "bottleneck";
import { ProbotOctokit } from "probot";

/** Bounds on waiting for GitHub, so a webhook or a build request never hangs. */
export interface RetryPolicy {
  /** Retries of a 5xx or a network failure. */
  readonly serverErrorRetries: number;
  /** Multiplies plugin-retry's 1, 4, 9… backoff, in milliseconds (1000 in production). */
  readonly backoffUnitMs: number;
  /** Longest Retry-After (seconds) Bender waits for; longer answers fail at once. */
  readonly maxRetryAfterSeconds: number;
  /** How many times a rate-limited request is retried. */
  readonly rateLimitRetries: number;
  /** Scales a Retry-After in seconds to milliseconds of waiting (1000 in production). */
  readonly retryAfterUnitMs: number;
  /**
   * Pause between content-creating requests (GraphQL mutations, REST writes):
   * GitHub asks for at least a second, to stay clear of its secondary limits.
   * Reads, GraphQL queries included, are not spaced.
   */
  readonly writeSpacingMs: number;
}

export const PRODUCTION_RETRY_POLICY: RetryPolicy = {
  serverErrorRetries: 2,
  backoffUnitMs: 1000,
  maxRetryAfterSeconds: 60,
  rateLimitRetries: 2,
  retryAfterUnitMs: 1000,
  writeSpacingMs: 1000,
};

/**
 * Statuses that are outcomes, not accidents: plugin-retry would retry 405 and
 * 409 ("not mergeable", "head moved"), which for a merge must be reported,
 * not repeated. 429 is left to the Retry-After plugin below.
 */
const DO_NOT_RETRY = [400, 401, 403, 404, 405, 409, 410, 422, 429, 451];

type OctokitLike = { hook: { wrap: (name: "request", wrapper: (request: (options: never) => Promise<unknown>, options: never) => Promise<unknown>) => void } };

/** Retries a 429 after its Retry-After header, a bounded number of times. */
function retryAfterPlugin(policy: RetryPolicy) {
  return (octokit: OctokitLike) => {
    octokit.hook.wrap("request", async (request, options) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await request(options);
        } catch (error) {
          const response = (error as { status?: number; response?: { headers?: Record<string, string | undefined> } });
          const retryAfter = Number(response.response?.headers?.["retry-after"] ?? Number.NaN);
          const limited = response.status === 429 && Number.isFinite(retryAfter) && retryAfter <= policy.maxRetryAfterSeconds;
          if (!limited || attempt >= policy.rateLimitRetries) throw error;
          await new Promise((resolve) => setTimeout(resolve, retryAfter * policy.retryAfterUnitMs));
        }
      }
    });
  };
}

/** GraphQL mutations and REST writes count against GitHub's content-creation limit; token requests do not. */
export function isContentCreating(options: { method: string; url: string; query?: unknown }): boolean {
  if (options.url.endsWith("/graphql")) return typeof options.query === "string" && options.query.trimStart().startsWith("mutation");
  return options.method !== "GET" && options.method !== "HEAD" && !/\/access_tokens$/.test(options.url);
}

/**
 * Runs content-creating requests one at a time, `writeSpacingMs` apart.
 * plugin-throttling would space every GraphQL document, queries too (they
 * are POSTs), which turns ten concurrent pins into ten seconds of reads.
 */
function writeSpacingPlugin(policy: RetryPolicy) {
  const writes = new Bottleneck({ maxConcurrent: 1, minTime: policy.writeSpacingMs });
  return (octokit: OctokitLike) => {
    octokit.hook.wrap("request", (request, options) =>
      isContentCreating(options as { method: string; url: string; query?: unknown }) ? writes.schedule(() => request(options)) : request(options),
    );
  };
}

/** Sees each request Bender makes to GitHub once (after its retries), with the final status, or undefined when none came back. */
export type RequestObserver = (method: string, url: string, status: number | undefined, body: unknown) => void;

function observerPlugin(observe: RequestObserver) {
  return (octokit: OctokitLike) => {
    octokit.hook.wrap("request", async (request, options) => {
      // GraphQL documents travel as `query` among the options, REST bodies as `data`.
      const { method, url, query, data } = options as { method: string; url: string; query?: unknown; data?: unknown };
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

/** The Octokit class Bender's Probot uses: bounded retries, Retry-After honoured, secondary limits waited out. */
export function benderOctokit(policy: RetryPolicy = PRODUCTION_RETRY_POLICY, observe?: RequestObserver): typeof ProbotOctokit {
  const waitFor = (retryAfter: number, retryCount: number): boolean =>
    retryCount < policy.rateLimitRetries && retryAfter <= policy.maxRetryAfterSeconds;
  const retry = { doNotRetry: DO_NOT_RETRY, retries: policy.serverErrorRetries, retryAfterBaseValue: policy.backoffUnitMs };
  const throttle = {
    retryAfterBaseValue: policy.retryAfterUnitMs,
    // Spacing is Bender's own (writeSpacingPlugin); these groups only cap concurrency, like the global one.
    write: new Bottleneck.Group({ id: "bender-graphql", maxConcurrent: 10, minTime: 0 }),
    notifications: new Bottleneck.Group({ id: "bender-notifications", maxConcurrent: 10, minTime: 0 }),
    onSecondaryRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => waitFor(retryAfter, retryCount),
    onRateLimit: (retryAfter: number, _options: unknown, _octokit: unknown, retryCount: number) => waitFor(retryAfter, retryCount),
  };
  // A function, not an object: Probot passes its own `throttle` (whose
  // secondary-limit handler only logs), and an object would be replaced whole.
  const plugins = [retryAfterPlugin(policy), writeSpacingPlugin(policy), ...(observe ? [observerPlugin(observe)] : [])];
  return ProbotOctokit.plugin(...(plugins as never[])).defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { ...(options.retry as object | undefined), ...retry },
    throttle: { ...(options.throttle as object | undefined), ...throttle },
  })) as typeof ProbotOctokit;
}
