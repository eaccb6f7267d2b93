import type { Logger } from "pino";
import type { BenderConfig } from "../config/schema.js";
import { addApprovalComment } from "../github/approval-ops.js";
import type { InstallationClient } from "../github/manifest-repositories.js";
import { readPullRequest } from "../github/pull-request-ops.js";
import { approvalCommentBody, approvalsFromComments } from "../proposals/approval-comments.js";
import type { PullRequestComment } from "../proposals/approval-comments.js";
import { trailerPerson } from "../proposals/trailers.js";
import { approvalTrailers, buildAuthorFor, decideApproval, releasePolicyFor, renderTally, stillMayApprove, tallyApprovals } from "../policy/index.js";
import type { Approval, ApprovalTally, ApprovedBuild, ReleasePolicy } from "../policy/index.js";
import { code, escapeMrkdwn, tallyText } from "./blocks/index.js";
import type { ApprovalProgress } from "./model.js";

/**
 * N-of-M approvals on the Pin path (docs/policy.md "Approvals"). Each Pin
 * click by a distinct approver is one approval, recorded as a comment on the
 * proposal's PR (src/proposals/approval-comments.ts); the merge happens on
 * the Nth, with every counted approver as an `Approved-by:` trailer.
 */

/** The release policy of an environment that needs more than one approval; undefined when one Pin merges (today's path, unchanged). */
export function approvalPolicy(config: BenderConfig, environment: string): ReleasePolicy | undefined {
  const policy = releasePolicyFor(config, environment);
  return policy !== undefined && policy.approvals > 1 ? policy : undefined;
}

/** What one approver's Pin click did. */
export type ApprovalStep =
  | { readonly kind: "refused"; readonly text: string }
  | { readonly kind: "recorded"; readonly progress: ApprovalProgress }
  /** The approvals are complete: merge, with these trailers. */
  | { readonly kind: "complete"; readonly trailers: readonly string[]; readonly approvers: readonly string[] }
  | { readonly kind: "failed"; readonly message: string };

export interface ApprovalInput {
  readonly client: InstallationClient;
  readonly policy: ReleasePolicy;
  readonly config: BenderConfig;
  readonly pullRequest: { readonly id: string; readonly headOid: string; readonly comments?: readonly PullRequestComment[] | undefined };
  /** The build's author as it names itself (a GitHub login), if it does. */
  readonly authorLogin: string | undefined;
  readonly user: string;
  readonly now: number;
}

/**
 * 1. Decide from the PR's comments (read with the PR): refused, complete
 *    already (a merge GitHub refused before: merge again), or one more.
 * 2. Record the approval as a PR comment; the same request reads the
 *    comments back, so an approval made at the same moment elsewhere counts.
 * 3. Complete now: merge with every counted approver; otherwise k of N.
 */
export async function approve(input: ApprovalInput): Promise<ApprovalStep> {
  const { policy, pullRequest, user, now } = input;
  const click: Approval = { by: user, at: now, build: pullRequest.headOid };
  const build: ApprovedBuild = { id: pullRequest.headOid, ...buildAuthorFor(input.authorLogin, input.config.githubLogins, user) };
  // 1. Decide.
  const decision = decideApproval(policy, now, approvalsFromComments(pullRequest.comments ?? []), click, build);
  if (decision.outcome === "refused") return { kind: "refused", text: refusedText(decision.why, decision.message, decision.tally) };
  if (decision.outcome === "merge" && !decision.record) return complete(decision.tally);
  // 2. Record, and read back.
  const added = await addApprovalComment(input.client, pullRequest.id, approvalCommentBody(click, renderTally(decision.tally)));
  if (!added.ok) return { kind: "failed", message: added.message };
  // The click's own approval counts even if GitHub's page of comments ended before it.
  const tally = tallyApprovals(policy, now, [...approvalsFromComments(added.comments), click], build);
  // 3. Complete, or k of N.
  if (tally.complete) return complete(tally);
  return { kind: "recorded", progress: progressOf(policy, tally) };
}

function complete(tally: ApprovalTally): ApprovalStep {
  return { kind: "complete", trailers: approvalTrailers(tally, trailerPerson), approvers: tally.counted.map((approval) => approval.by) };
}

/** What the message shows of a tally. */
function progressOf(policy: ReleasePolicy, tally: ApprovalTally): ApprovalProgress {
  const restarted = tally.counted.length === 0 && tally.ignored.some(({ why }) => why === "superseded");
  return { needed: tally.needed, counted: tally.counted.map((approval) => approval.by), stillMay: stillMayApprove(policy.approvers, tally), restarted };
}

