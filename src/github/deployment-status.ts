import type { Context } from "probot";
import { BRANCH_PREFIX } from "../proposals/branch-name.js";
import type { ProposalEventSink } from "../proposals/events.js";
import { decodeProposalMetadata } from "../proposals/metadata.js";

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

/**
 * A sync job reported a deployment: every pin of that environment whose merge
 * commit is in the deployed commit and was not in the cluster's previous
 * successful deployment gets a `proposal.deployed` event (Slack replies in
 * its thread). The commits between the two deployments come from one
 * compare; each one's pull requests from one request.
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

  // 1. The cluster's previous successful deployment: what it already ran.
  const { data: earlier } = await octokit.request("GET /repos/{owner}/{repo}/deployments", {
    owner,
    repo,
    environment: deployment.environment,
    per_page: PREVIOUS_DEPLOYMENTS,
  });
  let previousSha: string | undefined;
  for (const candidate of earlier) {
    if (candidate.id >= deployment.id) continue;
    const { data: statuses } = await octokit.request("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
      owner,
      repo,
      deployment_id: Number(candidate.id),
      per_page: 1,
    });
    if (statuses[0]?.state === "success") {
      previousSha = candidate.sha;
      break;
    }
  }

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

  // 3. The pins merged by those commits, for this environment.
  for (const sha of commits) {
    const { data: pulls } = await octokit.request("GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls", { owner, repo, commit_sha: sha });
    for (const pull of pulls) {
      if (pull.merge_commit_sha !== sha || !pull.head.ref.startsWith(`${BRANCH_PREFIX}/`) || pull.merged_at === null) continue;
      const decoded = decodeProposalMetadata(pull.body);
      if (!decoded.ok || decoded.metadata.environment !== target.environment) continue;
      const { data: merged } = await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner, repo, pull_number: pull.number });
      events.emit({
        type: "proposal.deployed",
        repository: repository.full_name,
        environment: target.environment,
        pullRequest: { id: pull.node_id, number: pull.number, url: pull.html_url, headOid: pull.head.sha },
        metadata: decoded.metadata,
        deployment: {
          cluster: target.cluster,
          commit: deployment.sha,
          state,
          reason: state === "failed" ? (status.description ?? undefined) : undefined,
          pinnedBy: merged.merged_by?.login ?? pull.user?.login ?? "",
          pinnedVia: merged.merged_by?.type === "Bot" ? "automatic" : "github",
          pinnedAt: pull.merged_at,
        },
      });
    }
  }
}
