import { decodeMetadata } from "../proposals/metadata.js";
import type { ProposalMetadata } from "../proposals/metadata.js";
import { closeAndDeleteBranch, readPullRequest } from "../github/pull-request-ops.js";
import type { PullRequestState } from "../github/pull-request-ops.js";
import { alreadyDone, decodeButtonValue, dismissedLine, githubRefused, proposalMessage, refusal } from "./blocks/index.js";
import type { ButtonValue, MessageStatus, ProposalView } from "./model.js";
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
export function alreadyDoneBy(status: Extract<MessageStatus, { kind: "pinned" | "dismissed" }>): string {
  return alreadyDone(status.kind, status.by, status.at);
}

export function viewOf(value: ButtonValue, pullRequest: PullRequestState, metadata: ProposalMetadata, webUrl: string, status: MessageStatus): ProposalView {
  return {
    repository: value.repository,
    environment: value.environment,
    pullRequest: { number: pullRequest.number, url: pullRequest.url, headOid: pullRequest.headOid },
    metadata,
    webUrl,
    status,
  };
}

export interface Prepared {
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
export async function readProposal(context: SlackContext, click: Click, authorized: AuthorizedClick, freezesAt?: string, comments = false): Promise<Prepared | undefined> {
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
