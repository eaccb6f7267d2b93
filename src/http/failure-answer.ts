import { isCodedError } from "../errors/coded-error.js";
import { isShutdownAbort } from "../errors/shutdown-abort.js";
import { asGitHubError, whatToDo } from "../github/github-error.js";

/**
 * The answer to a request whose handler failed, by what failed: a GitHub
 * failure is 502 (GitHub refused) or 503 (unreachable, or asking to wait),
 * with what to do about it; work a shutdown abandoned is 503 (try again);
 * another named failure (a coded error) is 500 with its code and message;
 * only a failure nobody named is a bare `internal error`.
 */
export function failureAnswer(error: unknown): { status: number; body: Record<string, unknown> } {
  const github = asGitHubError(error);
  if (github !== undefined) {
    const status = github.code === "unreachable" || github.code === "rate-limited" ? 503 : 502;
    return { status, body: { error: whatToDo(github), code: `github-${github.code}` } };
  }
  if (isShutdownAbort(error)) return { status: 503, body: { error: "Bender is shutting down: try again in a moment", code: "shutting-down" } };
  if (isCodedError(error)) return { status: 500, body: { error: error.message, code: error.code } };
  return { status: 500, body: { error: "internal error" } };
}
