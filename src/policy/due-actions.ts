import { tallyApprovals } from "./approvals.js";
import type { Approval } from "./approvals.js";
import { canPinNow } from "./can-pin.js";
import type { PinGate } from "./can-pin.js";
import { expiredFreezes } from "./freezes.js";
import type { Freeze, FreezesFile } from "./freezes.js";
import type { ReleasePolicy } from "./release-policy.js";

/**
 * An open proposal as the sweep reads it from git (the PR and its metadata).
 * `shown` is what its message last said, as recorded with the message
 * (undefined when nothing was recorded): whether Pin was open, and how many
 * approvals counted.
 */
export interface SweepProposal {
  readonly number: number;
  readonly environment: string;
  /** The build the proposal holds now (its head commit). */
  readonly build: string;
  readonly author?: string | undefined;
  readonly approvals?: readonly Approval[] | undefined;
  readonly shown?: Shown | undefined;
}

/** What a manual proposal's message says about Pin: open or closed, and how many approvals counted. */
export interface Shown {
  readonly pinOpen: boolean;
  readonly approvals: number;
}

export type DueAction =
  /** Remove these expired freezes from the environment's freezes file (one compare-and-swap commit per file). */
  | { readonly kind: "thaw"; readonly environment: string; readonly freezes: readonly Freeze[] }
  /** Merge this proposal now: its environment pins automatically, or its approvals are complete, and the gate is open. */
  | { readonly kind: "pin"; readonly environment: string; readonly proposal: number; readonly build: string; readonly why: "automatic" | "approved" }
  /** Redraw this proposal's message: Pin opened or closed, or approvals expired (fewer count than it shows), since it was drawn. */
  | { readonly kind: "redraw"; readonly environment: string; readonly proposal: number; readonly gate: PinGate; readonly why: "pin-opened" | "pin-closed" | "approvals-changed" };

export interface SweepInput {
  readonly now: number;
  readonly policies: readonly ReleasePolicy[];
  readonly proposals: readonly SweepProposal[];
  /** Each environment's freezes file as read from its branch; a missing entry means no file. */
  readonly freezes: Readonly<Record<string, FreezesFile>>;
}

export interface SweepPlan {
  readonly actions: readonly DueAction[];
  /** The next instant something becomes due by the clock alone (a freeze ends or starts, a window opens or closes, an approval expires). */
  readonly nextDueAt: number | undefined;
}

const NO_FREEZES: FreezesFile = { ok: true, freezes: [] };

/**
 * What the periodic sweep must do at `now`, from git alone: thaw freezes
 * whose end has passed, pin what waited (automatic environments whose gate
 * is open; proposals whose approvals are complete), and redraw messages whose
 * Pin state or approval count changed. Pure and idempotent: the same input
 * gives the same actions, and once they are done the next sweep finds
 * nothing. Proposals of environments without a policy are left alone.
 */
export function dueActions(input: SweepInput): SweepPlan {
  const { now } = input;
  const actions: DueAction[] = [];
  const changes: number[] = [];
  const policies = new Map(input.policies.map((policy) => [policy.environment, policy]));

  // 1. Thaws: expired freezes leave the file (canPinNow already ignores them). One gate per environment.
  const gates = new Map<string, PinGate>();
  for (const policy of input.policies) {
    const file = input.freezes[policy.environment] ?? NO_FREEZES;
    const expired = expiredFreezes(file, now).filter((freeze) => freeze.environment === policy.environment);
    if (expired.length > 0) actions.push({ kind: "thaw", environment: policy.environment, freezes: expired });
    const gate = canPinNow(policy, now, file);
    gates.set(policy.environment, gate);
    changes.push(...upcoming(policy, file, gate));
  }

  // 2. Each proposal: pin what may land, or redraw what changed.
  for (const proposal of input.proposals) {
    const policy = policies.get(proposal.environment);
    const gate = gates.get(proposal.environment);
    if (policy === undefined || gate === undefined) continue;
    const tally = tallyApprovals(policy, now, proposal.approvals ?? [], { id: proposal.build, author: proposal.author });
    if (tally.changesAt !== undefined) changes.push(tally.changesAt);
    if (gate.allowed && (policy.autoPin || tally.complete)) {
      actions.push({ kind: "pin", environment: policy.environment, proposal: proposal.number, build: proposal.build, why: policy.autoPin ? "automatic" : "approved" });
      continue;
    }
    if (policy.autoPin || proposal.shown === undefined) continue;
    if (proposal.shown.pinOpen !== gate.allowed) {
      actions.push({ kind: "redraw", environment: policy.environment, proposal: proposal.number, gate, why: gate.allowed ? "pin-opened" : "pin-closed" });
    } else if (Math.min(tally.counted.length, tally.needed) < proposal.shown.approvals) {
      // Fewer count than the message shows: one expired. (More: a click recorded it, and drew it then.)
      actions.push({ kind: "redraw", environment: policy.environment, proposal: proposal.number, gate, why: "approvals-changed" });
    }
  }

  const future = changes.filter((instant) => instant > now);
  return { actions, nextDueAt: future.length === 0 ? undefined : Math.min(...future) };
}

/**
 * What each manual proposal's message says once the sweep's redraws are
 * done (Pin open or closed at `now`, the approvals counted), by proposal
 * number: the caller keeps it as the next sweep's `shown`. Automatic
 * environments and proposals without a policy have no entry (dueActions
 * never redraws them).
 */
export function shownAt(input: SweepInput): ReadonlyMap<number, Shown> {
  const shown = new Map<number, Shown>();
  const policies = new Map(input.policies.map((policy) => [policy.environment, policy]));
  const gates = new Map<string, boolean>();
  for (const proposal of input.proposals) {
    const policy = policies.get(proposal.environment);
    if (policy === undefined || policy.autoPin) continue;
    let pinOpen = gates.get(policy.environment);
    if (pinOpen === undefined) {
      pinOpen = canPinNow(policy, input.now, input.freezes[policy.environment] ?? NO_FREEZES).allowed;
      gates.set(policy.environment, pinOpen);
    }
    const tally = tallyApprovals(policy, input.now, proposal.approvals ?? [], { id: proposal.build, author: proposal.author });
    shown.set(proposal.number, { pinOpen, approvals: Math.min(tally.counted.length, tally.needed) });
  }
  return shown;
}

/** The instants when this environment's gate may change by itself: a freeze starting or ending, the window closing or opening. */
function upcoming(policy: ReleasePolicy, file: FreezesFile, gate: PinGate): number[] {
  const instants: number[] = [];
  if (file.ok) {
    for (const freeze of file.freezes) {
      if (freeze.environment !== policy.environment) continue;
      instants.push(Date.parse(freeze.since));
      if (freeze.until !== undefined) instants.push(Date.parse(freeze.until));
    }
  }
  const windowChange = gate.allowed ? gate.closesAt : gate.reason === "outside-window" || gate.reason === "blackout" ? gate.pinnableAt : undefined;
  if (windowChange !== undefined) instants.push(windowChange);
  return instants;
}
