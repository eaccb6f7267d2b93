import { trailerPerson } from "../proposals/trailers.js";
import type { Logger } from "pino";
import type { BenderConfig } from "../config/schema.js";
import { approvalTrailers, buildAuthorFor, dueActions, parseFreezes, releasePolicyFor, shownAt, tallyApprovals, withoutExpiredFreezes } from "../policy/index.js";
import type { DueAction, FreezesFile, ReleasePolicy, Shown, SweepInput, SweepProposal } from "../policy/index.js";
import { writeFreezesFile } from "./freezes-file.js";
import type { FreezesRead } from "./freezes-file.js";
import type { InstallationClient } from "./manifest-repositories.js";
import { enableAutoMerge, mergePullRequest } from "./pull-request-ops.js";
import { readSweepState } from "./read-sweep-state.js";
import type { SweepState, SweptProposal } from "./read-sweep-state.js";
import type { BenderServices } from "./services.js";

/**
 * What a replica remembers of its previous sweep of a repository: what each
 * manual proposal's message says about Pin, and the automatic pins it asked
 * the queue for (`number@head`), which are asked once: the queue retries a
 * sweep that failed, and a planner that declined (a hold, a conflict) will
 * decline again for the same head.
 */
export interface SweepMemory {
  readonly shown: ReadonlyMap<number, Shown>;
  readonly pinsAsked: ReadonlySet<string>;
}

/** What one policy sweep of a repository did, for logs and tests. */
export interface PolicySweepResult {
  /** Branches whose ended freezes were removed (one compare-and-swap commit each), or why not. */
  readonly thawed: readonly { readonly branch: string; readonly environments: readonly string[]; readonly committed: boolean; readonly detail?: string }[];
  /** Whether the repository's sweep was asked of the queue: automatic pins that waited are due (and were not asked before). */
  readonly automaticPins: boolean;
  /** Proposals whose approvals were complete and that were merged now (or why not). */
  readonly approvedPins: readonly { readonly number: number; readonly merged: boolean; readonly detail?: string }[];
  /** Proposals whose message was redrawn (Pin opened or closed, approvals changed). */
  readonly redrawn: readonly number[];
  /** What the next sweep is given. */
  readonly memory: SweepMemory;
  /** When something becomes due by the clock alone. */
  readonly nextDueAt: number | undefined;
}

/**
 * The periodic sweep of one manifest repository (issue 13, "everything runs
 * on a clock"): one read (`readSweepState`), the pure `dueActions`, then the
 * actions, each a compare-and-swap so two replicas sweeping at once do each
 * thing once:
 *
 * 1. thaw: the ended freezes leave their branch's freezes file, one commit
 *    with `expectedHeadOid` per file; a branch that moved is left to the next sweep;
 * 2. automatic pins: the repository's sweep is queued (`requestSweep`): the
 *    planner re-proposes the environments that pin automatically and pins what
 *    the gate now lets through, in the repository's queue line; once per
 *    proposal head (`SweepMemory.pinsAsked`);
 * 3. approved pins: merged with `expectedHeadOid` and `Approved-by:` trailers
 *    (checks pending: GitHub's auto-merge armed with them, as Pin does);
 * 4. redraws: a `proposal.pin-gate` event per proposal whose Pin opened or
 *    closed since its message was drawn (`previous.shown`: what the caller
 *    remembers of the previous sweep; undefined on the first sweep after a
 *    start, which only records).
 *
 * Undefined when the repository has no valid config, or its config changed
 * since it was cached (the next sweep uses the new one).
 */
export async function sweepPolicy(
  services: BenderServices,
  client: InstallationClient,
  repository: string,
  previous: SweepMemory | undefined,
  log: Logger,
): Promise<PolicySweepResult | undefined> {
  const lookup = await services.configs.load(client, repository, log);
  if (lookup.kind !== "config") return undefined;
  const state = await readSweepState(client, repository, lookup.config);
  if (state.configOid !== lookup.oid) {
    services.configs.expire(repository);
    log.info({ repository }, "config changed since cached; the next policy sweep reads it");
    return undefined;
  }
  const now = (services.now ?? Date.now)();
  const input = sweepInput(lookup.config, state, previous?.shown, now);
  const plan = dueActions(input);
  const actions = plan.actions;

  const thawed = await thaw(client, state, actions.filter((action) => action.kind === "thaw"), now);
  const pinsDue = new Set(actions.flatMap((action) => (action.kind === "pin" && action.why === "automatic" ? [`${action.proposal}@${action.build}`] : [])));
  const automaticPins = [...pinsDue].some((pin) => !previous?.pinsAsked.has(pin));
  if (automaticPins) services.queue.requestSweep(repository, client);
  const approvedPins: { number: number; merged: boolean; detail?: string }[] = [];
  for (const action of actions) {
    if (action.kind !== "pin" || action.why !== "approved") continue;
    const policy = input.policies.find((candidate) => candidate.environment === action.environment);
    const proposal = state.proposals.find((candidate) => candidate.pullRequest.number === action.proposal);
    // GitHub's auto-merge armed (a Pin or an earlier sweep while checks were pending) merges it: nothing to do, nothing to log.
    if (proposal?.autoMergeArmed) continue;
    if (policy && proposal) approvedPins.push(await mergeApproved(services, client, repository, lookup.config, policy, proposal, now));
  }
  const redrawn: number[] = [];
  for (const action of actions) {
    if (action.kind !== "redraw") continue;
    const proposal = state.proposals.find((candidate) => candidate.pullRequest.number === action.proposal);
    if (!proposal) continue;
    services.events.emit({
      type: "proposal.pin-gate",
      repository,
      environment: action.environment,
      pullRequest: proposal.pullRequest,
      metadata: proposal.metadata,
      why: action.why,
      pinOpen: action.gate.allowed,
      closed: action.gate.allowed ? undefined : action.gate.message,
      approvals: proposal.approvals,
    });
    redrawn.push(action.proposal);
  }
  return { thawed, automaticPins, approvedPins, redrawn, memory: { shown: shownAt(input), pinsAsked: pinsDue }, nextDueAt: plan.nextDueAt };
}

