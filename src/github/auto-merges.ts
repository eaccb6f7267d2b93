import { labelsFor } from "../proposals/labels.js";
import { failuresOf, runGraphql } from "./graphql-client.js";
import type { GraphqlClient } from "./graphql-client.js";
import { repositoryName } from "./repository-name.js";

/**
 * GitHub auto-merges Bender armed ("pins when checks pass") on an
 * environment's open proposals, and cancelling them: a freeze that starts
 * must not let a pin land when its checks pass later.
 */

/** An open proposal with GitHub's auto-merge turned on. */
export interface ArmedProposal {
  readonly id: string;
  readonly number: number;
  readonly url: string;
  readonly headOid: string;
  readonly body: string;
}

/** At most this many open proposals of one environment are looked at (GitHub's page size). */
const PAGE = 100;

const READ_ARMED = `query BenderArmedAutoMerges($owner: String!, $name: String!, $labels: [String!]!) { repository(owner: $owner, name: $name) { pullRequests(states: OPEN, labels: $labels, first: ${PAGE}, orderBy: { field: UPDATED_AT, direction: DESC }) { nodes { id number url headRefOid body autoMergeRequest { enabledAt } } } } }`;

interface ArmedResponse {
  repository: {
    pullRequests: { nodes: ({ id: string; number: number; url: string; headRefOid: string; body: string; autoMergeRequest: { enabledAt: string | null } | null } | null)[] };
  } | null;
}

/** The environment's open proposals whose auto-merge is on, in one query. */
export async function readArmedAutoMerges(client: GraphqlClient, repository: string, environment: string): Promise<ArmedProposal[]> {
  const { owner, name } = repositoryName(repository);
  const result = await runGraphql<ArmedResponse>(client, READ_ARMED, { owner, name, labels: labelsFor(environment) });
  if (result.failures.length > 0 && !result.data?.repository) throw new Error(`cannot read the open proposals of ${repository}: ${result.failures.map((failure) => failure.message).join("; ")}`);
  const armed: ArmedProposal[] = [];
  for (const node of result.data?.repository?.pullRequests.nodes ?? []) {
    if (node?.autoMergeRequest) armed.push({ id: node.id, number: node.number, url: node.url, headOid: node.headRefOid, body: node.body });
  }
  return armed;
}

/**
 * Turns auto-merge off on each PR, in one request (one aliased mutation per
 * PR); returns the ones GitHub turned off, and why the others were not.
 */
export async function disableAutoMerges(client: GraphqlClient, pullRequestIds: readonly string[]): Promise<{ cancelled: string[]; failed: { id: string; message: string }[] }> {
  if (pullRequestIds.length === 0) return { cancelled: [], failed: [] };
  const fields = pullRequestIds.map((_, index) => `d${index}: disablePullRequestAutoMerge(input: $d${index}) { pullRequest { id } }`);
  const variables = pullRequestIds.map((_, index) => `$d${index}: DisablePullRequestAutoMergeInput!`);
  const query = `mutation BenderDisableAutoMerge(${variables.join(", ")}) { ${fields.join(" ")} }`;
  const result = await runGraphql<Record<string, unknown>>(client, query, Object.fromEntries(pullRequestIds.map((id, index) => [`d${index}`, { pullRequestId: id }])));
  const cancelled: string[] = [];
  const failed: { id: string; message: string }[] = [];
  for (const [index, id] of pullRequestIds.entries()) {
    const failures = failuresOf(result, `d${index}`);
    if (failures.length === 0 && result.data?.[`d${index}`]) cancelled.push(id);
    else failed.push({ id, message: failures.map((failure) => failure.message).join("; ") || "GitHub did not answer" });
  }
  return { cancelled, failed };
}
