import type { People, ReleasePolicy } from "./release-policy.js";

/**
 * One Pin click by an approver, as recorded (a PR comment per approval keeps
 * the audit trail in GitHub). `build` names what was approved: the head
 * commit the button was drawn for, so a superseding build resets approvals.
 */
export interface Approval {
  readonly by: string;
  /** ms since the epoch. */
  readonly at: number;
  readonly build: string;
}

/**
 * The build being approved. `author` is the build's author in the same
 * namespace as `Approval.by` (the caller maps, e.g., a Slack user to the
 * commit author); undefined when the build names none.
 */
export interface ApprovedBuild {
  readonly id: string;
  readonly author?: string | undefined;
  /**
   * The build names an author (this login) whom the clicker cannot be told
   * apart from (see `buildAuthorFor`): without `allowSelfApproval`, the
   * click is refused rather than risk a self-approval.
   */
  readonly unmappedAuthor?: string | undefined;
}

/**
 * The build's author as `decideApproval` needs it, from the GitHub login the
 * build names, the config's Slack user → GitHub login map, and the Slack user
 * who clicked. Explicit only, never guessed from names: the author is a
 * Slack user when the map names one for the login; when it names none, the
 * clicker is known not to be the author only if the map gives the clicker
 * another login; otherwise the author is `unmappedAuthor`.
 */
export function buildAuthorFor(login: string | undefined, githubLogins: Readonly<Record<string, string>> | undefined, clicker: string): Pick<ApprovedBuild, "author" | "unmappedAuthor"> {
  if (login === undefined || login === "") return {};
  const same = (other: string) => other.toLowerCase() === login.toLowerCase();
  const entries = Object.entries(githubLogins ?? {});
  const mapped = entries.filter(([, other]) => same(other)).map(([slackUser]) => slackUser);
  if (mapped.includes(clicker)) return { author: clicker };
  if (mapped.length > 0) return { author: mapped[0] };
  if (entries.some(([slackUser]) => slackUser === clicker)) return {};
  return { unmappedAuthor: login };
}

export type IgnoredWhy = "expired" | "superseded" | "self-approval" | "repeat";

export interface ApprovalTally {
  readonly needed: number;
  /** One approval per person (their latest that counts), oldest first. */
  readonly counted: readonly Approval[];
  readonly ignored: readonly { readonly approval: Approval; readonly why: IgnoredWhy }[];
  readonly complete: boolean;
  /** When the first counted approval expires (the tally changes then), if approvals expire. */
  readonly changesAt: number | undefined;
}

/**
 * Counts the approvals of `build` at `now`: distinct people only, dropping
 * approvals of another build (superseded), older than the expiry, and the
 * author's own unless the policy allows self-approval.
 */
export function tallyApprovals(policy: Pick<ReleasePolicy, "approvals" | "approvalsExpireAfterMs" | "allowSelfApproval">, now: number, approvals: readonly Approval[], build: ApprovedBuild): ApprovalTally {
  const ignored: { approval: Approval; why: IgnoredWhy }[] = [];
  const latest = new Map<string, Approval>();
  for (const approval of [...approvals].sort((a, b) => a.at - b.at)) {
    const why = ignoredWhy(policy, now, approval, build);
    if (why !== undefined) {
      ignored.push({ approval, why });
      continue;
    }
    const earlier = latest.get(approval.by);
    if (earlier !== undefined) ignored.push({ approval: earlier, why: "repeat" });
    latest.set(approval.by, approval);
  }
  const counted = [...latest.values()].sort((a, b) => a.at - b.at);
  const expiry = policy.approvalsExpireAfterMs;
  const changesAt = expiry === undefined || counted.length === 0 ? undefined : Math.min(...counted.map((approval) => approval.at + expiry));
  return { needed: policy.approvals, counted, ignored, complete: counted.length >= policy.approvals, changesAt };
}

