import { APPROVAL_COMMENTS_READ } from "../proposals/approval-comments.js";
import type { PullRequestComment } from "../proposals/approval-comments.js";
import { trailerUser } from "../proposals/trailers.js";
import { graphqlError } from "./github-error.js";
import { failuresOf, runGraphql } from "./graphql-client.js";
import type { GraphqlClient } from "./graphql-client.js";
import { MERGE_METHODS, mutationDocument } from "./write-documents.js";
import { repositoryName } from "./repository-name.js";

/** A proposal PR as a Slack click needs to see it, read in one query. */
export interface PullRequestState {
  readonly id: string;
  readonly number: number;
  readonly url: string;
  readonly state: "OPEN" | "CLOSED" | "MERGED";
  readonly headOid: string;
  readonly headRefName: string;
  readonly headRefId: string | undefined;
  readonly baseRefName: string;
  readonly body: string;
  readonly mergedBy: string | undefined;
  /**
   * The Slack user a `Pinned-by: <@U…>` trailer in the merge commit names:
   * GitHub names the App as the merger of a pin made from Slack.
   */
  readonly pinnedBy: string | undefined;
  readonly mergedAt: string | undefined;
  readonly closedAt: string | undefined;
  readonly autoMergeEnabled: boolean;
  /** The freezes file at the revision asked for (`readPullRequest`'s `freezesAt`); undefined: no such file, or not asked. */
  readonly freezesText?: string | undefined;
  /** The PR's last comments (`readPullRequest`'s `comments`; approvals are recorded as comments); undefined: not asked. */
  readonly comments?: readonly PullRequestComment[] | undefined;
}

const PULL_REQUEST_FIELDS =
  "pullRequest(number: $number) { id number url state headRefOid headRefName headRef { id } baseRefName body mergedAt mergedBy { login } mergeCommit { messageBody } closedAt autoMergeRequest { enabledAt } }";
/** The PR's last comments, where approvals are recorded (only the App's own count: `viewerDidAuthor`). */
export const APPROVAL_COMMENTS_FIELD = `comments(last: ${APPROVAL_COMMENTS_READ}) { nodes { body viewerDidAuthor } }`;

/**
 * The PR read as a click needs it, in one query: with the environment's
 * freezes file (Pin checks the release policy without a second round trip)
 * and the PR's last comments (an environment that needs approvals counts them).
 */
function readDocument(freezes: boolean, comments: boolean): string {
  const fields = comments ? PULL_REQUEST_FIELDS.replace(/ \}$/, ` ${APPROVAL_COMMENTS_FIELD} }`) : PULL_REQUEST_FIELDS;
  return `query BenderPullRequest($owner: String!, $name: String!, $number: Int!${freezes ? ", $freezes: String!" : ""}) { repository(owner: $owner, name: $name) { ${fields}${freezes ? " freezes: object(expression: $freezes) { ... on Blob { text } }" : ""} } }`;
}

interface PullRequestResponse {
  repository: {
    pullRequest: {
      id: string;
      number: number;
      url: string;
      state: "OPEN" | "CLOSED" | "MERGED";
      headRefOid: string;
      headRefName: string;
      headRef: { id: string } | null;
      baseRefName: string;
      body: string;
      mergedAt: string | null;
      mergedBy: { login: string } | null;
      mergeCommit: { messageBody: string } | null;
      closedAt: string | null;
      autoMergeRequest: { enabledAt: string } | null;
      comments?: { nodes: (PullRequestComment | null)[] | null } | null;
    } | null;
    freezes?: { text?: string | null } | null;
  } | null;
}

/**
 * Reads a PR as it is now; with `freezesAt` (a revision expression such as
 * `main:.bender/freezes.yml`), the freezes file too, and with `comments`, its
 * last comments, in the same query.
 */
export async function readPullRequest(
  client: GraphqlClient,
  repository: string,
  number: number,
  freezesAt?: string,
  options: { comments?: boolean } = {},
): Promise<PullRequestState | undefined> {
  const { owner, name } = repositoryName(repository);
  const comments = options.comments === true;
  const variables = freezesAt === undefined ? { owner, name, number } : { owner, name, number, freezes: freezesAt };
  const result = await runGraphql<PullRequestResponse>(client, readDocument(freezesAt !== undefined, comments), variables);
  const pullRequest = result.data?.repository?.pullRequest;
  if (!pullRequest) return undefined;
  return {
    id: pullRequest.id,
    number: pullRequest.number,
    url: pullRequest.url,
    state: pullRequest.state,
    headOid: pullRequest.headRefOid,
    headRefName: pullRequest.headRefName,
    headRefId: pullRequest.headRef?.id,
    baseRefName: pullRequest.baseRefName,
    body: pullRequest.body,
    mergedBy: pullRequest.mergedBy?.login,
    pinnedBy: trailerUser(pullRequest.mergeCommit?.messageBody, ["pinned"]),
    mergedAt: pullRequest.mergedAt ?? undefined,
    closedAt: pullRequest.closedAt ?? undefined,
    autoMergeEnabled: pullRequest.autoMergeRequest !== null,
    freezesText: result.data?.repository?.freezes?.text ?? undefined,
    comments: comments ? commentsOf(pullRequest.comments) : undefined,
  };
}

