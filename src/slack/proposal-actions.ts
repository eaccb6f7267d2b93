import { decodeMetadata } from "../proposals/metadata.js";
import type { ProposalMetadata } from "../proposals/metadata.js";
import { slackTrailer } from "../proposals/trailers.js";
import { FREEZES_PATH } from "../policy/index.js";
import type { PinRefusal } from "../policy/index.js";
import { closeAndDeleteBranch, enableAutoMerge, mergePullRequest, readPullRequest } from "../github/pull-request-ops.js";
import type { PullRequestState } from "../github/pull-request-ops.js";
import {
  alreadyDone,
  changedSinceDrawn,
  decodeButtonValue,
  dismissedLine,
  githubRefused,
  pinnedLine,
  pinsWhenChecksPass,
  proposalMessage,
  refusal,
} from "./blocks/index.js";
import { approvalPolicy, approvalProgress, approve, approvedByText, approvedLine, recordedText } from "./approval-step.js";
import type { ApprovalProgress, ButtonValue, MessageStatus, ProposalView } from "./model.js";
import { breakGlass, brokeGlassLine, pinGate, pinRefusedReply } from "./release-gate.js";
import type { PinOverride } from "./release-gate.js";
import { SlackActionError, repositoryAccess } from "./slack-context.js";
import type { MessageLocation, SlackContext } from "./slack-context.js";

/** A button press, as the handlers need it from Slack's block_actions payload. */
export interface Click {
  readonly user: string;
  readonly value: unknown;
  readonly location: MessageLocation;
  readonly triggerId?: string | undefined;
}

/** Redraws a message from a PR's state. */
export async function redraw(context: SlackContext, location: MessageLocation, view: ProposalView): Promise<void> {
  context.drawn.set(`${view.repository}#${view.pullRequest.number}`, view.status);
  // Bounded: the oldest entries go first (a Map keeps insertion order).
  for (const key of context.drawn.keys()) {
    if (context.drawn.size <= 1000) break;
    context.drawn.delete(key);
  }
  const message = proposalMessage(view);
  // A failure throws: a click tells its person (src/slack/report-failure.ts); the notifier logs it, and the PR
  // stays the record, so the next event redraws the message.
  await context.slack.chat.update({ channel: location.channel, ts: location.ts, text: message.text, blocks: message.blocks });
}

/** An ephemeral reply to the person; a failure throws, and the click's boundary tries the response_url. */
export async function tell(context: SlackContext, location: MessageLocation, user: string, text: string): Promise<void> {
  await context.slack.chat.postEphemeral({ channel: location.channel, user, text });
}

export async function threadReply(context: SlackContext, location: MessageLocation, text: string): Promise<void> {
  await context.slack.chat.postMessage({ channel: location.channel, thread_ts: location.ts, text });
}

/** The status a closed or merged PR's message shows, drawn from GitHub. */
export function settledStatus(pullRequest: PullRequestState): Extract<MessageStatus, { kind: "pinned" | "dismissed" }> | undefined {
  if (pullRequest.state === "MERGED") {
    // A pin from Slack is merged by the App; its merge commit names the person.
    if (pullRequest.pinnedBy) return { kind: "pinned", by: pullRequest.pinnedBy, via: "slack", at: pullRequest.mergedAt ?? "" };
    return { kind: "pinned", by: pullRequest.mergedBy ?? "someone", via: "github", at: pullRequest.mergedAt ?? "" };
  }
  if (pullRequest.state === "CLOSED") return { kind: "dismissed", by: "someone", via: "github", at: pullRequest.closedAt ?? "" };
  return undefined;
}

/** "Nothing to do: already pinned by X at T", from what GitHub shows of the PR. */
function alreadyDoneBy(status: Extract<MessageStatus, { kind: "pinned" | "dismissed" }>): string {
  return alreadyDone(status.kind, status.by, status.at);
}

function viewOf(value: ButtonValue, pullRequest: PullRequestState, metadata: ProposalMetadata, webUrl: string, status: MessageStatus): ProposalView {
  return {
    repository: value.repository,
    environment: value.environment,
    pullRequest: { number: pullRequest.number, url: pullRequest.url, headOid: pullRequest.headOid },
    metadata,
    webUrl,
    status,
  };
}

