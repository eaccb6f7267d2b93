import type { Context } from "probot";
import { revertedPullRequestNumber, BRANCH_PREFIX } from "../proposals/branch-name.js";
import { decodeProposalMetadata } from "../proposals/metadata.js";
import type { ProposalEventSink } from "../proposals/events.js";

type ClosedContext = Context<"pull_request.closed">;

/**
 * A bender PR merged in GitHub is a pin; closed unmerged, a dismissal (its
 * branch is deleted); a merged PR made with GitHub's Revert button from a
 * bender PR is an unpin.
 */
export async function followClosedPullRequest(events: ProposalEventSink, context: ClosedContext): Promise<void> {
  const { pull_request: pullRequest, repository, sender } = context.payload;
  const headRef = pullRequest.head.ref;
  const base = {
    repository: repository.full_name,
    pullRequest: { id: pullRequest.node_id, number: pullRequest.number, url: pullRequest.html_url, headOid: pullRequest.head.sha },
  };

  const reverted = revertedPullRequestNumber(headRef);
  if (reverted !== undefined) {
    if (!pullRequest.merged) return;
    const original = await context.octokit.rest.pulls.get({ owner: repository.owner.login, repo: repository.name, pull_number: reverted });
    const decoded = decodeProposalMetadata(original.data.body);
    if (!decoded.ok) {
      context.log.warn({ pullRequest: original.data.html_url, reason: decoded.reason }, "revert of a bender PR without readable metadata");
      return;
    }
    events.emit({
      ...base,
      type: "proposal.unpinned",
      environment: decoded.metadata.environment,
      metadata: decoded.metadata,
      by: pullRequest.merged_by?.login ?? sender.login,
      pullRequest: { id: original.data.node_id, number: original.data.number, url: original.data.html_url },
      revert: base.pullRequest,
    });
    return;
  }

  if (!headRef.startsWith(`${BRANCH_PREFIX}/`)) return;
  const decoded = decodeProposalMetadata(pullRequest.body);
  if (!decoded.ok) {
    context.log.warn({ pullRequest: pullRequest.html_url, reason: decoded.reason }, "closed bender PR without readable metadata");
    return;
  }
  const event = { ...base, environment: decoded.metadata.environment, metadata: decoded.metadata };
  if (pullRequest.merged) {
    const mergedBy = pullRequest.merged_by?.login ?? sender.login;
    // Bender's own merges (an automatic pin, a Slack pin) were announced when it merged; a merge GitHub made
    // later through auto-merge (a Slack pin waiting for checks) was not, so it is announced now.
    if (mergedBy === pullRequest.user.login && pullRequest.user.type === "Bot" && !pullRequest.auto_merge) return;
    events.emit({ ...event, type: "proposal.pinned", by: mergedBy, via: "github" });
    return;
  }
  // Bender itself closed it (a Dismiss in Slack, which also deleted the branch): Slack already shows it.
  if (sender.type === "Bot" && sender.login === pullRequest.user.login) return;
  events.emit({ ...event, type: "proposal.dismissed", by: sender.login });
  try {
    await context.octokit.rest.git.deleteRef({ owner: repository.owner.login, repo: repository.name, ref: `heads/${headRef}` });
  } catch (error) {
    const status = (error as { status?: number }).status;
    // Already gone (deleted by GitHub's setting or by hand) is fine.
    if (status !== 404 && status !== 422) throw error;
  }
}
