import picomatch from "picomatch";
import type { Build } from "../builds/build.js";
import { environmentsFor, tagAllowed } from "../config/index.js";
import { proposalBranch } from "../proposals/branch-name.js";
import { planProposal } from "../proposals/plan-proposal.js";
import type { ProposalPlan } from "../proposals/plan-proposal.js";
import { ConfigChangedError } from "./propose-context.js";
import type { ProposalOutcome, ProposeContext } from "./propose-context.js";
import { readRepositoryState } from "./read-repository-state.js";
import type { EnvironmentState } from "./read-repository-state.js";
import type { EnvironmentRead } from "./read-state.js";
import { writeProposals } from "./write-proposals.js";

export { ConfigChangedError } from "./propose-context.js";
export type { ProposalOutcome, ProposeContext } from "./propose-context.js";

/** Stale heads and racing branches are planned again from a fresh read, this many times at most. */
export const MAX_ATTEMPTS = 3;

/** The folder a configured path starts in: `clusters/prod-*\/**` is read from `clusters`. */
function folderOf(path: string): string {
  const base = picomatch.scan(path.replace(/^\.\//, "").replace(/\/+$/, "")).base;
  return base === "." ? "" : base;
}

/**
 * Turns one build into proposals in one manifest repository.
 *
 * 1. Pick the environments the image may go to and whose policy accepts the tag.
 * 2. Read everything in one query (plus a follow-up for changed files only).
 * 3. Plan each environment with the manifest engine.
 * 4. Write: one document creates branches, commits and PRs; a second labels,
 *    pins new PRs automatically and moves superseded branches (only from the
 *    head that was read); a third rewrites, comments and pins the PRs whose
 *    branch moved.
 * 5. Environments that lost a race are planned again from a fresh read.
 */
export async function proposeBuild(build: Build, context: ProposeContext, attempt = 1, only?: ReadonlySet<string>): Promise<ProposalOutcome[]> {
  const repository = `${context.owner}/${context.repo}`;
  const outcomes: ProposalOutcome[] = [];
  const reads: EnvironmentRead[] = [];

  // 1. Environments and tag policy.
  const tag = tagAllowed(context.config, build.image);
  for (const name of environmentsFor(context.config, build.image)) {
    if (only && !only.has(name)) continue;
    const environment = context.config.environments[name];
    if (!environment) continue;
    if (!tag.ok) {
      outcomes.push({ repository, environment: name, action: "skipped", detail: tag.reason });
      continue;
    }
    reads.push({
      name,
      branch: environment.branch,
      folders: [...new Set(environment.paths.map(folderOf))],
      proposalRef: `refs/heads/${proposalBranch(name, build.image)}`,
    });
  }
  if (reads.length === 0) return outcomes;

  // 2. Read; a config that changed since it was cached makes the caller reload it.
  const state = await readRepositoryState(context, reads);
  if (context.configOid !== undefined && state.configOid !== context.configOid) {
    throw new ConfigChangedError(`${repository}: .github/bender.yml changed since it was read`);
  }
  for (const { name, detail } of state.unplannable) outcomes.push({ repository, environment: name, action: "failed", detail });

  // 3. Plan.
  const planned = state.environments.map((environment) => ({
    environment,
    plan: planProposal(build, environment.snapshot, context.webUrl),
  }));
  for (const { environment, plan } of planned) {
    if (plan.action === "none") {
      outcomes.push({
        repository,
        environment: environment.read.name,
        action: "none",
        detail: plan.detail,
        ...(environment.openPullRequest ? { pullRequest: { number: environment.openPullRequest.number, url: environment.openPullRequest.url } } : {}),
      });
    }
  }
  const writes = planned.filter((entry): entry is { environment: EnvironmentState; plan: Extract<ProposalPlan, { action: "open" | "supersede" }> } => entry.plan.action !== "none");
  if (writes.length === 0) return outcomes;

  // 4. Write.
  const written = await writeProposals(context, build, state, writes);
  outcomes.push(...written.outcomes);

  // 5. Races: plan the losers again from a fresh read.
  if (written.retry.size > 0) {
    if (attempt >= MAX_ATTEMPTS) {
      for (const name of written.retry) {
        outcomes.push({ repository, environment: name, action: "failed", detail: `still racing another writer after ${MAX_ATTEMPTS} attempts; the next build will try again` });
      }
    } else {
      context.log.info({ environments: [...written.retry], attempt }, "proposal raced another writer; planning again");
      outcomes.push(...(await proposeBuild(build, context, attempt + 1, written.retry)));
    }
  }
  return outcomes;
}
