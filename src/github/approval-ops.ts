import type { PullRequestComment } from "../proposals/approval-comments.js";
import { failuresOf, runGraphql } from "./graphql-client.js";
import type { GraphqlClient } from "./graphql-client.js";
import { APPROVAL_COMMENTS_FIELD, commentsOf } from "./pull-request-ops.js";

/**
 * Records one approval as a comment on the proposal's PR and reads the PR's
 * comments back in the same request (the mutation's payload is read after
 * the write): another replica or approver may have approved at the same
 * moment, and whichever of two concurrent approvals writes second sees both,
 * so a complete tally is never missed.
 */
const ADD_APPROVAL_COMMENT = `mutation BenderApprove($input: AddCommentInput!) { addComment(input: $input) { subject { ... on PullRequest { state headRefOid ${APPROVAL_COMMENTS_FIELD} } } } }`;

export type ApprovalCommentOutcome =
  | { readonly ok: true; readonly state: "OPEN" | "CLOSED" | "MERGED" | undefined; readonly headOid: string | undefined; readonly comments: readonly PullRequestComment[] }
  | { readonly ok: false; readonly message: string };

interface AddCommentResponse {
  addComment: {
    subject: {
      state?: "OPEN" | "CLOSED" | "MERGED";
      headRefOid?: string;
      comments?: { nodes: (PullRequestComment | null)[] | null } | null;
    } | null;
  } | null;
}

/** Adds the approval's comment (`body`) to the PR and returns the PR's last comments as they are after it. */
export async function addApprovalComment(client: GraphqlClient, pullRequestId: string, body: string): Promise<ApprovalCommentOutcome> {
  const result = await runGraphql<AddCommentResponse>(client, ADD_APPROVAL_COMMENT, { input: { subjectId: pullRequestId, body } });
  const failures = failuresOf(result, "addComment");
  const subject = result.data?.addComment?.subject;
  if (failures.length > 0 || !subject) {
    return { ok: false, message: failures.map((failure) => failure.message).join("; ") || "GitHub did not add the approval's comment" };
  }
  return { ok: true, state: subject.state, headOid: subject.headRefOid, comments: commentsOf(subject.comments) };
}
