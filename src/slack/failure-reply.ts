import { asGitHubError } from "../github/github-error.js";
import { code, sanitizeReason } from "./blocks/index.js";

/** Slack's refusals that mean the bot token itself is the problem. */
const TOKEN_ERRORS = new Set(["not_authed", "invalid_auth", "token_revoked", "token_expired", "account_inactive", "no_permission", "ekm_access_denied"]);

interface ErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly retryAfter?: number;
  readonly data?: { readonly error?: string; readonly needed?: string };
}

/**
 * What went wrong and what to do, for the person whose click, dialog or
 * command failed after Slack had its acknowledgement. Worded from the error's
 * source: Slack's Web API (the token, a scope, the channel, a limit, the
 * network), GitHub (refused or unreachable), or Bender itself. Escaped mrkdwn,
 * with tokens redacted.
 */
export function failureReply(error: unknown, subject?: { readonly pullRequestUrl?: string | undefined }): string {
  const check = subject?.pullRequestUrl ? ` Check the pull request before you press again: ${subject.pullRequestUrl}` : "";
  const shape = (error ?? {}) as ErrorShape;
  const slackError = shape.data?.error;
  switch (shape.code) {
    case "slack_webapi_platform_error":
      if (slackError && TOKEN_ERRORS.has(slackError)) {
        return `Slack refused Bender's token (${code(slackError)}), so Bender could not finish. Whoever runs Bender should check \`SLACK_BOT_TOKEN\` (the app may have been reinstalled or removed from the workspace).${check}`;
      }
      if (slackError === "missing_scope") {
        return `The Bender Slack app lacks the permission ${code(shape.data?.needed ?? "it needs")}: whoever runs Bender should reinstall the app from \`slack-app-manifest.yml\`.${check}`;
      }
      if (slackError === "not_in_channel" || slackError === "channel_not_found") {
        return `Bender cannot write in this channel (${code(slackError)}): invite the bot (\`/invite @Bender\`), then press again.${check}`;
      }
      return `Slack refused Bender's request (${code(slackError ?? "unknown error")}). Try again in a moment; if it keeps failing, tell whoever runs Bender.${check}`;
    case "slack_webapi_rate_limited_error":
      return `Slack is asking Bender to slow down: try again in ${shape.retryAfter ?? 60} seconds.${check}`;
    case "slack_webapi_request_error":
    case "slack_webapi_http_error":
      return `Bender could not reach Slack to finish (${sanitizeReason(shape.message ?? "no answer")}). Try again in a minute.${check}`;
    case "slack_bolt_respond_error":
      return `Bender could not answer through Slack (${sanitizeReason(shape.message ?? "no answer")}). Try again in a minute.${check}`;
  }
  if (shape.message === "Slack client stopped") return `Bender is restarting: press again in a moment.${check}`;
  const github = asGitHubError(error);
  if (github) {
    const reason = sanitizeReason(github.message);
    const answer = github.status === undefined ? reason : `HTTP ${github.status}: ${reason}`;
    if (github.code === "unreachable" || github.status === 0) {
      return `GitHub could not be reached (${answer}), so Bender could not finish. Try again in a minute.${check}`;
    }
    return `GitHub refused Bender (${answer}). Whoever runs Bender should check the GitHub App's installation and permissions.${check}`;
  }
  if (/fetch failed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|socket hang up/i.test(shape.message ?? "")) {
    return `A service Bender needs could not be reached (${sanitizeReason(shape.message ?? "")}). Try again in a minute.${check}`;
  }
  return `Bender failed unexpectedly (${code(shape.name ?? "error")}); the details are in Bender's log. Tell whoever runs Bender.${check}`;
}
