import type { MessagePlace } from "../proposals/events.js";
import { withMetadata } from "../proposals/metadata.js";
import { supersededComment } from "../proposals/render-proposal.js";
import { isMergeRace } from "./github-error.js";
import { failuresOf, runGraphql } from "./graphql-client.js";
import type { GraphqlResult } from "./graphql-client.js";
import { announce, emitProposalEvents } from "./proposal-events.js";
import type { ProposalOutcome, ProposeContext } from "./propose-context.js";
import type { RepositoryState } from "./read-repository-state.js";
import { firstDocumentSteps, labelAlias, rewriteSteps } from "./proposal-steps.js";
import type { WritePlan } from "./proposal-steps.js";
import { secondDocumentSteps } from "./second-document.js";
import { ZERO_OID, mutationDocument, stepAlias } from "./write-documents.js";
import type { WriteStep } from "./write-documents.js";
import { labelStepOf, lost, mergeStepOf } from "./write-run.js";
import type { Data, WriteRun, Written } from "./write-run.js";

/** Temporary branches are named `bender-tmp/<epoch ms>-<id>`, so a sweep can tell an abandoned one from one in use. */
export const TEMPORARY_PREFIX = "bender-tmp/";

export type { WritePlan } from "./proposal-steps.js";
export type { Written } from "./write-run.js";

/**
 * Writes the planned proposals of one repository in at most three mutation
 * documents, each field checked on its own (GitHub does not make a document
 * atomic). Everything is compare-and-swap on what was read:
 *
 * 1. Labels that do not exist yet; a new proposal's branch set to the base
 *    head only if it still points where it was read (or does not exist), its
 *    commit (expected head: the base head read) and its PR; a superseding
 *    commit on a temporary branch built from the current base.
 * 2. New PRs labelled and pinned automatically (merge only at the head made);
 *    superseded branches moved from the head read to the new commit, their
 *    temporary branch deleted, and the PR's state read back (labels re-added
 *    in passing): a PR merged or closed under the writer is not written to;
 *    half-done proposals finished (labels, automatic pin at the head read).
 *    Anything half-made in 1 is removed here, by compare-and-swap.
 * 3. Only for superseded PRs still open on the moved branch: title, body,
 *    comment, automatic pin.
 *
 * Outcomes are keyed by proposal ref. Environments that lost a race come back in `retry` (by proposal ref), to be planned again
 * from a fresh read. A temporary branch left by a document that threw is
 * deleted before returning (or throwing), and a sweep removes what a crash left.
 */
export async function writeProposals(context: ProposeContext, state: RepositoryState, writes: readonly WritePlan[]): Promise<{ outcomes: Map<string, ProposalOutcome>; retry: Set<string> }> {
  const outcomes = new Map<string, ProposalOutcome>();
  const retry = new Set<string>();
  const temporaries = new Set<string>();
  try {
    await writeInThreeDocuments(context, state, writes, outcomes, retry, temporaries);
  } finally {
    await removeTemporaries(context, state, temporaries);
  }
  return { outcomes, retry };
}

/**
 * 1. Document 1 (labels, branches, commits, new PRs), from the pure builders.
 * 2. Document 2, from what document 1 answered: new PRs labelled (and pinned),
 *    superseded branches moved, half-made writes undone, closes; new PRs'
 *    Slack messages announced and their place added.
 * 3. Document 3 for superseded PRs still open on their moved branch.
 * 4. Outcomes and proposal events, from what documents 2 and 3 answered.
 */
