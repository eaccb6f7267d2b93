import type { CauseOptions, CodedError } from "../errors/coded-error.js";
import type { GraphqlFailure } from "./graphql-client.js";
import { isRateLimited } from "./github-limits.js";

/** What went wrong talking to GitHub, stable enough for a caller to act on. */
export type GitHubErrorCode = "unreachable" | "rate-limited" | "forbidden" | "not-found" | "conflict" | "invalid";

/** A GitHub failure translated at the edge: a stable code, a message a person can act on, the original as `cause`. */
export class GitHubError extends Error implements CodedError {
  override readonly name = "GitHubError";
  /** GitHub's HTTP status, when it answered one (undefined: no answer, or a GraphQL field's failure). */
  readonly status: number | undefined;
  /**
   * The words a person needs, when known: GitHub's own message when it answered (without the documentation link
   * Octokit appends), the network's reason (`connect ECONNREFUSED …`) when no answer came. Set by `asGitHubError`.
   */
  readonly detail: string | undefined;
  constructor(readonly code: GitHubErrorCode, message: string, options?: CauseOptions & { readonly status?: number | undefined; readonly detail?: string | undefined }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.status = options?.status;
    this.detail = options?.detail;
  }
}

function codeFor(status: number | undefined, error: unknown): GitHubErrorCode {
  if (status === undefined || status >= 500) return "unreachable";
  // One rule for "rate limited", the one the pacer waits on.
  if (isRateLimited(error)) return "rate-limited";
  if (status === 401 || status === 403) return "forbidden";
  if (status === 404 || status === 410) return "not-found";
  if (status === 409) return "conflict";
  return "invalid";
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null | undefined)?.status;
  return typeof status === "number" ? status : undefined;
}

/**
 * The one translation of a failure into Bender's terms: the GitHubError an
 * error is, when it came from GitHub, or undefined for anything else (a bug,
 * a private key that cannot sign the App's JWT, an abort: a timeout or a
 * shutdown the caller chose), which the caller passes on as it is. An Octokit
 * HttpError becomes a GitHubError whose message is Octokit's, `status`
 * GitHub's when it answered, and `detail` GitHub's own words (or the
 * network's when no answer came); the original is its `cause`. Octokit
 * reports a request that got no answer (refused, reset, DNS) as a 500 with no
 * response and the network's error as its cause: that is `unreachable` with
 * no status. So a caller outside src/github never reads Octokit's fields.
 */
export function asGitHubError(error: unknown): GitHubError | undefined {
  if (error instanceof GitHubError) return error;
  const status = statusOf(error);
  const shape = error as { name?: unknown; message?: unknown; response?: { data?: { message?: unknown } }; cause?: { message?: unknown } } | null | undefined;
  if (status === undefined || shape?.name !== "HttpError") return undefined;
  const message = typeof shape.message === "string" ? shape.message : String(error);
  // An answer has a response; Octokit's "no answer" has none but carries the network's error as its cause.
  const answered = shape.response !== undefined || shape.cause === undefined;
  const words = answered ? shape.response?.data?.message : shape.cause?.message;
  const detail = typeof words === "string" && words !== "" && words !== "Unknown Error" ? words : undefined;
  return answered
    ? new GitHubError(codeFor(status, error), message, { cause: error, status, detail })
    : new GitHubError("unreachable", message, { cause: error, detail });
}

/**
 * `asGitHubError` with what Bender was doing in the message (`what: code
 * (detail)`), for messages read without their cause (the sync job's); any
 * other failure (the network's, an abort) is `unreachable`.
 */
export function toGitHubError(error: unknown, what: string): GitHubError {
  if (error instanceof GitHubError) return error;
  const github = asGitHubError(error);
  const code = github?.code ?? "unreachable";
  const status = github?.status;
  const detail = status === undefined ? ((error as { message?: string } | null | undefined)?.message ?? String(error)) : `GitHub answered ${status}`;
  return new GitHubError(code, `${what}: ${code} (${detail})`, { cause: error, status });
}

