import type { Build } from "../builds/build.js";
import type { ProposalMetadata } from "../proposals/metadata.js";
import type { ProposalPlan } from "../proposals/plan-proposal.js";
import { supersededComment } from "../proposals/render-proposal.js";
import { failuresOf, runGraphql } from "./graphql-client.js";
import type { GraphqlResult } from "./graphql-client.js";
import { labelsFor } from "./propose-context.js";
import type { ProposalOutcome, ProposeContext } from "./propose-context.js";
import type { EnvironmentState, RepositoryState } from "./read-repository-state.js";
import { MERGE_METHODS, mutationDocument } from "./write-documents.js";
import type { WriteStep } from "./write-documents.js";

const LABEL_COLOR = "5319e7";

export type WritePlan = { environment: EnvironmentState; plan: Extract<ProposalPlan, { action: "open" | "supersede" }> };

interface CreatedRefs {
  [alias: string]: { ref?: { id: string; target: { oid: string } }; commit?: { oid: string; url: string }; pullRequest?: { id: string; number: number; url: string; headRefOid: string }; label?: { id: string; name: string } } | null;
}

const CONFLICT = /already exists|expected|is at|does not match|stale|not a fast forward|Reference update failed|ref.*exist/i;

export async function writeProposals(
  context: ProposeContext,
  build: Build,
  state: RepositoryState,
  writes: readonly WritePlan[],
): Promise<{ outcomes: ProposalOutcome[]; retry: Set<string> }> {
  const repository = `${context.owner}/${context.repo}`;
  const outcomes: ProposalOutcome[] = [];
  const retry = new Set<string>();

  // Document 1: labels that do not exist yet; per proposal a branch (or a temporary one) with its commit, and new PRs.
  const first: WriteStep[] = [];
  const missingLabels = [...new Set(writes.filter((write) => write.plan.action === "open").flatMap((write) => labelsFor(write.environment.read.name)))].filter(
    (name) => !state.labelIds.has(name),
  );
  for (const [index, name] of missingLabels.entries()) {
    first.push({ kind: "createLabel", alias: `label${index}`, repositoryId: state.repositoryId, name, color: LABEL_COLOR, description: "Opened by Bender" });
  }
  const temporaryBranches = new Map<number, string>();
  for (const [index, { environment, plan }] of writes.entries()) {
    const branch = environment.read.proposalRef.slice("refs/heads/".length);
    const commitFor = (onBranch: string) => ({
      kind: "commit" as const,
      alias: `p${index}_commit`,
      input: {
        repositoryNameWithOwner: state.nameWithOwner,
        branch: onBranch,
        expectedHeadOid: environment.baseOid,
        headline: plan.commit.headline,
        body: plan.commit.body,
        files: plan.files,
      },
    });
    if (plan.action === "open") {
      // A branch left without an open PR (a failed run, a PR closed elsewhere) is replaced.
      if (environment.proposal) first.push({ kind: "deleteRef", alias: `p${index}_stale`, refId: environment.proposal.id });
      first.push({ kind: "createRef", alias: `p${index}_ref`, repositoryId: state.repositoryId, name: environment.read.proposalRef, oid: environment.baseOid });
      first.push(commitFor(branch));
      first.push({
        kind: "createPullRequest",
        alias: `p${index}_pr`,
        repositoryId: state.repositoryId,
        baseRefName: environment.snapshot.baseBranch,
        headRefName: branch,
        title: plan.title,
        body: plan.body,
      });
    } else {
      // Rebuild from the current base on a temporary branch, so the PR's head never equals its base.
      const temporary = `bender-tmp/${context.uniqueId()}`;
      temporaryBranches.set(index, temporary);
      first.push({ kind: "createRef", alias: `p${index}_ref`, repositoryId: state.repositoryId, name: `refs/heads/${temporary}`, oid: environment.baseOid });
      first.push(commitFor(temporary));
    }
  }
  const firstDocument = mutationDocument(first);
  const firstResult: GraphqlResult<CreatedRefs> = await runGraphql<CreatedRefs>(context.client, firstDocument.query, firstDocument.variables);
  const labelIds = new Map(state.labelIds);
  for (const index of missingLabels.keys()) {
    const label = firstResult.data?.[`label${index}`]?.label;
    if (label) labelIds.set(label.name, label.id);
  }

  // Document 2: label new PRs and pin them automatically; move superseded branches, only from the head that was read.
  const second: WriteStep[] = [];
  const done: { index: number; write: WritePlan; pullRequest: { id: string; number: number; url: string }; headOid: string }[] = [];
  const mergeMethod = MERGE_METHODS[context.config.mergeMethod];
  const mergeStep = (index: number, write: WritePlan, pullRequestId: string, headOid: string): WriteStep => ({
    kind: "merge",
    alias: `p${index}_merge`,
    pullRequestId,
    expectedHeadOid: headOid,
    mergeMethod,
    headline: write.plan.title,
  });
  const merging = new Set<number>();
  for (const [index, write] of writes.entries()) {
    const name = write.environment.read.name;
    const failures = [`p${index}_stale`, `p${index}_ref`, `p${index}_commit`, `p${index}_pr`].flatMap((alias) => failuresOf(firstResult, alias));
    const commit = firstResult.data?.[`p${index}_commit`]?.commit;
    if (failures.length > 0 || !commit) {
      const message = failures.map((failure) => failure.message).join("; ") || "GitHub returned no commit";
      const temporary = temporaryBranches.get(index);
      const createdRef = firstResult.data?.[`p${index}_ref`]?.ref;
      // Leave nothing half-made: a temporary branch, or a new branch without its PR, is removed.
      if (createdRef && (temporary || !firstResult.data?.[`p${index}_pr`]?.pullRequest)) {
        second.push({ kind: "deleteRef", alias: `p${index}_cleanup`, refId: createdRef.id });
      }
      if (CONFLICT.test(message)) retry.add(name);
      else outcomes.push({ repository, environment: name, action: "failed", detail: message });
      context.log.warn({ environment: name, failures: message }, "proposal write failed");
      continue;
    }
    if (write.plan.action === "open") {
      const pullRequest = firstResult.data?.[`p${index}_pr`]?.pullRequest;
      if (!pullRequest) continue;
      const ids = labelsFor(name).map((label) => labelIds.get(label)).filter((id): id is string => id !== undefined);
      if (ids.length > 0) second.push({ kind: "addLabels", alias: `p${index}_labels`, labelableId: pullRequest.id, labelIds: ids });
      done.push({ index, write, pullRequest, headOid: commit.oid });
      if (write.plan.autoPin) {
        second.push(mergeStep(index, write, pullRequest.id, commit.oid));
        merging.add(index);
      }
    } else {
      const open = write.environment.openPullRequest;
      const proposal = write.environment.proposal;
      const temporaryRef = firstResult.data?.[`p${index}_ref`]?.ref;
      if (!open || !proposal?.target || !temporaryRef) continue;
      // Compare-and-swap: a branch another writer moved since the read is not overwritten.
      second.push({
        kind: "moveRef",
        alias: `p${index}_move`,
        repositoryId: state.repositoryId,
        name: write.environment.read.proposalRef,
        beforeOid: proposal.target.oid,
        afterOid: commit.oid,
      });
      second.push({ kind: "deleteRef", alias: `p${index}_tmp`, refId: temporaryRef.id });
      done.push({ index, write, pullRequest: { id: open.id, number: open.number, url: open.url }, headOid: commit.oid });
    }
  }
  const secondDocument = second.length > 0 ? mutationDocument(second) : undefined;
  const secondResult = secondDocument
    ? await runGraphql<Record<string, unknown>>(context.client, secondDocument.query, secondDocument.variables)
    : undefined;

  // Document 3: only once a superseded branch has moved, its PR is rewritten, commented and pinned,
  // so a PR's title, body and metadata never describe a branch another writer holds.
  const third: WriteStep[] = [];
  const moved = done.filter(({ index, write }) => {
    if (write.plan.action !== "supersede") return true;
    if (!secondResult || failuresOf(secondResult, `p${index}_move`).length > 0) {
      retry.add(write.environment.read.name);
      return false;
    }
    return true;
  });
  for (const { index, write, pullRequest, headOid } of moved) {
    if (write.plan.action !== "supersede") continue;
    third.push({ kind: "updatePullRequest", alias: `p${index}_pr`, pullRequestId: pullRequest.id, title: write.plan.title, body: write.plan.body });
    const previous = write.environment.snapshot.openProposal?.metadata;
    third.push({ kind: "comment", alias: `p${index}_comment`, subjectId: pullRequest.id, body: supersededComment(previous, build) });
    if (write.plan.autoPin) {
      third.push(mergeStep(index, write, pullRequest.id, headOid));
      merging.add(index);
    }
  }
  const thirdDocument = third.length > 0 ? mutationDocument(third) : undefined;
  const thirdResult = thirdDocument
    ? await runGraphql<Record<string, unknown>>(context.client, thirdDocument.query, thirdDocument.variables)
    : undefined;
  const results = [secondResult, thirdResult].filter((result): result is GraphqlResult<Record<string, unknown>> => result !== undefined);
  const failed = (alias: string) => results.flatMap((result) => failuresOf(result, alias));

  for (const { index, write, pullRequest, headOid } of moved) {
    const name = write.environment.read.name;
    const stepFailures = [`p${index}_labels`, `p${index}_tmp`, `p${index}_pr`, `p${index}_comment`].flatMap(failed);
    for (const failure of stepFailures) context.log.warn({ environment: name, step: failure.path[0], message: failure.message }, "proposal step failed");
    const mergeFailure = failed(`p${index}_merge`);
    const pinned = merging.has(index) && mergeFailure.length === 0;
    if (write.plan.autoPin && !pinned) {
      context.log.warn({ environment: name, pullRequest: pullRequest.url, reason: mergeFailure.map((failure) => failure.message).join("; ") }, "automatic pin refused by GitHub");
    }
    const pullRequestRef = { ...pullRequest, headOid };
    const action = write.plan.action === "open" ? "opened" : "superseded";
    const detail = pinned ? `pinned automatically` : write.plan.heldBecause ? `not pinned automatically: ${write.plan.heldBecause}` : `${action} for review`;
    outcomes.push({ repository, environment: name, action, detail, pullRequest: { number: pullRequest.number, url: pullRequest.url }, pinned });
    emitProposalEvents(context, write, pullRequestRef, pinned);
  }
  return { outcomes, retry };
}

function emitProposalEvents(context: ProposeContext, write: WritePlan, pullRequest: { id: string; number: number; url: string; headOid: string }, pinned: boolean): void {
  const base = { repository: `${context.owner}/${context.repo}`, environment: write.environment.read.name, pullRequest, metadata: write.plan.metadata };
  if (write.plan.action === "open") {
    context.events.emit({ ...base, type: "proposal.opened", autoPin: write.plan.autoPin, heldBecause: write.plan.heldBecause, body: write.plan.body });
  } else {
    const previous: ProposalMetadata | undefined = write.environment.snapshot.openProposal?.metadata;
    context.events.emit({ ...base, type: "proposal.superseded", previous, autoPin: write.plan.autoPin, body: write.plan.body });
  }
  if (pinned) context.events.emit({ ...base, type: "proposal.pinned", by: "bender", via: "automatic" });
}