/**
 * The approvals line of a proposal's message, from the PR's comments as
 * read: undefined for an environment where one Pin merges.
 */
export function approvalProgress(
  config: BenderConfig,
  environment: string,
  now: number,
  pullRequest: { readonly headOid: string; readonly comments?: readonly PullRequestComment[] | undefined },
  authorLogin: string | undefined,
): ApprovalProgress | undefined {
  return approvalProgressOf(config, environment, now, pullRequest.headOid, approvalsFromComments(pullRequest.comments ?? []), authorLogin);
}

/** The approvals line from approvals already read (the policy sweep reads them with the PR). */
export function approvalProgressOf(
  config: BenderConfig,
  environment: string,
  now: number,
  headOid: string,
  approvals: readonly Approval[],
  authorLogin: string | undefined,
): ApprovalProgress | undefined {
  const policy = approvalPolicy(config, environment);
  if (policy === undefined) return undefined;
  const build: ApprovedBuild = { id: headOid, ...buildAuthorFor(authorLogin, config.githubLogins, "") };
  return progressOf(policy, tallyApprovals(policy, now, approvals, build));
}

/**
 * The approvals line of a proposal's message drawn when its PR opens or a
 * newer build supersedes it: "0 of N" and who may approve. A superseded
 * PR's comments are read (one query, only where approvals count) to say
 * whether earlier approvals were dropped.
 */
export async function approvalsOnNewBuild(
  client: InstallationClient,
  config: BenderConfig,
  event: { readonly repository: string; readonly environment: string; readonly pullRequest: { readonly number: number; readonly headOid?: string | undefined }; readonly metadata: { readonly source?: { readonly author?: string | undefined } | undefined } },
  superseded: boolean,
  now: number,
  log: Pick<Logger, "warn">,
): Promise<ApprovalProgress | undefined> {
  if (approvalPolicy(config, event.environment) === undefined) return undefined;
  const headOid = event.pullRequest.headOid ?? "";
  let comments: readonly PullRequestComment[] = [];
  if (superseded) {
    try {
      comments = (await readPullRequest(client, event.repository, event.pullRequest.number, undefined, { comments: true }))?.comments ?? [];
    } catch (error) {
      // The message is still redrawn ("0 of N"); only the note that earlier approvals were dropped is missing.
      log.warn({ err: error, repository: event.repository, number: event.pullRequest.number }, "approvals not read for a superseded proposal");
    }
  }
  return approvalProgress(config, event.environment, now, { headOid, comments }, event.metadata.source?.author);
}

/** The reply to a person whose approval was recorded. */
export function recordedText(progress: ApprovalProgress): string {
  return `Your approval is recorded (${tallyText(progress)}). The pull request merges on approval ${progress.needed} of ${progress.needed}.`;
}

/** The thread's line for a recorded approval. */
export function approvedLine(user: string, progress: ApprovalProgress): string {
  return `<@${user}> approved: ${tallyText(progress)}.`;
}

/** " Approved by <@a> and <@b>." for the thread's pinned line. */
export function approvedByText(approvers: readonly string[]): string {
  if (approvers.length === 0) return "";
  const named = approvers.map((by) => `<@${by}>`);
  const last = named.pop();
  return ` Approved by ${named.length === 0 ? last : `${named.join(", ")} and ${last}`}.`;
}

function refusedText(why: "self-approval" | "author-unknown" | "already-approved" | "stale-build", message: string, tally: ApprovalTally): string {
  switch (why) {
    case "self-approval":
      return "Not approved: you built this (the build names you as its author), so someone else must approve it. Nothing changed.";
    case "author-unknown":
      return (
        `Not approved: ${escapeMrkdwn(message.replace(/\.$/, ""))}. Nothing changed. ` +
        `Name each person's GitHub login under ${code("githubLogins")} in ${code(".github/bender.yml")} (Slack user ID: GitHub login), or set ${code("allowSelfApproval: true")}.`
      );
    case "already-approved":
      return `You already approved this build (${tallyText({ needed: tally.needed, counted: tally.counted.map((approval) => approval.by) })}); another approver must press Pin. Nothing changed.`;
    case "stale-build":
      return `Not approved: ${escapeMrkdwn(message)}`;
  }
}
