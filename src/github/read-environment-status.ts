import { FREEZES_PATH } from "../policy/freezes.js";
import { HOLDS_PATH } from "../proposals/holds.js";
import { environmentLabel } from "../proposals/labels.js";
import { trailerUser } from "../proposals/trailers.js";
import type { PullRequestComment } from "../proposals/approval-comments.js";
import { runGraphql } from "./graphql-client.js";
import { APPROVAL_COMMENTS_FIELD, commentsOf } from "./pull-request-ops.js";
import type { GraphqlClient } from "./graphql-client.js";
import { repositoryName } from "./repository-name.js";

/** A Bender PR as a listing shows it. */
export interface ListedPullRequest {
  readonly number: number;
  readonly url: string;
  readonly title: string;
  readonly body: string;
  readonly mergedAt: string | undefined;
  /** The GitHub login that merged it (the App, for merges Bender made). */
  readonly mergedBy: string | undefined;
  /** The Slack user the merge commit's `Pinned-by:`/`Unpinned-by:` trailer names. */
  readonly slackUser: string | undefined;
  /** An open proposal's head and last comments, read where the environment counts approvals. */
  readonly headOid?: string | undefined;
  readonly comments?: readonly PullRequestComment[] | undefined;
}

/** A deployment a sync job recorded: the commit one cluster runs, and how its last sync went. */
export interface DeploymentRecord {
  readonly environment: string | null;
  readonly commitOid: string;
  readonly latestStatus: { readonly state: string; readonly description: string | null } | null;
}

/** One environment's Bender PRs and holds file. */
export interface EnvironmentStatusRead {
  /** Open proposals (at most 10). */
  readonly open: readonly ListedPullRequest[];
  /** Merged pins and unpins, most recently updated first (at most 20). */
  readonly merged: readonly ListedPullRequest[];
  readonly holdsText: string | undefined;
  /** `.bender/freezes.yml` on the environment's branch; undefined: none. */
  readonly freezesText: string | undefined;
}

export interface PullRequestNode {
  number: number;
  url: string;
  title: string;
  body: string;
  mergedAt: string | null;
  mergedBy: { login: string } | null;
  mergeCommit?: { messageBody: string } | null;
  headRefOid?: string;
  comments?: { nodes: (PullRequestComment | null)[] | null } | null;
}

type PullRequestPage = { nodes?: PullRequestNode[] } | null | undefined;
type StatusResponse = {
  repository:
    | ({ readonly [alias: `open${number}` | `pinned${number}`]: PullRequestPage } & { readonly [alias: `holds${number}` | `freezes${number}`]: { text?: string | null } | null | undefined } & {
        deployments?: { nodes?: DeploymentRecord[] } | null;
      })
    | null;
};

/** Decodes a listed PR; the trailer is read here so no caller parses merge commits. */
export function decodeListedPullRequest(node: PullRequestNode): ListedPullRequest {
  return {
    number: node.number,
    url: node.url,
    title: node.title,
    body: node.body,
    mergedAt: node.mergedAt ?? undefined,
    mergedBy: node.mergedBy?.login,
    slackUser: trailerUser(node.mergeCommit?.messageBody),
    ...(node.comments === undefined ? {} : { headOid: node.headRefOid, comments: commentsOf(node.comments) }),
  };
}

/**
 * What `/bender status` shows of one manifest repository, in one query: per
 * environment its open proposals, its recent pins and unpins, its holds and
 * freezes files (on the environment's branch), and the deployments sync jobs recorded.
 */
export async function readEnvironmentStatus(
  client: GraphqlClient,
  repository: string,
  environments: readonly { readonly name: string; readonly branch: string; readonly approvals?: boolean }[],
): Promise<{ environments: EnvironmentStatusRead[]; deployments: DeploymentRecord[] }> {
  const { owner, name } = repositoryName(repository);
  const declarations = ["$owner: String!", "$name: String!"];
  const variables: Record<string, unknown> = { owner, name };
  const fields: string[] = [];
  for (const [index, environment] of environments.entries()) {
    declarations.push(`$l${index}: [String!]`, `$h${index}: String!`, `$f${index}: String!`);
    variables[`l${index}`] = [environmentLabel(environment.name)];
    variables[`h${index}`] = `${environment.branch}:${HOLDS_PATH}`;
    variables[`f${index}`] = `${environment.branch}:${FREEZES_PATH}`;
    // Where approvals count, each open proposal's head and last comments come too (pending approvals).
    const approvals = environment.approvals === true ? ` headRefOid ${APPROVAL_COMMENTS_FIELD}` : "";
    fields.push(`open${index}: pullRequests(labels: $l${index}, states: OPEN, first: 10) { nodes { number url title body mergedAt mergedBy { login }${approvals} } }`);
    fields.push(`pinned${index}: pullRequests(labels: $l${index}, states: MERGED, first: 20, orderBy: { field: UPDATED_AT, direction: DESC }) { nodes { number url title body mergedAt mergedBy { login } mergeCommit { messageBody } } }`);
    fields.push(`holds${index}: object(expression: $h${index}) { ... on Blob { text } }`);
    fields.push(`freezes${index}: object(expression: $f${index}) { ... on Blob { text } }`);
  }
  // What the sync jobs reported, newest first: the commit each cluster runs.
  fields.push("deployments(first: 100, orderBy: { field: CREATED_AT, direction: DESC }) { nodes { environment commitOid latestStatus { state description } } }");
  const query = `query BenderStatus(${declarations.join(", ")}) { repository(owner: $owner, name: $name) { ${fields.join(" ")} } }`;
  const result = await runGraphql<StatusResponse>(client, query, variables);
  const data = result.data?.repository;
  return {
    environments: environments.map((_, index) => ({
      open: (data?.[`open${index}`]?.nodes ?? []).map(decodeListedPullRequest),
      merged: (data?.[`pinned${index}`]?.nodes ?? []).map(decodeListedPullRequest),
      holdsText: data?.[`holds${index}`]?.text ?? undefined,
      freezesText: data?.[`freezes${index}`]?.text ?? undefined,
    })),
    deployments: data?.deployments?.nodes ?? [],
  };
}
