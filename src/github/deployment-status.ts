import type { Context } from "probot";
import { BRANCH_PREFIX } from "../proposals/branch-name.js";
import type { ProposalEventSink } from "../proposals/events.js";
import { decodeProposalMetadata } from "../proposals/metadata.js";
import { graphqlError } from "./github-error.js";
import { runGraphql } from "./graphql-client.js";

type DeploymentStatusContext = Context<"deployment_status">;

/** How far back the previous successful deployment of a cluster is looked for, and how many commits one report covers. */
const PREVIOUS_DEPLOYMENTS = 10;
const COMMITS_PER_REPORT = 50;

/** The environment and cluster of a deployment made by `bender sync` (its payload says so); undefined for anyone else's. */
function syncTarget(payload: unknown): { environment: string; cluster: string } | undefined {
  const parsed = typeof payload === "string" ? safeJson(payload) : payload;
  const bender = (parsed as { bender?: { environment?: unknown; cluster?: unknown } } | null | undefined)?.bender;
  if (typeof bender?.environment !== "string" || typeof bender.cluster !== "string") return undefined;
  return { environment: bender.environment, cluster: bender.cluster };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** What a commit's associated pull requests are read as (GitHub lists the PR that merged it). */
const PULL_REQUEST_FIELDS =
  "associatedPullRequests(first: 10) { nodes { id number url headRefName headRefOid body mergedAt mergeCommit { oid } mergedBy { __typename login } author { __typename login } } }";

interface Actor {
  readonly __typename: string;
  readonly login: string;
}

interface AssociatedPullRequest {
  readonly id: string;
  readonly number: number;
  readonly url: string;
  readonly headRefName: string;
  readonly headRefOid: string;
  readonly body: string;
  readonly mergedAt: string | null;
  readonly mergeCommit: { readonly oid: string } | null;
  readonly mergedBy: Actor | null;
  readonly author: Actor | null;
}

type CommitPullRequests = { readonly associatedPullRequests?: { readonly nodes?: readonly (AssociatedPullRequest | null)[] | null } | null } | null | undefined;

interface HistoryResponse {
  readonly repository: {
    readonly deployments: { readonly nodes: readonly ({ readonly databaseId: number | null; readonly commitOid: string; readonly latestStatus: { readonly state: string } | null } | null)[] | null };
    readonly deployed: CommitPullRequests;
  } | null;
}

type PinsResponse = { readonly repository: Readonly<Record<string, CommitPullRequests>> | null };

/** A login as GitHub's REST API and Bender's messages write it: an App's bot is `name[bot]` (GraphQL leaves the suffix off). */
function restLogin(actor: Actor | null): string | undefined {
  if (actor === null) return undefined;
  return actor.__typename === "Bot" ? `${actor.login}[bot]` : actor.login;
}

function pullRequestsOf(commit: CommitPullRequests): AssociatedPullRequest[] {
  return (commit?.associatedPullRequests?.nodes ?? []).filter((node): node is AssociatedPullRequest => node !== null);
}

/**
 * A sync job reported a deployment: every pin of that environment whose merge
 * commit is in the deployed commit and was not in the cluster's previous
 * successful deployment gets a `proposal.deployed` event (Slack replies in
 * its thread). At most three requests, whatever the number of commits: the
 * cluster's recent deployments with their last status and the deployed
 * commit's pull requests (one query), the commits between the two
 * deployments (one compare), and the other commits' pull requests (one query).
 */
export async function followDeploymentStatus(events: ProposalEventSink, context: DeploymentStatusContext): Promise<void> {
  const { deployment, deployment_status: status, repository } = context.payload;
  const target = syncTarget(deployment.payload);
  if (!target) return;
  const state = status.state === "success" ? "live" : status.state === "failure" || status.state === "error" ? "failed" : undefined;
  if (!state) return;
  const owner = repository.owner.login;
  const repo = repository.name;
  const octokit = context.octokit;
  const what = `reading the deployments of ${repository.full_name}`;

  // 1. The cluster's previous successful deployment (what it already ran), and the deployed commit's pull requests.
  const history = await runGraphql<HistoryResponse>(
    octokit,
    `query BenderDeploymentHistory($owner: String!, $name: String!, $environment: String!, $deployed: GitObjectID!) { repository(owner: $owner, name: $name) { deployments(environments: [$environment], first: ${PREVIOUS_DEPLOYMENTS}, orderBy: { field: CREATED_AT, direction: DESC }) { nodes { databaseId commitOid latestStatus { state } } } deployed: object(oid: $deployed) { ... on Commit { ${PULL_REQUEST_FIELDS} } } } }`,
    { owner, name: repo, environment: deployment.environment, deployed: deployment.sha },
  );
  const read = history.data?.repository;
  if (!read) throw graphqlError(history.failures, what, "no such repository");
  const previousSha = (read.deployments.nodes ?? []).find((node) => node !== null && node.databaseId !== null && node.databaseId < deployment.id && node.latestStatus?.state === "SUCCESS")?.commitOid;

  // 2. The commits the cluster did not run before (just the deployed one for a first deployment).
  let commits = [deployment.sha];
  if (previousSha !== undefined && previousSha !== deployment.sha) {
    const { data: comparison } = await octokit.request("GET /repos/{owner}/{repo}/compare/{basehead}", { owner, repo, basehead: `${previousSha}...${deployment.sha}` });
    // Behind: a rollback to an older commit brings no pin that was not live before.
    if (comparison.status === "behind") return;
    commits = comparison.commits.map((commit) => commit.sha).slice(-COMMITS_PER_REPORT);
  } else if (previousSha === deployment.sha && state === "live") {
    return;
  }

  // 3. The pull requests of the other commits, in one query.
  const pullRequests = new Map<string, AssociatedPullRequest[]>([[deployment.sha, pullRequestsOf(read.deployed)]]);
  const others = commits.filter((sha) => !pullRequests.has(sha));
  if (others.length > 0) {
    const declarations = others.map((_, index) => `$c${index}: GitObjectID!`).join(", ");
    const fields = others.map((_, index) => `c${index}: object(oid: $c${index}) { ... on Commit { ${PULL_REQUEST_FIELDS} } }`).join(" ");
    const pins = await runGraphql<PinsResponse>(
      octokit,
      `query BenderDeployedPins($owner: String!, $name: String!, ${declarations}) { repository(owner: $owner, name: $name) { ${fields} } }`,
      { owner, name: repo, ...Object.fromEntries(others.map((sha, index) => [`c${index}`, sha])) },
    );
    const commitsRead = pins.data?.repository;
    if (!commitsRead) throw graphqlError(pins.failures, what, "no such repository");
    for (const [index, sha] of others.entries()) pullRequests.set(sha, pullRequestsOf(commitsRead[`c${index}`]));
  }

  // 4. The pins merged by those commits, for this environment.
  for (const sha of commits) {
    for (const pull of pullRequests.get(sha) ?? []) {
      if (pull.mergeCommit?.oid !== sha || !pull.headRefName.startsWith(`${BRANCH_PREFIX}/`) || pull.mergedAt === null) continue;
      const decoded = decodeProposalMetadata(pull.body);
      if (!decoded.ok || decoded.metadata.environment !== target.environment) continue;
      events.emit({
        type: "proposal.deployed",
        repository: repository.full_name,
        environment: target.environment,
        pullRequest: { id: pull.id, number: pull.number, url: pull.url, headOid: pull.headRefOid },
        metadata: decoded.metadata,
        deployment: {
          cluster: target.cluster,
          commit: deployment.sha,
          state,
          reason: state === "failed" ? (status.description ?? undefined) : undefined,
          pinnedBy: restLogin(pull.mergedBy) ?? restLogin(pull.author) ?? "",
          pinnedVia: pull.mergedBy?.__typename === "Bot" ? "automatic" : "github",
          pinnedAt: pull.mergedAt,
        },
      });
    }
  }
}