/**
 * GitHub failed on its side or asked Bender to wait, or the request was cut
 * short (a timeout, a shutdown: Octokit passes the abort on with status 500):
 * the same work can be tried again later.
 */
export function isRetryableGitHubFailure(error: unknown): boolean {
  const code = asGitHubError(error)?.code;
  if (code === "unreachable" || code === "rate-limited") return true;
  const { name } = (error ?? {}) as { name?: unknown };
  return (name === "AbortError" || name === "TimeoutError") && statusOf(error) !== undefined;
}

/**
 * GitHub's words for "another writer got there first" in a GraphQL field's
 * failure: a ref that exists or moved, an expected head that is not the head,
 * a pull request merged or closed meanwhile. Such a write is planned again
 * from a fresh read rather than reported.
 */
const LOST_RACE = /already exists|expected|is at|does not match|stale|not a fast forward|Reference update failed|ref.*exist|not open|already merged|not mergeable|Head branch was modified/i;
/** An automatic merge refused because the base or head moved under it. */
const MERGE_RACE = /not mergeable|Head branch was modified/i;

/** Whether GitHub's message for a failed write says another writer got there first. */
export function isLostRace(message: string): boolean {
  return LOST_RACE.test(message);
}

/** The code of one GraphQL field's failure, by GitHub's error type first and its message second. */
export function graphqlFailureCode(failure: Pick<GraphqlFailure, "type" | "message">): GitHubErrorCode {
  switch (failure.type) {
    case "NOT_FOUND":
      return "not-found";
    case "FORBIDDEN":
      return "forbidden";
    case "RATE_LIMITED":
      return "rate-limited";
  }
  return LOST_RACE.test(failure.message) ? "conflict" : "invalid";
}

/** Whether a merge's failures say the base or head moved under it (planned again, not reported). */
export function isMergeRace(failures: readonly Pick<GraphqlFailure, "message">[]): boolean {
  return failures.some((failure) => MERGE_RACE.test(failure.message));
}

/**
 * One GitHubError for the failures of a GraphQL document (or of the fields
 * that matter): the first failure's code, every message, `fallback` when
 * GitHub returned nothing and said nothing.
 */
export function graphqlError(failures: readonly GraphqlFailure[], what: string, fallback: string): GitHubError {
  const first = failures[0];
  const code = first ? graphqlFailureCode(first) : "not-found";
  const detail = failures.map((failure) => failure.message).join("; ") || fallback;
  return new GitHubError(code, `${what}: ${detail}`, { cause: failures.length > 0 ? failures : undefined });
}

/**
 * What a person can do about a failure that came from GitHub, in one
 * sentence that keeps GitHub's own words; undefined for any other failure.
 * A 401 means the App's credentials: `check APP_ID and the private key`.
 */
export function gitHubFailureReason(error: unknown): string | undefined {
  const github = asGitHubError(error);
  return github === undefined ? undefined : whatToDo(github);
}

/** `gitHubFailureReason` of a failure already translated. */
export function whatToDo(github: GitHubError): string {
  const answer = github.status === undefined ? github.message : `HTTP ${github.status}: ${github.message}`;
  switch (github.code) {
    case "forbidden":
      return github.status === 401
        ? `GitHub refused Bender's credentials (${answer}): check APP_ID and the private key`
        : `GitHub refused Bender (${answer}): check the App's installation and its permissions on the repository`;
    case "not-found":
      return `GitHub found nothing there (${answer}): check that the App is installed on the repository`;
    case "unreachable":
      return `GitHub could not be reached (${answer}): it is tried again later`;
    case "rate-limited":
      return `GitHub asked Bender to wait (${answer}): it is tried again later`;
    case "conflict":
    case "invalid":
      return `GitHub refused the request (${answer})`;
  }
}
