import { hasAllLabels } from "../proposals/labels.js";
import { failuresOf } from "./graphql-client.js";
import type { GraphqlResult } from "./graphql-client.js";
import { closeSteps, deleteTemporaryStep, moveRefStep, scrubAndCloseSteps } from "./proposal-steps.js";
import type { WritePlan } from "./proposal-steps.js";
import { ZERO_OID, stepAlias } from "./write-documents.js";
import type { WriteStep } from "./write-documents.js";
import { labelStepOf, lost, mergeStepOf } from "./write-run.js";
import type { Data, WriteRun } from "./write-run.js";

/** The body of a PR opened on another writer's commit in a race, closed in the same breath. */
const RACED_BODY = "Opened by Bender while another writer changed this branch, and closed at once: this build is proposed again from a fresh read.";

/** Document 2's steps, from document 1's answer; records what went through in `writeRun`. */
export function secondDocumentSteps(writeRun: WriteRun, writes: readonly WritePlan[], firstResult: GraphqlResult<Data>, temporaryNames: ReadonlyMap<number, string>): WriteStep[] {
  const { state, retry, temporaries, done, merging, closing, opened } = writeRun;
  const second: WriteStep[] = [];
  for (const [index, write] of writes.entries()) {
    const { environment, plan } = write;
    if (plan.action === "close") {
      const open = environment.openPullRequest;
      if (!open) continue;
      second.push(...closeSteps(index, open.id, plan.comment));
      closing.push({ index, write, pullRequest: { id: open.id, number: open.number, url: open.url }, headOid: open.headRefOid });
      continue;
    }
    if (plan.action === "finish") {
      const open = environment.openPullRequest;
      if (!open) continue;
      const labels = hasAllLabels(environment.read.name, open.labels) ? undefined : labelStepOf(writeRun, index, write, open.id);
      if (labels) second.push(labels);
      if (plan.pin) {
        second.push(mergeStepOf(writeRun, index, write, open.id, open.headRefOid));
        merging.add(index);
      }
      done.push({ index, write, pullRequest: { id: open.id, number: open.number, url: open.url }, headOid: open.headRefOid });
      continue;
    }
    const steps = plan.action === "open" ? ["ref", "commit", "pr"] : ["tmpref", "commit"];
    const failures = steps.flatMap((step) => failuresOf(firstResult, stepAlias(index, step)));
    const commit = firstResult.data?.[stepAlias(index, "commit")]?.commit;
    const pullRequest = firstResult.data?.[stepAlias(index, "pr")]?.pullRequest;
    if (plan.action === "open") {
      const branchSet = firstResult.data?.[stepAlias(index, "ref")] !== null && failuresOf(firstResult, stepAlias(index, "ref")).length === 0;
      const headIsOurs = pullRequest !== undefined && commit !== undefined && pullRequest.headRefOid === commit.oid;
      if (failures.length > 0 || !commit || !pullRequest || !headIsOurs) {
        if (pullRequest && !headIsOurs) {
          // The document went on after the branch or commit failed, and GitHub opened a PR on another writer's
          // commit: it is closed at once, its metadata removed first so it never reads as a dismissal of this build.
          second.push(...scrubAndCloseSteps(index, pullRequest.id, RACED_BODY));
        }
        // A branch this writer set, left without its PR, is removed (only if it is still as this writer left it).
        if (branchSet && !pullRequest) {
          second.push(moveRefStep(index, "cleanup", state, environment.read.proposalRef, commit?.oid ?? environment.baseOid, ZERO_OID));
        }
        const message = failures.map((failure) => failure.message).join("; ") || "the proposal branch moved under the new pull request (another writer)";
        lost(writeRun, index, write, message, failures.length === 0);
        continue;
      }
      const labels = labelStepOf(writeRun, index, write, pullRequest.id);
      if (labels) second.push(labels);
      opened.push({ index, write, pullRequest, headOid: commit.oid });
      if (plan.autoPin) {
        second.push(mergeStepOf(writeRun, index, write, pullRequest.id, commit.oid));
        merging.add(index);
      }
      done.push({ index, write, pullRequest, headOid: commit.oid });
      continue;
    }
    const temporary = temporaryNames.get(index);
    const open = environment.openPullRequest;
    if (failures.length > 0 || !commit || !open || !environment.proposal?.target) {
      if (temporary && temporaries.has(temporary)) second.push(deleteTemporaryStep(index, state, temporary));
      lost(writeRun, index, write, failures.map((failure) => failure.message).join("; ") || "GitHub returned no commit");
      continue;
    }
    // Re-adding the labels reads back the PR's state in the same document; without them (labels created by a racing
    // writer since the read) the state cannot be read back, so nothing is moved and the proposal is planned again.
    const labels = labelStepOf(writeRun, index, write, open.id);
    if (!labels) {
      if (temporary) second.push(deleteTemporaryStep(index, state, temporary));
      retry.add(environment.read.proposalRef);
      continue;
    }
    // Compare-and-swap: a branch another writer moved since the read is not overwritten.
    second.push(moveRefStep(index, "move", state, environment.read.proposalRef, environment.proposal.target.oid, commit.oid));
    if (temporary) second.push(deleteTemporaryStep(index, state, temporary));
    // Read back whether the PR is still open (merged or closed under this writer?), re-adding its labels in passing.
    second.push(labels);
    done.push({ index, write, pullRequest: { id: open.id, number: open.number, url: open.url }, headOid: commit.oid });
  }
  return second;
}

