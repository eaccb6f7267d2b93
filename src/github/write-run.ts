/**
 * What one writeProposals call shares across its three documents (write-proposals.ts, second-document.ts):
 * the run's state, the answer's shape, and the steps and failure rule every document uses.
 */
import type { ProposalOutcome, ProposeContext } from "./propose-context.js";
import type { RepositoryState } from "./read-repository-state.js";
import { isLostRace } from "./github-error.js";
import { labelStep as proposalLabelStep, mergeStep as proposalMergeStep } from "./proposal-steps.js";
import type { WritePlan } from "./proposal-steps.js";
import type { WriteStep } from "./write-documents.js";

/** What a proposal write document answers, by alias. */
export type Data = Record<string, { commit?: { oid: string }; pullRequest?: { id: string; number: number; url: string; state?: string; headRefOid?: string }; ref?: { id: string }; label?: { id: string; name: string }; labelable?: { state?: string } } | null>;

/** A proposal whose writes went through: its PR, the head it now has, and whether it was pinned. */
export interface Written {
  readonly index: number;
  readonly write: WritePlan;
  readonly pullRequest: { id: string; number: number; url: string };
  readonly headOid: string;
}

/** One writeProposals call: what it was given, and what it learns as its documents come back. */
export interface WriteRun {
  readonly context: ProposeContext;
  readonly state: RepositoryState;
  readonly repository: string;
  readonly outcomes: Map<string, ProposalOutcome>;
  readonly retry: Set<string>;
  /** Temporary branches that exist now (removed in `finally`, whatever happens). */
  readonly temporaries: Set<string>;
  /** Label IDs: those read, and those document 1 created. */
  readonly labelIds: Map<string, string>;
  /** Proposals whose writes went through so far, and which of them are pinned automatically. */
  readonly done: Written[];
  readonly merging: Set<number>;
  readonly closing: Written[];
  /** New PRs, whose Slack messages are announced before document 2. */
  readonly opened: Written[];
}

/** The step that labels a proposal's PR, or undefined when a label has no ID yet (a racing writer created it). */
export function labelStepOf(writeRun: WriteRun, index: number, write: WritePlan, pullRequestId: string): WriteStep | undefined {
  return proposalLabelStep(index, write.environment.read.name, writeRun.labelIds, pullRequestId);
}

/** The automatic pin of a proposal's PR, only at the head this writer made or read. */
export function mergeStepOf(writeRun: WriteRun, index: number, write: WritePlan, pullRequestId: string, headOid: string): WriteStep {
  return proposalMergeStep(index, pullRequestId, headOid, writeRun.context.config.mergeMethod, write.plan.title);
}

/** A write that did not go through: planned again when another writer got there first, else reported as failed. */
export function lost(writeRun: WriteRun, index: number, write: WritePlan, message: string, raced = false): void {
  const name = write.environment.read.name;
  if (raced || isLostRace(message)) writeRun.retry.add(write.environment.read.proposalRef);
  else writeRun.outcomes.set(write.environment.read.proposalRef, { repository: writeRun.repository, environment: name, action: "failed", detail: message });
  writeRun.context.log.warn({ environment: name, failures: message, step: index }, "proposal write failed");
}

