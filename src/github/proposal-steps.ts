import { labelsFor } from "../proposals/labels.js";
import type { Build } from "../builds/build.js";
import type { ProposalPlan } from "../proposals/plan-proposal.js";
import type { EnvironmentState, RepositoryState } from "./read-repository-state.js";
import { MERGE_METHODS, ZERO_OID, stepAlias } from "./write-documents.js";
import type { WriteStep } from "./write-documents.js";

/** One environment's planned write: the build, the state read, and what to do. */
export type WritePlan = {
  readonly build: Build;
  readonly environment: EnvironmentState;
  readonly plan: Extract<ProposalPlan, { action: "open" | "supersede" | "finish" | "close" }>;
};

/**
 * The steps of the proposal write documents, as small pure builders: what
 * goes into each document is decided here from the state read and the plans,
 * without GitHub (write-proposals.ts sends them and reads the answers). Every
 * alias comes from `stepAlias`, so the writer reads back what was written.
 */

const LABEL_COLOR = "5319e7";

/** The alias of the i-th label created in document 1. */
export function labelAlias(index: number): string {
  return `label${index}`;
}

/** Labels the planned proposals need that the repository does not have yet (closing needs none). */
export function missingLabels(state: Pick<RepositoryState, "labelIds">, writes: readonly WritePlan[]): string[] {
  const needed = writes.flatMap((write) => (write.plan.action === "close" ? [] : labelsFor(write.environment.read.name)));
  return [...new Set(needed)].filter((name) => !state.labelIds.has(name));
}

/** The new commit of proposal `index` on `branch`, expecting the base head read (compare-and-swap). */
function commitStep(index: number, state: Pick<RepositoryState, "nameWithOwner">, environment: EnvironmentState, plan: WritePlan["plan"] & { action: "open" | "supersede" }, branch: string): WriteStep {
  return {
    kind: "commit",
    alias: stepAlias(index, "commit"),
    input: { repositoryNameWithOwner: state.nameWithOwner, branch, expectedHeadOid: environment.baseOid, headline: plan.commit.headline, body: plan.commit.body, files: plan.files },
  };
}

/**
 * Document 1: labels that do not exist yet; for a new proposal, its branch
 * set to the base head only if it is still as read (absent, or left without
 * an open PR: another writer's new branch is never moved), its commit and
 * its PR; for a superseding build, a temporary branch at the current base
 * (named by `temporaryName`) and the commit on it, so the PR's head never
 * equals its base.
 */
export function firstDocumentSteps(
  state: Pick<RepositoryState, "repositoryId" | "nameWithOwner" | "labelIds">,
  writes: readonly WritePlan[],
  temporaryName: () => string,
): { steps: WriteStep[]; missingLabels: string[]; temporaryNames: Map<number, string> } {
  const steps: WriteStep[] = [];
  const missing = missingLabels(state, writes);
  for (const [index, name] of missing.entries()) {
    steps.push({ kind: "createLabel", alias: labelAlias(index), repositoryId: state.repositoryId, name, color: LABEL_COLOR, description: "Opened by Bender" });
  }
  const temporaryNames = new Map<number, string>();
  for (const [index, { environment, plan }] of writes.entries()) {
    if (plan.action === "finish" || plan.action === "close") continue;
    if (plan.action === "open") {
      const branch = environment.read.proposalRef.slice("refs/heads/".length);
      const before = environment.proposal?.target?.oid ?? ZERO_OID;
      steps.push(moveRefStep(index, "ref", state, environment.read.proposalRef, before, environment.baseOid));
      steps.push(commitStep(index, state, environment, plan, branch));
      steps.push({ kind: "createPullRequest", alias: stepAlias(index, "pr"), repositoryId: state.repositoryId, baseRefName: environment.snapshot.baseBranch, headRefName: branch, title: plan.title, body: plan.body });
    } else {
      const temporary = temporaryName();
      temporaryNames.set(index, temporary);
      steps.push({ kind: "createRef", alias: stepAlias(index, "tmpref"), repositoryId: state.repositoryId, name: `refs/heads/${temporary}`, oid: environment.baseOid });
      steps.push(commitStep(index, state, environment, plan, temporary));
    }
  }
  return { steps, missingLabels: missing, temporaryNames };
}

/** Moves (or with ZERO_OID deletes) a ref, only if it is where it was read (`beforeOid`; undefined: wherever it is). */
export function moveRefStep(index: number, step: string, state: Pick<RepositoryState, "repositoryId">, name: string, beforeOid: string | undefined, afterOid: string): WriteStep {
  return { kind: "moveRef", alias: stepAlias(index, step), repositoryId: state.repositoryId, name, ...(beforeOid === undefined ? {} : { beforeOid }), afterOid };
}

/** Deletes proposal `index`'s temporary branch, wherever it points. */
export function deleteTemporaryStep(index: number, state: Pick<RepositoryState, "repositoryId">, temporary: string): WriteStep {
  return moveRefStep(index, "tmp", state, `refs/heads/${temporary}`, undefined, ZERO_OID);
}

/** Adds the proposal's labels (those whose IDs are known); undefined when none is known. */
export function labelStep(index: number, environment: string, labelIds: ReadonlyMap<string, string>, pullRequestId: string): WriteStep | undefined {
  const ids = labelsFor(environment).map((label) => labelIds.get(label)).filter((id): id is string => id !== undefined);
  return ids.length > 0 ? { kind: "addLabels", alias: stepAlias(index, "labels"), labelableId: pullRequestId, labelIds: ids } : undefined;
}

/** An automatic pin: merges only at `headOid`, the head this writer made or read. */
export function mergeStep(index: number, pullRequestId: string, headOid: string, method: keyof typeof MERGE_METHODS, headline: string): WriteStep {
  return { kind: "merge", alias: stepAlias(index, "merge"), pullRequestId, expectedHeadOid: headOid, mergeMethod: MERGE_METHODS[method], headline };
}

/** Closes a proposal older than what its environment runs, saying why. */
export function closeSteps(index: number, pullRequestId: string, comment: string): WriteStep[] {
  return [
    { kind: "comment", alias: stepAlias(index, "comment"), subjectId: pullRequestId, body: comment },
    { kind: "close", alias: stepAlias(index, "close"), pullRequestId },
  ];
}

/** A PR GitHub opened on another writer's commit: its metadata removed first (so it never reads as a dismissal), then closed. */
export function scrubAndCloseSteps(index: number, pullRequestId: string, body: string): WriteStep[] {
  return [
    { kind: "updatePullRequest", alias: stepAlias(index, "scrub"), pullRequestId, body },
    { kind: "close", alias: stepAlias(index, "close"), pullRequestId },
  ];
}

/** Document 3 for a superseded PR still open on its moved branch: its new title and body, and a comment on what changed. */
export function rewriteSteps(index: number, pullRequestId: string, title: string, body: string, comment: string): WriteStep[] {
  return [
    { kind: "updatePullRequest", alias: stepAlias(index, "pr"), pullRequestId, title, body },
    { kind: "comment", alias: stepAlias(index, "comment"), subjectId: pullRequestId, body: comment },
  ];
}
