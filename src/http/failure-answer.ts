import { isCodedError } from "../errors/coded-error.js";
import { gitHubFailureCode, gitHubFailureReason } from "../github/github-error.js";

/**
 * The answer to a request whose handler failed, by what failed: a GitHub
 * failure is 502 (GitHub refused) or 503 (unreachable, or asking to wait),
 * with what to do about it; another named failure (a coded error) is 500 with
 * its code and message; only a failure nobody named is a bare `internal error`.
 */
export function failureAnswer(error: unknown): { status: number; body: Record<string, unknown> } {
  const reason = gitHubFailureReason(error);
  const code = gitHubFailureCode(error);
  if (reason !== undefined && code !== undefined) {
    const status = code === "unreachable" || code === "rate-limited" ? 503 : 502;
    return { status, body: { error: reason, code: `github-${code}` } };
  }
  if (isCodedError(error)) return { status: 500, body: { error: error.message, code: error.code } };
  return { status: 500, body: { error: "internal error" } };
}
