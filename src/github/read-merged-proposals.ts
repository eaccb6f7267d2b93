import { BENDER_LABEL, environmentLabel } from "../proposals/labels.js";
import { decodeListedPullRequest } from "./read-environment-status.js";
import type { ListedPullRequest, PullRequestNode } from "./read-environment-status.js";
import { runGraphql } from "./graphql-client.js";
import type { GraphqlClient } from "./graphql-client.js";
import { repositoryName } from "./repository-name.js";

const HISTORY =
  "query BenderHistory($owner: String!, $name: String!, $labels: [String!]) { repository(owner: $owner, name: $name) { pullRequests(labels: $labels, states: MERGED, first: 50, orderBy: { field: UPDATED_AT, direction: DESC }) { nodes { number url title body mergedAt mergedBy { login } mergeCommit { messageBody } } } } }";

/** The last 50 merged Bender PRs (pins and unpins) of a repository, or of one environment, most recently updated first. */
export async function readMergedProposals(client: GraphqlClient, repository: string, environment: string | undefined): Promise<ListedPullRequest[]> {
  const { owner, name } = repositoryName(repository);
  const labels = [environment ? environmentLabel(environment) : BENDER_LABEL];
  const result = await runGraphql<{ repository: { pullRequests: { nodes: PullRequestNode[] } } | null }>(client, HISTORY, { owner, name, labels });
  return (result.data?.repository?.pullRequests.nodes ?? []).map(decodeListedPullRequest);
}