interface Prepared {
  readonly value: ButtonValue;
  readonly pullRequest: PullRequestState;
  readonly metadata: ProposalMetadata;
  readonly access: AuthorizedClick["access"];
}

/** A button's value, decoded, and the access of the person who pressed it. */
export interface AuthorizedClick {
  readonly value: ButtonValue;
  readonly access: Awaited<ReturnType<typeof repositoryAccess>>;
}

/**
 * What every button (Pin, Dismiss, Unpin and its dialog) does first, written
 * once: decode what it carries, find the repository's installation and config,
 * authorise the person for the environment. Refusals are told to the person
 * (ephemeral) and end the click; `unreadable` words the refusal of a button
 * that cannot be decoded.
 */
export async function authorizeClick(
  context: SlackContext,
  click: Pick<Click, "user" | "value" | "location">,
  action: "pin" | "dismiss" | "unpin",
  unreadable: (reason: string) => string = (detail) => refusal({ kind: "invalid-button", detail }),
): Promise<AuthorizedClick | undefined> {
  const decoded = decodeButtonValue(click.value);
  if (!decoded.ok) {
    await tell(context, click.location, click.user, unreadable(decoded.reason));
    return undefined;
  }
  const value = decoded.value;
  try {
    const access = await repositoryAccess(context, value.repository, value.environment);
    const authorization = await context.approvers.authorize(click.user, value.environment, access.environment.slack, action);
    if (!authorization.ok) {
      await tell(context, click.location, click.user, refusal(authorization.reason));
      return undefined;
    }
    return { value, access };
  } catch (error) {
    if (!(error instanceof SlackActionError)) throw error;
    await tell(context, click.location, click.user, githubRefused(error.message));
    return undefined;
  }
}

/** Reads the PR as it is now, with its validated metadata (and, with `comments`, its last comments). */
async function readProposal(context: SlackContext, click: Click, authorized: AuthorizedClick, freezesAt?: string, comments = false): Promise<Prepared | undefined> {
  const { value, access } = authorized;
  const pullRequest = await readPullRequest(access.client, value.repository, value.number, freezesAt, { comments });
  const metadata = pullRequest ? decodeMetadata(pullRequest.body) : undefined;
  if (!pullRequest || !metadata?.ok || metadata.metadata.kind !== "proposal") {
    await tell(context, click.location, click.user, githubRefused(`${value.repository}#${value.number} is not a Bender proposal any more`));
    return undefined;
  }
  return { value, pullRequest, metadata: metadata.metadata, access };
}

/**
 * What every button does first: decode what it carries, authorise the person
 * for the environment, read the PR as it is now. Refusals are told to the
 * person (ephemeral) and end the click.
 */
async function prepare(context: SlackContext, click: Click, action: "pin" | "dismiss"): Promise<Prepared | undefined> {
  const authorized = await authorizeClick(context, click, action);
  return authorized ? readProposal(context, click, authorized) : undefined;
}

/**
 * Pin: merge exactly the head the message was drawn for.
 *
 * 1. Decode, authorise, read the PR (one replica runs one pin per PR at a time).
 * 2. Already merged or closed: say by whom and when, redraw.
 * 3. The PR moved since the message was drawn: refuse, redraw, say so.
 *    The release policy (a freeze, windows, blackouts; read with the PR) says
 *    not now: refuse with the reason and when Pin opens again, unless an
 *    approver broke the glass (`override`, src/slack/break-glass.ts).
 * 4. An environment that needs N approvals: this click is one (recorded as
 *    a PR comment); before the Nth, redraw "k of N" and stop.
 * 5. Merge with the drawn head as expected head. GitHub refusing only for
 *    pending checks turns on auto-merge ("pins when checks pass").
 * 6. Redraw as pinned, note it in the thread.
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
 * Reads the PR and merges exactly the drawn head. A PR read before another
 * replica merged it is caught by GitHub: the merge comes back "not open".
 */