async function writeInThreeDocuments(
  context: ProposeContext,
  state: RepositoryState,
  writes: readonly WritePlan[],
  outcomes: Map<string, ProposalOutcome>,
  retry: Set<string>,
  temporaries: Set<string>,
): Promise<void> {
  const now = context.now ?? Date.now;

  // 1. Document 1.
  const first = firstDocumentSteps(state, writes, () => `${TEMPORARY_PREFIX}${now()}-${context.uniqueId()}`);
  const firstResult = first.steps.length > 0 ? await run(context, first.steps) : { data: {} as Data, failures: [] };
  for (const [index, name] of first.temporaryNames) if (firstResult.data?.[stepAlias(index, "tmpref")]?.ref) temporaries.add(name);
  const labelIds = new Map(state.labelIds);
  for (const index of first.missingLabels.keys()) {
    const label = firstResult.data?.[labelAlias(index)]?.label;
    if (label) labelIds.set(label.name, label.id);
  }
  const writeRun: WriteRun = {
    context,
    state,
    repository: `${context.owner}/${context.repo}`,
    outcomes,
    retry,
    temporaries,
    labelIds,
    done: [],
    merging: new Set(),
    closing: [],
    opened: [],
  };

  // 2. Document 2.
  const second = secondDocumentSteps(writeRun, writes, firstResult, first.temporaryNames);
  const places = await placeMessages(writeRun, second);
  const secondResult = second.length > 0 ? await run(context, second) : undefined;
  for (const [index, name] of first.temporaryNames) {
    if (secondResult && secondResult.data?.[stepAlias(index, "tmp")] && failuresOf(secondResult, stepAlias(index, "tmp")).length === 0) temporaries.delete(name);
  }

  // 3. Document 3.
  const { third, written } = thirdDocumentSteps(writeRun, secondResult);
  const thirdResult = third.length > 0 ? await run(context, third) : undefined;

  // 4. Outcomes.
  settleOutcomes(writeRun, written, [secondResult, thirdResult].filter((result): result is GraphqlResult<Data> => result !== undefined), places, secondResult);
}

/** New PRs' Slack messages are posted now, and their place goes into the PR with document 2: no write of its own. */
async function placeMessages(writeRun: WriteRun, second: WriteStep[]): Promise<Map<number, MessagePlace>> {
  const places = await announce(writeRun.context, writeRun.opened);
  for (const { index, write, pullRequest } of writeRun.opened) {
    const place = places.get(index);
    if (!place || write.plan.action !== "open") continue;
    const body = withMetadata(write.plan.body, { ...write.plan.metadata, slack: place });
    // Before the merge, so the pinned PR's metadata says where its message is.
    const at = second.findIndex((step) => step.alias === stepAlias(index, "merge"));
    const step: WriteStep = { kind: "updatePullRequest", alias: stepAlias(index, "place"), pullRequestId: pullRequest.id, body };
    if (at === -1) second.push(step);
    else second.splice(at, 0, step);
  }
  return places;
}

/**
 * Document 3: only a PR that is still open on its moved branch is rewritten,
 * commented and pinned; the others are planned again. Closes are settled here.
 */
function thirdDocumentSteps(writeRun: WriteRun, secondResult: GraphqlResult<Data> | undefined): { third: WriteStep[]; written: Written[] } {
  const { context, retry, merging } = writeRun;
  const third: WriteStep[] = [];
  const written = writeRun.done.filter(({ index, write }) => {
    if (write.plan.action !== "supersede") return true;
    const moveFailed = !secondResult || failuresOf(secondResult, stepAlias(index, "move")).length > 0;
    const pullRequestState = secondResult?.data?.[stepAlias(index, "labels")]?.labelable?.state;
    if (moveFailed || pullRequestState !== "OPEN") {
      retry.add(write.environment.read.proposalRef);
      if (!moveFailed) context.log.warn({ environment: write.environment.read.name, state: pullRequestState }, "proposal closed or merged while superseding; planning again");
      return false;
    }
    return true;
  });
  for (const { index, write, pullRequest, headOid } of written) {
    if (write.plan.action !== "supersede") continue;
    const previous = write.environment.snapshot.openProposal?.metadata;
    third.push(...rewriteSteps(index, pullRequest.id, write.plan.title, write.plan.body, supersededComment(previous, write.build)));
    if (write.plan.autoPin) {
      third.push(mergeStepOf(writeRun, index, write, pullRequest.id, headOid));
      merging.add(index);
    }
  }
  for (const { index, write, pullRequest } of writeRun.closing) {
    const failure = secondResult ? failuresOf(secondResult, stepAlias(index, "close")) : [];
    if (failure.length > 0) lost(writeRun, index, write, failure.map((entry) => entry.message).join("; "));
    else if (write.plan.action === "close") writeRun.outcomes.set(write.environment.read.proposalRef, { repository: writeRun.repository, environment: write.environment.read.name, action: "closed", detail: write.plan.detail, pullRequest: { number: pullRequest.number, url: pullRequest.url } });
  }
  return { third, written };
}

