import { CONFIG_FILE } from "../config/index.js";
import type { BenderConfig } from "../config/schema.js";
import { FREEZES_PATH } from "../policy/index.js";
import { approvalsFromComments } from "../proposals/approval-comments.js";
import type { PullRequestComment } from "../proposals/approval-comments.js";
import type { Approval } from "../policy/index.js";
import { BRANCH_PREFIX } from "../proposals/branch-name.js";
import { decodeProposalMetadata } from "../proposals/metadata.js";
import type { ProposalMetadata } from "../proposals/metadata.js";
import type { PullRequestRef } from "../proposals/events.js";
import { FREEZES_REF_SELECTION, freezesReadOf } from "./freezes-file.js";
import type { FreezesRead, FreezesRefResponse } from "./freezes-file.js";
import { graphqlError } from "./github-error.js";
import { runGraphql } from "./graphql-client.js";
import type { GraphqlClient } from "./graphql-client.js";
import { APPROVAL_COMMENTS_FIELD, commentsOf } from "./pull-request-ops.js";
import { repositoryName } from "./repository-name.js";

/** Open pull requests read per repository and sweep (GitHub's page size; the most recently updated first). */
export const SWEEP_PROPOSALS_READ = 100;

/** An open Bender proposal as the policy sweep reads it: the PR, its metadata and the approvals its comments record. */
export interface SweptProposal {
  readonly pullRequest: PullRequestRef & { readonly headOid: string };
  readonly metadata: ProposalMetadata;
  readonly approvals: readonly Approval[];
  /** GitHub's auto-merge is armed on the PR (a Pin while checks were pending): GitHub merges it when the checks pass. */
  readonly autoMergeArmed: boolean;
}

/** What one policy sweep reads of a manifest repository, in one query. */
export interface SweepState {
  /** Blob ID of `.github/bender.yml` on the default branch (undefined: none): a config that changed is reloaded. */
  readonly configOid: string | undefined;
  readonly proposals: readonly SweptProposal[];
  /** Each environment's branch head and freezes file, by environment name; an environment whose branch is missing has none. */
  readonly freezes: ReadonlyMap<string, FreezesRead>;
}

interface PullRequestResponse {
  id: string;
  number: number;
  url: string;
  headRefName: string;
  headRefOid: string;
  body: string;
  comments: { nodes: (PullRequestComment | null)[] | null } | null;
  autoMergeRequest: { enabledAt: string | null } | null;
}

/**
 * The policy sweep's one read of a manifest repository (query
 * BenderPolicySweep): the config's blob ID, the open pull requests with
 * their bodies (Bender's metadata: environment, Slack message, build author)
 * and their last comments (the approvals Bender recorded), and the freezes
 * file at the head of each environment's branch, one alias per distinct
 * branch. Everything `dueActions` needs, so a sweep with nothing due costs
 * this one request.
 */
export async function readSweepState(client: GraphqlClient, repository: string, config: BenderConfig): Promise<SweepState> {
  const { owner, name } = repositoryName(repository);
  const branches = [...new Set(Object.values(config.environments).flatMap((environment) => (environment.branch === undefined ? [] : [environment.branch])))];
  const declarations = ["$owner: String!", "$name: String!", "$path: String!", "$config: String!", ...branches.map((_branch, index) => `$b${index}: String!`)];
  const variables: Record<string, unknown> = { owner, name, path: FREEZES_PATH, config: `HEAD:${CONFIG_FILE}` };
  for (const [index, branch] of branches.entries()) variables[`b${index}`] = `refs/heads/${branch}`;
  const query = [
    `query BenderPolicySweep(${declarations.join(", ")}) { repository(owner: $owner, name: $name) {`,
    "nameWithOwner",
    "config: object(expression: $config) { oid }",
    `defaultBranch: defaultBranchRef ${FREEZES_REF_SELECTION}`,
    ...branches.map((_branch, index) => `b${index}: ref(qualifiedName: $b${index}) ${FREEZES_REF_SELECTION}`),
    `proposals: pullRequests(states: OPEN, first: ${SWEEP_PROPOSALS_READ}, orderBy: { field: UPDATED_AT, direction: DESC }) { nodes { id number url headRefName headRefOid body autoMergeRequest { enabledAt } ${APPROVAL_COMMENTS_FIELD} } }`,
    "} }",
  ].join(" ");
  const result = await runGraphql<{ repository: Record<string, unknown> | null }>(client, query, variables);
  const data = result.data?.repository;
  if (!data) throw graphqlError(result.failures, `cannot sweep ${repository}`, "no such repository");
  const nameWithOwner = String(data.nameWithOwner);

  const freezes = new Map<string, FreezesRead>();
  for (const [environment, settings] of Object.entries(config.environments)) {
    const alias = settings.branch === undefined ? "defaultBranch" : `b${branches.indexOf(settings.branch)}`;
    const read = freezesReadOf(nameWithOwner, data[alias] as FreezesRefResponse | null | undefined);
    if (read) freezes.set(environment, read);
  }

  const nodes = (data.proposals as { nodes: PullRequestResponse[] } | null)?.nodes ?? [];
  const proposals = nodes.flatMap((pullRequest): SweptProposal[] => {
    if (!pullRequest.headRefName.startsWith(`${BRANCH_PREFIX}/`)) return [];
    const decoded = decodeProposalMetadata(pullRequest.body);
    if (!decoded.ok) return [];
    return [
      {
        pullRequest: { id: pullRequest.id, number: pullRequest.number, url: pullRequest.url, headOid: pullRequest.headRefOid },
        metadata: decoded.metadata,
        approvals: approvalsFromComments(commentsOf(pullRequest.comments)),
        autoMergeArmed: pullRequest.autoMergeRequest !== null && pullRequest.autoMergeRequest !== undefined,
      },
    ];
  });
  return { configOid: (data.config as { oid: string } | null)?.oid, proposals, freezes };
}