export type ApprovalDecision =
  | { readonly outcome: "refused"; readonly why: "self-approval" | "author-unknown" | "already-approved" | "stale-build"; readonly message: string; readonly tally: ApprovalTally }
  | { readonly outcome: "recorded"; readonly tally: ApprovalTally; readonly message: string }
  /**
   * The Nth approval (`record`: the click's approval is to be recorded first),
   * or a click on a build whose approvals are already complete but not merged
   * (a merge GitHub refused earlier, or one in flight elsewhere): merge again.
   */
  | { readonly outcome: "merge"; readonly tally: ApprovalTally; readonly record: boolean };

/**
 * What a Pin click by `click.by` does: refused (their own build, a second
 * click while their approval still counts, a button drawn for an older
 * build), recorded (k of N), or the Nth approval: merge, with every
 * approver as a trailer. The caller has checked that the person is an
 * approver, and makes the merge a compare-and-swap, so two replicas or a
 * double click still merge once.
 */
export function decideApproval(
  policy: Pick<ReleasePolicy, "approvals" | "approvalsExpireAfterMs" | "allowSelfApproval">,
  now: number,
  existing: readonly Approval[],
  click: Approval,
  build: ApprovedBuild,
): ApprovalDecision {
  const before = tallyApprovals(policy, now, existing, build);
  if (click.build !== build.id) {
    return { outcome: "refused", why: "stale-build", tally: before, message: "This button was drawn for an older build; a newer build replaced it and its approvals start again." };
  }
  if (!policy.allowSelfApproval && build.author !== undefined && click.by === build.author) {
    return { outcome: "refused", why: "self-approval", tally: before, message: "You built this: someone else must approve it." };
  }
  if (!policy.allowSelfApproval && build.author === undefined && build.unmappedAuthor !== undefined) {
    return {
      outcome: "refused",
      why: "author-unknown",
      tally: before,
      message: `This build names ${build.unmappedAuthor} (GitHub) as its author, and the config does not say who that is in Slack, so Bender cannot tell whether you built it.`,
    };
  }
  if (before.complete) return { outcome: "merge", tally: before, record: false };
  if (before.counted.some((approval) => approval.by === click.by)) {
    return { outcome: "refused", why: "already-approved", tally: before, message: `You already approved this build (${renderTally(before)}); another approver must press Pin.` };
  }
  const after = tallyApprovals(policy, now, [...existing, click], build);
  if (after.complete) return { outcome: "merge", tally: after, record: true };
  return { outcome: "recorded", tally: after, message: renderTally(after) };
}

/** "1 of 2: U012ABCDEF" — `mention` turns a person into the channel's form (e.g. `<@U012ABCDEF>` in Slack). */
export function renderTally(tally: ApprovalTally, mention: (by: string) => string = (by) => by): string {
  const who = tally.counted.map((approval) => mention(approval.by)).join(", ");
  return `${Math.min(tally.counted.length, tally.needed)} of ${tally.needed}${who === "" ? "" : `: ${who}`}`;
}

/** Who may still approve: "anyone" (but those counted), or the listed people and groups not yet counted. */
export function stillMayApprove(approvers: People | undefined, tally: ApprovalTally): People {
  if (approvers === undefined) return [];
  if (approvers === "anyone") return "anyone";
  return approvers.filter((id) => !tally.counted.some((approval) => approval.by === id));
}

/**
 * One `Approved-by:` trailer per counted approver, in the order they
 * approved, for the merge commit; `mention` as in `renderTally` (the Slack
 * wiring writes `<@U…> (Slack)`, as `Pinned-by:` does).
 */
export function approvalTrailers(tally: ApprovalTally, mention: (by: string) => string = (by) => by): string[] {
  return tally.counted.map((approval) => `Approved-by: ${mention(approval.by)} at ${new Date(approval.at).toISOString()}`);
}

function ignoredWhy(policy: Pick<ReleasePolicy, "approvalsExpireAfterMs" | "allowSelfApproval">, now: number, approval: Approval, build: ApprovedBuild): IgnoredWhy | undefined {
  if (approval.build !== build.id) return "superseded";
  if (!policy.allowSelfApproval && build.author !== undefined && approval.by === build.author) return "self-approval";
  if (policy.approvalsExpireAfterMs !== undefined && approval.at + policy.approvalsExpireAfterMs <= now) return "expired";
  return undefined;
}