/** Each written proposal's outcome and events, from what documents 2 and 3 answered. */
function settleOutcomes(writeRun: WriteRun, written: readonly Written[], results: readonly GraphqlResult<Data>[], places: ReadonlyMap<number, MessagePlace>, secondResult: GraphqlResult<Data> | undefined): void {
  const { context, retry, merging } = writeRun;
  const failed = (name: string) => results.flatMap((result) => failuresOf(result, name));
  for (const { index, write, pullRequest, headOid } of written) {
    const name = write.environment.read.name;
    for (const failure of ["labels", "tmp", "pr", "comment"].flatMap((step) => failed(stepAlias(index, step)))) {
      context.log.warn({ environment: name, step: failure.path[0], message: failure.message }, "proposal step failed");
    }
    const mergeFailure = failed(stepAlias(index, "merge"));
    // The base moved under an automatic pin (GitHub: not mergeable, or the head moved): planned again from a fresh read.
    const racedPin = isMergeRace(mergeFailure);
    if (racedPin) retry.add(write.environment.read.proposalRef);
    const pinned = merging.has(index) && mergeFailure.length === 0 && mergedIn(results, stepAlias(index, "merge"));
    const plan = write.plan;
    if (plan.action === "close") continue;
    if (merging.has(index) && !pinned) {
      context.log.warn({ environment: name, pullRequest: pullRequest.url, reason: mergeFailure.map((failure) => failure.message).join("; ") }, "automatic pin refused by GitHub");
    }
    if (racedPin && plan.action === "finish") continue;
    const action = plan.action === "open" ? "opened" : plan.action === "supersede" ? "superseded" : "finished";
    const detail = pinned ? "pinned automatically" : plan.action === "finish" ? (plan.pin ? `${plan.detail}; the automatic pin was refused` : plan.detail) : plan.heldBecause ? `not pinned automatically: ${plan.heldBecause}` : `${action} for review`;
    writeRun.outcomes.set(write.environment.read.proposalRef, { repository: writeRun.repository, environment: name, action, detail, pullRequest: { number: pullRequest.number, url: pullRequest.url }, pinned });
    // A PR opened without its labels (a racing writer created them first) is finished from a fresh read.
    if (plan.action === "open" && labelStepOf(writeRun, index, write, pullRequest.id) === undefined) retry.add(write.environment.read.proposalRef);
    const place = places.get(index);
    const placed = place && secondResult && failuresOf(secondResult, stepAlias(index, "place")).length === 0 ? place : undefined;
    emitProposalEvents(context, write, { ...pullRequest, headOid }, pinned, placed);
  }
}

function mergedIn(results: readonly GraphqlResult<Data>[], name: string): boolean {
  return results.some((result) => result.data?.[name]?.pullRequest !== undefined && result.data[name] !== null);
}

async function run(context: ProposeContext, steps: readonly WriteStep[]): Promise<GraphqlResult<Data>> {
  const document = mutationDocument(steps);
  return runGraphql<Data>(context.client, document.query, document.variables);
}

/** Best effort: temporary branches a document that threw (or was cut off) may have left. What fails here, the sweep removes. */
async function removeTemporaries(context: ProposeContext, state: RepositoryState, temporaries: ReadonlySet<string>): Promise<void> {
  if (temporaries.size === 0) return;
  const steps: WriteStep[] = [...temporaries].map((name, index) => ({ kind: "moveRef", alias: `tmp${index}`, repositoryId: state.repositoryId, name: `refs/heads/${name}`, afterOid: ZERO_OID }));
  try {
    await run(context, steps);
  } catch (error) {
    context.log.warn({ err: error, branches: [...temporaries] }, "temporary branches not removed; the next sweep removes them");
  }
}