/** The comments GitHub listed, without the null entries GraphQL allows. */
export function commentsOf(connection: { nodes: (PullRequestComment | null)[] | null } | null | undefined): PullRequestComment[] {
  return (connection?.nodes ?? []).filter((comment): comment is PullRequestComment => comment !== null);
}

export type MergeRefusal = "head-moved" | "checks-pending" | "reviews-required" | "conflicts" | "not-open" | "other";

export type MergeOutcome =
  | { readonly ok: true; readonly mergeOid: string | undefined }
  | { readonly ok: false; readonly refusal: MergeRefusal; readonly message: string };

/** Sorts GitHub's reason for refusing a merge into what Bender does next. */
export function classifyMergeRefusal(message: string): MergeRefusal {
  if (/head branch was modified|expected head|head sha/i.test(message)) return "head-moved";
  if (/review/i.test(message)) return "reviews-required";
  if (/status check|checks? (?:are|is|have)|expected.*check|pending/i.test(message)) return "checks-pending";
  if (/conflict/i.test(message)) return "conflicts";
  if (/not open|already merged|closed|is not mergeable: merged/i.test(message)) return "not-open";
  return "other";
}


/** Merges exactly `expectedHeadOid`: if the PR moved since the message was drawn, GitHub refuses. */
export async function mergePullRequest(
  client: GraphqlClient,
  input: { pullRequestId: string; expectedHeadOid: string; method: keyof typeof MERGE_METHODS; headline: string; body?: string },
): Promise<MergeOutcome> {
  const document = mutationDocument([
    {
      kind: "merge",
      alias: "merge",
      pullRequestId: input.pullRequestId,
      expectedHeadOid: input.expectedHeadOid,
      mergeMethod: MERGE_METHODS[input.method],
      headline: input.headline,
      ...(input.body === undefined ? {} : { body: input.body }),
    },
  ]);
  const result = await runGraphql<{ merge: { pullRequest: { mergeCommit: { oid: string } | null } } | null }>(client, document.query, document.variables);
  const failures = failuresOf(result, "merge");
  if (failures.length > 0 || !result.data?.merge) {
    const message = failures.map((failure) => failure.message).join("; ") || "GitHub did not merge the pull request";
    return { ok: false, refusal: classifyMergeRefusal(message), message };
  }
  return { ok: true, mergeOid: result.data.merge.pullRequest.mergeCommit?.oid };
}

const ENABLE_AUTO_MERGE =
  "mutation BenderAutoMerge($input: EnablePullRequestAutoMergeInput!) { enablePullRequestAutoMerge(input: $input) { pullRequest { id autoMergeRequest { enabledAt } } } }";

/** Turns on GitHub's auto-merge: the PR merges when its checks pass, with the head it has now. */
export async function enableAutoMerge(
  client: GraphqlClient,
  input: { pullRequestId: string; expectedHeadOid: string; method: keyof typeof MERGE_METHODS; headline: string; body: string },
): Promise<{ ok: true } | { ok: false; message: string }> {
  const result = await runGraphql(client, ENABLE_AUTO_MERGE, {
    input: {
      pullRequestId: input.pullRequestId,
      expectedHeadOid: input.expectedHeadOid,
      mergeMethod: MERGE_METHODS[input.method],
      // The merge commit GitHub makes later says what a merge by Bender says: the pin's headline and its trailers
      // (`Pinned-by:`, read by /bender history and by any replica that draws the merge; approvers).
      commitHeadline: input.headline,
      commitBody: input.body,
    },
  });
  if (result.failures.length > 0) return { ok: false, message: result.failures.map((failure) => failure.message).join("; ") };
  return { ok: true };
}

const CLOSE =
  "mutation BenderClose($close: ClosePullRequestInput!) { close: closePullRequest(input: $close) { pullRequest { id state } } }";
const CLOSE_AND_DELETE =
  "mutation BenderClose($close: ClosePullRequestInput!, $drop: DeleteRefInput!) { close: closePullRequest(input: $close) { pullRequest { id state } } drop: deleteRef(input: $drop) { clientMutationId } }";

/** Dismisses a proposal: closes the PR and deletes its branch, in one request. */
export async function closeAndDeleteBranch(
  client: GraphqlClient,
  pullRequest: Pick<PullRequestState, "id" | "headRefId">,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const result = pullRequest.headRefId
    ? await runGraphql(client, CLOSE_AND_DELETE, { close: { pullRequestId: pullRequest.id }, drop: { refId: pullRequest.headRefId } })
    : await runGraphql(client, CLOSE, { close: { pullRequestId: pullRequest.id } });
  const closeFailures = failuresOf(result, "close");
  if (closeFailures.length > 0) return { ok: false, message: closeFailures.map((failure) => failure.message).join("; ") };
  return { ok: true };
}

/** Rewrites a PR's body (to record where its Slack message lives). */
export async function updatePullRequestBody(client: GraphqlClient, pullRequestId: string, body: string): Promise<void> {
  const document = mutationDocument([{ kind: "updatePullRequest", alias: "update", pullRequestId, body }]);
  const result = await runGraphql(client, document.query, document.variables);
  if (result.failures.length > 0) throw graphqlError(result.failures, "updating the pull request's body", "");
}
