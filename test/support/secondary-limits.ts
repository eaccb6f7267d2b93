/**
 * GitHub's documented secondary rate limits, as a gate in front of a fake
 * GitHub (it changes nothing in test/support/fake-github.ts): per
 * installation, at most 80 content-creating requests in any minute and 500 in
 * any hour, and at most 2,000 GraphQL points a minute (a query costs 1 point, a
 * mutation 5). An exceeded limit answers 403 "secondary rate limit" with a
 * Retry-After for when the window frees up; a request that arrives before a
 * Retry-After it was given has run out is answered 403 again and counted as
 * sent early (GitHub warns that this can get an integration banned).
 *
 * Source: docs.github.com, "Rate limits for the REST API" and "Rate limits
 * and node limits for the GraphQL API", §"About secondary rate limits".
 */
export interface SecondaryLimitOptions {
  /** One GitHub second, in ms of the clock below (1000 unscaled; benchmarks scale time with it). */
  readonly secondMs: number;
  readonly contentPerMinute?: number;
  readonly contentPerHour?: number;
  readonly graphqlPointsPerMinute?: number;
  readonly now?: () => number;
}

export interface SecondaryLimitAnswer {
  readonly status: 403;
  readonly body: { message: string; documentation_url: string };
  readonly headers: Record<string, string>;
}

export const SECONDARY_LIMIT_MESSAGE = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.";

export class SecondaryLimits {
  /** Requests answered 403 by a limit. */
  limited = 0;
  /** Of those, requests sent while an earlier Retry-After had not run out. */
  sentEarly = 0;
  /** Content-creating requests let through. */
  contentCreated = 0;
  readonly #content: number[] = [];
  readonly #points: { at: number; points: number }[] = [];
  #retryAfterUntil = 0;
  readonly #now: () => number;

  constructor(private readonly options: SecondaryLimitOptions) {
    this.#now = options.now ?? (() => Date.now());
  }

  /** Decides on one request: undefined lets it through (and counts it), else the 403 to answer. */
  admit(request: { readonly contentCreating: boolean; readonly graphqlPoints: number }): SecondaryLimitAnswer | undefined {
    const now = this.#now();
    const minute = 60 * this.options.secondMs;
    const hour = 3600 * this.options.secondMs;
    if (now < this.#retryAfterUntil) {
      this.sentEarly++;
      return this.#refuse(this.#retryAfterUntil - now);
    }
    while ((this.#content[0] ?? Number.POSITIVE_INFINITY) <= now - hour) this.#content.shift();
    while ((this.#points[0]?.at ?? Number.POSITIVE_INFINITY) <= now - minute) this.#points.shift();
    let waitMs = 0;
    if (request.contentCreating) {
      const inMinute = this.#content.filter((at) => at > now - minute);
      const perMinute = this.options.contentPerMinute ?? 80;
      const perHour = this.options.contentPerHour ?? 500;
      if (inMinute.length >= perMinute) waitMs = Math.max(waitMs, (inMinute[inMinute.length - perMinute] ?? now) + minute - now);
      if (this.#content.length >= perHour) waitMs = Math.max(waitMs, (this.#content[this.#content.length - perHour] ?? now) + hour - now);
    }
    const points = this.#points.reduce((sum, entry) => sum + entry.points, 0);
    if (request.graphqlPoints > 0 && points + request.graphqlPoints > (this.options.graphqlPointsPerMinute ?? 2000)) {
      waitMs = Math.max(waitMs, (this.#points[0]?.at ?? now) + minute - now);
    }
    if (waitMs > 0) {
      this.#retryAfterUntil = now + waitMs;
      return this.#refuse(waitMs);
    }
    if (request.contentCreating) {
      this.#content.push(now);
      this.contentCreated++;
    }
    if (request.graphqlPoints > 0) this.#points.push({ at: now, points: request.graphqlPoints });
    return undefined;
  }

  #refuse(waitMs: number): SecondaryLimitAnswer {
    this.limited++;
    return {
      status: 403,
      body: { message: SECONDARY_LIMIT_MESSAGE, documentation_url: "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits" },
      headers: { "retry-after": String(Math.max(1, Math.ceil(waitMs / this.options.secondMs))), "x-ratelimit-remaining": "4000" },
    };
  }
}