async function mergeOnce(context: SlackContext, click: Click, authorized: AuthorizedClick, override: PinOverride | undefined): Promise<PinOutcome> {
  const approvals = approvalPolicy(authorized.access.config, authorized.value.environment);
  // The environment's freezes file (and, where approvals count, the PR's comments) come in the same read as the PR.
  const freezesAt = `${authorized.access.environment.branch ?? "HEAD"}:${FREEZES_PATH}`;
  const prepared = await readProposal(context, click, authorized, freezesAt, approvals !== undefined);
  if (!prepared) return { kind: "not-a-proposal" };
  const { value, access, pullRequest } = prepared;
  const settled = settledStatus(pullRequest);
  if (settled) return { kind: "settled", prepared, status: settled };
  if (pullRequest.headOid !== value.head) return { kind: "moved", prepared, head: pullRequest };
  // The release policy's gate: one step, before any approval is recorded.
  const gate = pinGate(access.config, value.environment, context.now(), pullRequest.freezesText);
  // Break-glass skips the gate only: the head check above, approvals below and GitHub's expected head still hold.
  const overridden = gate.allowed ? [] : breakGlass(gate, click.user, override, context.now());
  if (!gate.allowed && overridden === undefined) return { kind: "gated", gate };
  // GitHub records the App as the merger; the trailer names the person (read by /bender history), then each approver.
  const trailers = [slackTrailer("pinned", click.user)];
  let approvers: readonly string[] | undefined;
  if (approvals !== undefined) {
    const step = await approve({
      client: access.client,
      policy: approvals,
      config: access.config,
      pullRequest,
      authorLogin: prepared.metadata.source?.author,
      user: click.user,
      now: context.now().getTime(),
    });
    if (step.kind === "refused") return { kind: "refused-approval", text: step.text };
    if (step.kind === "failed") return { kind: "refused", message: step.message };
    if (step.kind === "recorded") return { kind: "approved", prepared, progress: step.progress };
    trailers.push(...step.trailers);
    approvers = step.approvers;
  }
  trailers.push(...(overridden ?? []));
  const merged = await mergePullRequest(access.client, {
    pullRequestId: pullRequest.id,
    expectedHeadOid: value.head,
    method: access.config.mergeMethod,
    headline: `Pin ${prepared.metadata.reference} to ${value.environment}`,
    body: trailers.join("\n"),
  });
  const brokeGlass = !gate.allowed && override ? brokeGlassLine(click.user, gate, override.reason) : undefined;
  if (merged.ok) return { kind: "merged", prepared, status: { kind: "pinned", by: click.user, via: "slack", at: context.now().toISOString() }, approvers, brokeGlass };
  // GitHub's auto-merge would land later without the break-glass record: a break-glass pin waits for no check.
  if (merged.refusal === "checks-pending" && brokeGlass === undefined) {
    const auto = await enableAutoMerge(access.client, {
      pullRequestId: pullRequest.id,
      expectedHeadOid: value.head,
      method: access.config.mergeMethod,
      // Where approvals count, GitHub's merge commit carries the same trailers.
      ...(approvers === undefined ? {} : { body: trailers.join("\n") }),
    });
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
 * Dismiss: close the PR and delete its branch; the message says who dismissed it.
 *
 * 1. Decode, authorise, read the PR.
 * 2. Already merged or closed: say by whom and when, redraw.
 * 3. Close the PR and delete its branch, in one request.
 * 4. Redraw as dismissed, note it in the thread.
 */
export async function dismiss(context: SlackContext, click: Click): Promise<void> {
  // 1. Decode, authorise, read.
  const prepared = await prepare(context, click, "dismiss");
  if (!prepared) return;
  const { value, access, pullRequest } = prepared;
  const webUrl = context.services.webUrl;
  // 2. Settled already?
  const settled = settledStatus(pullRequest);
  if (settled) {
    await redraw(context, click.location, viewOf(value, pullRequest, prepared.metadata, webUrl, settled));
    await tell(context, click.location, click.user, alreadyDoneBy(settled));
    return;
  }
  // 3. Close and delete.
  const closed = await closeAndDeleteBranch(access.client, pullRequest);
  if (!closed.ok) {
    await tell(context, click.location, click.user, githubRefused(closed.message));
    return;
  }
  // 4. Tell.
  const at = context.now().toISOString();
  await redraw(context, click.location, viewOf(value, pullRequest, prepared.metadata, webUrl, { kind: "dismissed", by: click.user, via: "slack", at }));
  await threadReply(context, click.location, dismissedLine(click.user, at));
}
