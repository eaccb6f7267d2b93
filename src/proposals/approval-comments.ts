import { z } from "zod";
import type { Approval } from "../policy/index.js";

/**
 * One approval (a Pin click by an approver in an environment that needs
 * more than one) is one comment on the proposal's PR, so the audit trail
 * stays in GitHub and any replica counts the same approvals from git alone.
 * The comment carries a hidden, machine-read block; only comments the App
 * itself wrote count (`viewerDidAuthor` in GitHub's GraphQL API), so a
 * person cannot forge an approval by pasting the block into a comment.
 * Written and read here only.
 */
const approvalSchema = z.object({
  bender: z.literal(1),
  kind: z.literal("approval"),
  /** The Slack user who approved. */
  by: z.string().regex(/^[UW][A-Z0-9]{2,30}$/),
  /** ISO 8601 instant of the click. */
  at: z.string().datetime(),
  /** The PR's head commit the button was drawn for: a superseding build resets approvals. */
  build: z.string().regex(/^[0-9a-f]{40}$/),
});

const BLOCK = /<!-- bender:approval\n(?<json>[^\n]{1,1024})\n-->/;

/** Comments read per PR when counting approvals (GitHub's page size). */
export const APPROVAL_COMMENTS_READ = 100;

/** A comment body longer than this is not one Bender wrote: it is skipped without parsing. */
const MAX_BODY_BYTES = 4096;

/** A PR comment as GitHub's GraphQL API gives it (`IssueComment { body viewerDidAuthor }`). */
export interface PullRequestComment {
  readonly body: string;
  readonly viewerDidAuthor: boolean;
}

/**
 * The body of the comment recording `approval`: a line a person reads in
 * GitHub (`progress` such as "1 of 2") and the hidden block Bender reads.
 */
export function approvalCommentBody(approval: Approval, progress: string): string {
  const block = JSON.stringify({ bender: 1, kind: "approval", by: approval.by, at: new Date(approval.at).toISOString(), build: approval.build });
  return [
    // Only letters and digits reach the visible line: what a person reads cannot open or close markup.
    `Approved from Slack by Slack user ${approval.by.replaceAll(/[^A-Za-z0-9]/g, "")} for commit ${approval.build.slice(0, 7)} (${progress.replaceAll(/[^ A-Za-z0-9]/g, "")}).`,
    "",
    `<!-- bender:approval\n${block.replaceAll("<", "\\u003c").replaceAll(">", "\\u003e")}\n-->`,
  ].join("\n");
}

/** The approval one comment records, or undefined when it is not an approval Bender wrote. */
export function approvalOfComment(comment: PullRequestComment): Approval | undefined {
  if (!comment.viewerDidAuthor || comment.body.length > MAX_BODY_BYTES) return undefined;
  const json = BLOCK.exec(comment.body)?.groups?.json;
  if (json === undefined) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return undefined;
  }
  const parsed = approvalSchema.safeParse(data);
  if (!parsed.success) return undefined;
  return { by: parsed.data.by, at: Date.parse(parsed.data.at), build: parsed.data.build };
}

/** Every approval the PR's comments record (Bender's own comments only), in the order given. */
export function approvalsFromComments(comments: readonly PullRequestComment[]): Approval[] {
  const approvals: Approval[] = [];
  for (const comment of comments) {
    const approval = approvalOfComment(comment);
    if (approval !== undefined) approvals.push(approval);
  }
  return approvals;
}
