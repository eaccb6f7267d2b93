import { slackTrailer } from "../proposals/trailers.js";
import { FREEZES_PATH } from "../policy/index.js";
import type { PinRefusal } from "../policy/index.js";
import { enableAutoMerge, mergePullRequest, readPullRequest } from "../github/pull-request-ops.js";
import type { PullRequestState } from "../github/pull-request-ops.js";
import { changedSinceDrawn, githubRefused, pinnedLine, pinsWhenChecksPass } from "./blocks/index.js";
import { approvalPolicy, approvalProgress, approve, approvedByText, approvedLine, recordedText } from "./approval-step.js";
import type { ApprovalProgress, MessageStatus } from "./model.js";
import { alreadyDoneBy, authorizeClick, readProposal, redraw, settledStatus, tell, threadReply, viewOf } from "./proposal-actions.js";
import type { AuthorizedClick, Click, Prepared } from "./proposal-actions.js";
import { gateForPin, pinRefusedReply } from "./release-gate.js";
import type { PinOverride } from "./release-gate.js";
import type { SlackContext } from "./slack-context.js";

/**
 * Pin: merge exactly the head the message was drawn for.
 *
 * 1. Decode, authorise, read the PR with the environment's freezes file
 *    (one replica runs one pin per PR, or per approver, at a time).
 * 2. Already merged or closed: say by whom and when, redraw.
 * 3. The PR moved since the message was drawn: refuse, redraw, say so.
 * 4. The release policy (a freeze, windows, blackouts) says not now: refuse
 *    with the reason and when Pin opens again, unless an approver broke the
 *    glass (`override`, src/slack/break-glass.ts): `gateForPin`.
 * 5. An environment that needs N approvals: this click is one (recorded as
 *    a PR comment); before the Nth, redraw "k of N" and stop: `countApproval`.
 * 6. Merge with the drawn head as expected head. GitHub refusing only for
 *    pending checks turns on auto-merge ("pins when checks pass"): `mergeDrawnHead`.
 * 7. Redraw as pinned, note it in the thread: `reportPin`.
 */
export async function pin(context: SlackContext, click: Click, override?: PinOverride): Promise<void> {
  const authorized = await authorizeClick(context, click, "pin");
  if (!authorized) return;
  const { value } = authorized;
  // Concurrent clicks on one PR share one read and one merge (GitHub's side only); each click then tells its own person.
  // Where approvals count, each person's clicks share one flight: another approver's click is an approval of its own.
  // A break-glass pin (`override`, src/slack/break-glass.ts) never joins a plain Pin that the gate refuses.
  const approvals = approvalPolicy(authorized.access.config, value.environment) !== undefined;
  const key = `pin:${value.repository}#${value.number}${approvals ? `:${click.user}` : ""}${override ? ":break-glass" : ""}`;
  const { result, joined } = await context.singleFlight(key, () => mergeOnce(context, click, authorized, override));
  await reportPin(context, click, authorized, result, joined);
}

/** What one pin attempt did on GitHub's side. */
type PinOutcome =
  | { readonly kind: "not-a-proposal" }
  | { readonly kind: "settled"; readonly prepared: Prepared; readonly status: Extract<MessageStatus, { kind: "pinned" | "dismissed" }> }
  | { readonly kind: "moved"; readonly prepared: Prepared; readonly head: PullRequestState }
  | {
      readonly kind: "merged";
      readonly prepared: Prepared;
      readonly status: Extract<MessageStatus, { kind: "pinned" }>;
      readonly approvers?: readonly string[] | undefined;
      readonly brokeGlass?: string | undefined;
    }
  /** One approval of N recorded; the merge waits for the others. */
  | { readonly kind: "approved"; readonly prepared: Prepared; readonly progress: ApprovalProgress }
  | { readonly kind: "pinning"; readonly prepared: Prepared; readonly status: Extract<MessageStatus, { kind: "pinning" }> }
  | { readonly kind: "refused"; readonly message: string }
  /** The release policy says not now (a freeze, outside the windows, a blackout). */
  | { readonly kind: "gated"; readonly gate: PinRefusal }
  /** The click is not an approval that counts (their own build, already approved); `text` says why. */
  | { readonly kind: "refused-approval"; readonly text: string };

/**
 * One pin attempt on GitHub's side, in Pin's numbered steps (see `pin`).
 * A PR read before another replica merged it is caught by GitHub: the merge
 * comes back "not open".
 */