/**
 * The build's author as a Slack user (approvals are by Slack users; the build names a GitHub login), through the
 * config's `githubLogins`, as Pin maps it; undefined when the login is not mapped (clicks refuse those already).
 */
function authorOf(config: BenderConfig, proposal: SweptProposal): string | undefined {
  return buildAuthorFor(proposal.metadata.source?.author, config.githubLogins, "").author;
}

/** dueActions' input from the read: every environment's policy and freezes file, and the open proposals with what their messages showed. */
function sweepInput(config: BenderConfig, state: SweepState, shown: ReadonlyMap<number, Shown> | undefined, now: number): SweepInput {
  const { environments } = config;
  const policies = Object.keys(environments).flatMap((name) => releasePolicyFor({ environments }, name) ?? []);
  const freezes: Record<string, FreezesFile> = {};
  for (const [environment, read] of state.freezes) freezes[environment] = parseFreezes(read.text);
  const proposals = state.proposals.map((proposal): SweepProposal => ({
    number: proposal.pullRequest.number,
    environment: proposal.metadata.environment,
    build: proposal.pullRequest.headOid,
    author: authorOf(config, proposal),
    approvals: proposal.approvals,
    shown: shown?.get(proposal.pullRequest.number),
  }));
  return { now, policies, proposals, freezes };
}

/** One compare-and-swap commit per freezes file (environments sharing a branch share it). */
async function thaw(client: InstallationClient, state: SweepState, thaws: readonly Extract<DueAction, { kind: "thaw" }>[], now: number): Promise<PolicySweepResult["thawed"]> {
  const byBranch = new Map<string, { read: FreezesRead; environments: string[] }>();
  for (const action of thaws) {
    const read = state.freezes.get(action.environment);
    if (!read) continue;
    const entry = byBranch.get(read.branch) ?? { read, environments: [] };
    entry.environments.push(action.environment);
    byBranch.set(read.branch, entry);
  }
  const results: { branch: string; environments: string[]; committed: boolean; detail?: string }[] = [];
  for (const [branch, { read, environments }] of byBranch) {
    const contents = withoutExpiredFreezes(read.text, environments, now);
    if (contents === undefined) continue;
    const written = await writeFreezesFile(client, read, contents, {
      headline: `Thaw ${environments.join(", ")}: the freeze ended`,
      body: `Removed by Bender's policy sweep: the freeze's end (until) had passed.\n\nThawed-by: Bender (timed)`,
    });
    results.push(written.ok ? { branch, environments, committed: true } : { branch, environments, committed: false, detail: written.moved ? "the branch moved; the next sweep reads it again" : written.message });
  }
  return results;
}

/**
 * Merges a proposal whose approvals are complete (a merge that waited for the
 * gate), exactly the head the approvals were for, as Pin's Nth approval does:
 * where GitHub refuses only for pending checks, its auto-merge is armed with
 * the same trailers; one already armed (by that Pin) is left to GitHub.
 */
async function mergeApproved(
  services: BenderServices,
  client: InstallationClient,
  repository: string,
  config: BenderConfig,
  policy: ReleasePolicy,
  proposal: SweptProposal,
  now: number,
): Promise<{ number: number; merged: boolean; detail?: string }> {
  const { pullRequest, metadata } = proposal;
  const tally = tallyApprovals(policy, now, proposal.approvals, { id: pullRequest.headOid, author: authorOf(config, proposal) });
  const method = config.mergeMethod;
  const commit = { headline: `Pin ${metadata.reference} to ${metadata.environment}`, body: approvalTrailers(tally, trailerPerson).join("\n") };
  const merged = await mergePullRequest(client, { pullRequestId: pullRequest.id, expectedHeadOid: pullRequest.headOid, method, ...commit });
  if (!merged.ok) {
    if (merged.refusal !== "checks-pending") return { number: pullRequest.number, merged: false, detail: merged.message };
    const auto = await enableAutoMerge(client, { pullRequestId: pullRequest.id, expectedHeadOid: pullRequest.headOid, method, ...commit });
    return { number: pullRequest.number, merged: false, detail: auto.ok ? `${merged.message}: GitHub's auto-merge is armed with the approvers' trailers` : `${merged.message}; auto-merge not armed: ${auto.message}` };
  }
  services.events.emit({ type: "proposal.pinned", repository, environment: metadata.environment, pullRequest, metadata, by: "bender", via: "automatic", approvers: tally.counted.map((approval) => approval.by) });
  return { number: pullRequest.number, merged: true };
}
