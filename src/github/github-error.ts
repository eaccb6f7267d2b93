import { isRateLimited } from "./octokit.js";

/** What went wrong talking to GitHub, stable enough for a caller to act on (issue 10 will generalise these). */
export type GitHubErrorCode = "unreachable" | "rate-limited" | "forbidden" | "not-found" | "conflict" | "invalid";

/** A GitHub failure translated at the edge: a stable code, a message a person can act on, the original as `cause`. */
export class GitHubError extends Error {
  override readonly name = "GitHubError";
  constructor(readonly code: GitHubErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
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

/** Translates an Octokit error (or a network failure) met while doing `what` into a GitHubError. */
export function toGitHubError(error: unknown, what: string): GitHubError {
  if (error instanceof GitHubError) return error;
  const failure = error as { status?: number; message?: string };
  const status = typeof failure.status === "number" ? failure.status : undefined;
  const code = codeFor(status, error);
  const detail = status === undefined ? (failure.message ?? String(error)) : `GitHub answered ${status}`;
  return new GitHubError(code, `${what}: ${code} (${detail})`, { cause: error });
}