async function mergeOnce(context: SlackContext, click: Click, authorized: AuthorizedClick, override: PinOverride | undefined): Promise<PinOutcome> {
  // 1. Read the PR, with the environment's freezes file (and, where approvals count, its comments), in one query.
  const approvals = approvalPolicy(authorized.access.config, authorized.value.environment);
  const freezesAt = `${authorized.access.environment.branch ?? "HEAD"}:${FREEZES_PATH}`;
  const prepared = await readProposal(context, click, authorized, freezesAt, approvals !== undefined);
  if (!prepared) return { kind: "not-a-proposal" };
  const { value, access, pullRequest } = prepared;
  // 2. Already merged or closed; 3. moved since drawn.
  const settled = settledStatus(pullRequest);
  if (settled) return { kind: "settled", prepared, status: settled };
  if (pullRequest.headOid !== value.head) return { kind: "moved", prepared, head: pullRequest };
  // 4. The release policy's gate, before any approval is recorded; break-glass skips this step only.
  const gate = gateForPin(access.config, value.environment, context.now(), pullRequest.freezesText, click.user, override);
  if (!gate.pass) return { kind: "gated", gate: gate.refusal };
  // 5. Approvals: this click is one; before the Nth, "k of N" and stop.
  const approved = approvals === undefined ? ONE_PIN_MERGES : await countApproval(context, click, prepared, approvals);
  if (approved.kind !== "complete") return approved;
  // 6. Merge. GitHub records the App as the merger; the trailers name the person (read by /bender history), each
  // approver, and a broken glass.
  const trailers = [slackTrailer("pinned", click.user), ...approved.trailers, ...gate.trailers];
  return mergeDrawnHead(context, click, prepared, { trailers, approvers: approved.approvers, brokeGlass: gate.brokeGlass });
}

/** Approvals complete (or not counted: one Pin merges): the merge goes ahead with these trailers. */
interface Approved {
  readonly kind: "complete";
  readonly trailers: readonly string[];
  /** Undefined where approvals are not counted. */
  readonly approvers: readonly string[] | undefined;
}

const ONE_PIN_MERGES: Approved = { kind: "complete", trailers: [], approvers: undefined };

/** Step 5 where N approvals are needed: record this click's approval (src/slack/approval-step.ts); complete, or the outcome that ends the pin. */
async function countApproval(context: SlackContext, click: Click, prepared: Prepared, policy: NonNullable<ReturnType<typeof approvalPolicy>>): Promise<Approved | PinOutcome> {
  const step = await approve({
    client: prepared.access.client,
    policy,
    config: prepared.access.config,
    pullRequest: prepared.pullRequest,
    authorLogin: prepared.metadata.source?.author,
    user: click.user,
    now: context.now().getTime(),
  });
  switch (step.kind) {
    case "refused":
      return { kind: "refused-approval", text: step.text };
    case "failed":
      return { kind: "refused", message: step.message };
    case "recorded":
      return { kind: "approved", prepared, progress: step.progress };
    case "complete":
      return { kind: "complete", trailers: step.trailers, approvers: step.approvers };
  }
}

/**
 * Step 6: merges exactly the drawn head. GitHub refusing only for pending
 * checks arms its auto-merge ("pins when checks pass"), except for a
 * break-glass pin: it is for now, not for whenever checks pass during the freeze. A merge that
 * lost a race reads the PR again to say who won.
 */
async function mergeDrawnHead(
  context: SlackContext,
  click: Click,
  prepared: Prepared,
  merge: { readonly trailers: readonly string[]; readonly approvers: readonly string[] | undefined; readonly brokeGlass: string | undefined },
): Promise<PinOutcome> {
  const { value, access, pullRequest } = prepared;
  const commit = { headline: `Pin ${prepared.metadata.reference} to ${value.environment}`, body: merge.trailers.join("\n") };
  const merged = await mergePullRequest(access.client, { pullRequestId: pullRequest.id, expectedHeadOid: value.head, method: access.config.mergeMethod, ...commit });
  if (merged.ok) {
    const status = { kind: "pinned", by: click.user, via: "slack", at: context.now().toISOString() } as const;
    return { kind: "merged", prepared, status, approvers: merge.approvers, brokeGlass: merge.brokeGlass };
  }
  if (merged.refusal === "checks-pending" && merge.brokeGlass === undefined) {
    // GitHub's merge commit, when the checks pass, carries the same headline and trailers.
    const auto = await enableAutoMerge(access.client, { pullRequestId: pullRequest.id, expectedHeadOid: value.head, method: access.config.mergeMethod, ...commit });
    if (auto.ok) return { kind: "pinning", prepared, status: { kind: "pinning", by: click.user, detail: merged.message } };
  }
  if (merged.refusal === "head-moved" || merged.refusal === "not-open") {
    const now = (await readPullRequest(access.client, value.repository, value.number)) ?? pullRequest;
    const status = settledStatus(now);
    if (status) return { kind: "settled", prepared: { ...prepared, pullRequest: now }, status };
    return { kind: "moved", prepared, head: now };
  }
  return { kind: "refused", message: merged.message };
}

/** Draws the outcome into the message (once, by the click that ran it) and tells each person what happened. */
async function reportPin(
  context: SlackContext,
  click: Click,
  authorized: AuthorizedClick,
  outcome: PinOutcome,
  joined: boolean,
): Promise<void> {
  const webUrl = context.services.webUrl;
  const draw = (prepared: Prepared, pullRequest: PullRequestState, status: MessageStatus) =>
    joined ? Promise.resolve() : redraw(context, click.location, viewOf(prepared.value, pullRequest, prepared.metadata, webUrl, status));
  switch (outcome.kind) {
    case "not-a-proposal":
      return;
    case "settled":
      await draw(outcome.prepared, outcome.prepared.pullRequest, outcome.status);
      return tell(context, click.location, click.user, alreadyDoneBy(outcome.status));
    case "moved": {
      const approvals = approvalProgress(authorized.access.config, outcome.prepared.value.environment, context.now().getTime(), outcome.head, outcome.prepared.metadata.source?.author);
      await draw(outcome.prepared, outcome.head, { kind: "proposed", confirm: authorized.access.environment.slack?.confirm ?? false, approvals });
      return tell(context, click.location, click.user, changedSinceDrawn(outcome.head.headOid));
    }
    case "approved":
      if (joined) return tell(context, click.location, click.user, recordedText(outcome.progress));
      await draw(outcome.prepared, outcome.prepared.pullRequest, { kind: "proposed", confirm: authorized.access.environment.slack?.confirm ?? false, approvals: outcome.progress });
      await drawIfSettledSince(context, click, outcome.prepared);
      await threadReply(context, click.location, approvedLine(click.user, outcome.progress));
      return tell(context, click.location, click.user, recordedText(outcome.progress));
    case "refused-approval":
      return tell(context, click.location, click.user, outcome.text);
    case "merged":
      if (joined) return tell(context, click.location, click.user, alreadyDoneBy(outcome.status));
      await draw(outcome.prepared, outcome.prepared.pullRequest, outcome.status);
      await threadReply(context, click.location, `${pinnedLine(outcome.status.by, "slack", outcome.status.at)}${approvedByText(outcome.approvers ?? [])}`);
      if (outcome.brokeGlass) await threadReply(context, click.location, outcome.brokeGlass);
      return;
    case "pinning":
      await draw(outcome.prepared, outcome.prepared.pullRequest, outcome.status);
      return tell(context, click.location, click.user, pinsWhenChecksPass());
    case "refused":
      return tell(context, click.location, click.user, githubRefused(outcome.message));
    case "gated":
      return void (await context.slack.chat.postEphemeral({ channel: click.location.channel, user: click.user, ...pinRefusedReply(outcome.gate, authorized.value, click.location.ts) }));
  }
}

/**
 * The approval that completes the tally may be given on another replica at
 * the same moment, and its "pinned" may reach Slack before this "k of N",
 * which would then stay on a merged PR (that replica drew "pinned" and skips
 * the merge's webhook). So, once Slack has taken "k of N", the PR is read
 * once more: a merge that Slack drew before ours finished before this read
 * begins, and a PR merged or closed by then is drawn as GitHub shows it.
 */
async function drawIfSettledSince(context: SlackContext, click: Click, prepared: Prepared): Promise<void> {
  const { value } = prepared;
  let now: PullRequestState | undefined;
  try {
    now = await readPullRequest(prepared.access.client, value.repository, value.number);
  } catch (error) {
    // The approval is recorded and drawn; only this check is missing (the merge's webhook may still redraw it).
    return void context.log.warn({ err: error, repository: value.repository, number: value.number }, "proposal not read again after an approval");
  }
  const status = now === undefined ? undefined : settledStatus(now);
  if (now !== undefined && status !== undefined) await redraw(context, click.location, viewOf(value, now, prepared.metadata, context.services.webUrl, status));
}
