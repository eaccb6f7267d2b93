import type { ProposalEvent } from "../proposals/events.js";
import { withMetadata } from "../proposals/metadata.js";
import { updatePullRequestBody } from "../github/pull-request-ops.js";
import { clusterLine, dismissedLine, pinnedLine, proposalMessage, supersededLine, unpinnedLine } from "./blocks/index.js";
import type { ClusterState, MessageStatus, PinGateLine, ProposalView } from "./model.js";
import { approvalProgressOf, approvalsOnNewBuild, approvedByText } from "./approval-step.js";
import { redraw as redrawOrThrow, threadReply as threadReplyOrThrow } from "./proposal-actions.js";
import { SlackActionError, repositoryAccess } from "./slack-context.js";
import type { MessageLocation, SlackContext } from "./slack-context.js";

/** The notifier's redraw: a failure is logged and the rest of the event goes on (the PR stays the record). */
async function redraw(context: SlackContext, location: MessageLocation, view: ProposalView): Promise<void> {
  try {
    await redrawOrThrow(context, location, view);
  } catch (error) {
    context.log.warn({ err: error, channel: location.channel, ts: location.ts }, "Slack message not updated");
  }
}

async function threadReply(context: SlackContext, location: MessageLocation, text: string): Promise<void> {
  try {
    await threadReplyOrThrow(context, location, text);
  } catch (error) {
    context.log.warn({ err: error, channel: location.channel }, "thread reply not sent");
  }
}

/** A new or superseded proposal's "Pin is closed" line, when the release policy said not now as it was written. */
function pinClosedLine(why: string | undefined): PinGateLine | undefined {
  return why === undefined ? undefined : { open: false, why };
}

/**
 * Keeps Slack in step with what happens to proposals, whatever made it happen
 * (a build, a merge or revert in GitHub, an automatic pin). One message per
 * proposal: posted when the PR opens, its channel and timestamp recorded in the
 * PR's metadata so any replica finds it, then updated in place; the thread
 * keeps the history. Events of one PR are handled in order.
 */
export class SlackNotifier {
  readonly #queues = new Map<string, Promise<void>>();
  /** Locations this replica posted, for events that arrive before the PR's metadata records them. */
  readonly #posted = new Map<string, MessageLocation>();
  /** PRs whose message `announce` drew: their `proposal.opened` event is not drawn again. */
  readonly #announced = new Set<string>();
  /** What each cluster reported for each pin, so the message shows every cluster heard from (an environment on three clusters shows three). */
  readonly #clusters = new Map<string, Map<string, ClusterState>>();

  constructor(private readonly context: SlackContext) {}

  /** Queues an event behind earlier ones of the same PR; returns when it is handled. */
  handle(event: ProposalEvent): Promise<void> {
    const key = `${event.repository}#${event.pullRequest.number}`;
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.apply(event))
      .catch((error: unknown) => this.context.log.error({ err: error, event: event.type, pullRequest: event.pullRequest.url }, "Slack not updated"));
    this.#queues.set(key, next);
    void next.finally(() => {
      if (this.#queues.get(key) === next) this.#queues.delete(key);
    });
    return next;
  }

  /**
   * Posts a new proposal's message while its PR is being written and returns
   * its place, which the write layer records in the PR in a document it sends
   * anyway; nothing is written to GitHub here. Runs in the PR's queue, so the
   * `proposal.opened` event that follows finds the message.
   */
  announce(event: Extract<ProposalEvent, { type: "proposal.opened" }>): Promise<MessageLocation | undefined> {
    const key = `${event.repository}#${event.pullRequest.number}`;
    let place: MessageLocation | undefined;
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        // Marked even when the post fails: the `proposal.opened` event that follows does not try again.
        this.#announced.add(key);
        place = await this.post(event);
      })
      .catch((error: unknown) => this.context.log.error({ err: error, event: event.type, pullRequest: event.pullRequest.url }, "Slack not updated"));
    this.#queues.set(key, next);
    void next.finally(() => {
      if (this.#queues.get(key) === next) this.#queues.delete(key);
    });
    return next.then(() => place);
  }

  /** Posts the message of a new proposal in its environment's channel; undefined when the environment has no channel. */
  private async post(event: Extract<ProposalEvent, { type: "proposal.opened" }>): Promise<MessageLocation | undefined> {
    let access;
    try {
      access = await repositoryAccess(this.context, event.repository, event.environment);
    } catch (error) {
      if (error instanceof SlackActionError) return undefined;
      throw error;
    }
    const slack = access.environment.slack;
    if (!slack) return undefined;
    const view: ProposalView = {
      repository: event.repository,
      environment: event.environment,
      pullRequest: { number: event.pullRequest.number, url: event.pullRequest.url, headOid: event.pullRequest.headOid ?? "" },
      metadata: event.metadata,
      webUrl: this.context.services.webUrl,
      status: {
        kind: "proposed",
        confirm: slack.confirm,
        heldBecause: event.heldBecause,
        approvals: await approvalsOnNewBuild(access.client, access.config, event, false, this.context.now().getTime(), this.context.log),
        pinGate: pinClosedLine(event.pinClosed),
      },
    };
    const message = proposalMessage(view);
    const posted = await this.context.slack.chat.postMessage({ channel: slack.channel, text: message.text, blocks: message.blocks });
    if (!posted.channel || !posted.ts) return undefined;
    const place = { channel: posted.channel, ts: posted.ts };
    this.#posted.set(`${event.repository}#${event.pullRequest.number}`, place);
    return place;
  }

  private async apply(event: ProposalEvent): Promise<void> {
    let access;
    try {
      access = await repositoryAccess(this.context, event.repository, event.environment);
    } catch (error) {
      if (error instanceof SlackActionError) return this.context.log.info({ reason: error.message }, "no Slack message for this event");
      throw error;
    }
    const slack = access.environment.slack;
    const key = `${event.repository}#${event.pullRequest.number}`;
    const recorded = event.type === "proposal.superseded" ? (event.previous?.slack ?? event.metadata.slack) : event.metadata.slack;
    const location = recorded ?? this.#posted.get(key);
    const view = (status: MessageStatus): ProposalView => ({
      repository: event.repository,
      environment: event.environment,
      pullRequest: { number: event.pullRequest.number, url: event.pullRequest.url, headOid: event.pullRequest.headOid ?? "" },
      metadata: event.metadata,
      webUrl: this.context.services.webUrl,
      status,
    });
    const at = this.context.now().toISOString();

    switch (event.type) {
      case "proposal.opened":
      case "proposal.superseded": {
        // Drawn moments ago by `announce` (or tried, once is enough); its place went into the PR with the write,
        // unless the announcement answered after the write had gone: then it is recorded here.
        if (event.type === "proposal.opened" && this.#announced.delete(key)) {
          if (location && !event.metadata.slack) await this.record(access.client, event, location);
          return;
        }
        // Where approvals count: "0 of N", and whether a superseding build dropped earlier approvals.
        const approvals = await approvalsOnNewBuild(access.client, access.config, event, event.type === "proposal.superseded" && location !== undefined, this.context.now().getTime(), this.context.log);
        const status: MessageStatus = {
          kind: "proposed",
          confirm: slack?.confirm ?? false,
          heldBecause: event.type === "proposal.opened" ? event.heldBecause : undefined,
          approvals,
          pinGate: pinClosedLine(event.pinClosed),
        };
        if (location) {
          await redraw(this.context, location, view(status));
          const restarted = approvals?.restarted === true ? " Earlier approvals were for the replaced build: approvals start again." : "";
          if (event.type === "proposal.superseded") await threadReply(this.context, location, `${supersededLine(event.previous?.reference ?? "an earlier build", event.metadata.reference)}${restarted}`);
          // A write that did not carry the message's place (a superseding write that lost it, an announcement that
          // answered too late): record it now.
          if (!event.metadata.slack) await this.record(access.client, event, location);
          return;
        }
        if (!slack) return;
        const message = proposalMessage(view(status));
        const posted = await this.context.slack.chat.postMessage({ channel: slack.channel, text: message.text, blocks: message.blocks });
        if (!posted.channel || !posted.ts) return;
        const place = { channel: posted.channel, ts: posted.ts };
        this.#posted.set(key, place);
        await this.record(access.client, event, place);
        return;
      }
      case "proposal.pinned": {
        if (!location) return;
        const last = this.context.drawn.get(key);
        if (last?.kind === "pinned") return; // A click here already drew it.
        // GitHub finished a Slack pin that waited for checks: the person who pinned is the one to name.
        const by = last?.kind === "pinning" ? last.by : event.by;
        const via = last?.kind === "pinning" ? "slack" : event.via;
        await redraw(this.context, location, view({ kind: "pinned", by, via, at }));
        await threadReply(this.context, location, `${pinnedLine(by, via, at)}${approvedByText(event.approvers ?? [])}`);
        return;
      }
      case "proposal.dismissed":
        if (!location) return;
        await redraw(this.context, location, view({ kind: "dismissed", by: event.by, via: "github", at }));
        await threadReply(this.context, location, dismissedLine(event.by, at));
        return;
      case "proposal.deployed":
        if (!location) return;
        return this.deployed(key, location, event.deployment, view);
      case "proposal.pin-gate": {
        // Only a message still waiting for Pin says whether Pin is open (a click may have drawn it pinning since).
        const last = this.context.drawn.get(key);
        if (!location || (last !== undefined && last.kind !== "proposed")) return;
        // "Open again" only when it opened; an approval that expired while Pin stays open needs no Pin line.
        const pinGate = event.pinOpen ? (event.why === "pin-opened" ? { open: true as const } : undefined) : { open: false as const, why: event.closed ?? "the release policy says not now" };
        // The approvals line is drawn from the approvals the sweep read with the PR: no read here.
        const approvals = approvalProgressOf(access.config, event.environment, this.context.now().getTime(), event.pullRequest.headOid ?? "", event.approvals, event.metadata.source?.author);
        await redraw(this.context, location, view({ kind: "proposed", confirm: slack?.confirm ?? false, pinGate, approvals }));
        return;
      }
      case "proposal.unpinned": {
        if (!location) return;
        const backTo = event.metadata.changes[0]?.before ?? "the previous version";
        await redraw(this.context, location, view({ kind: "unpinned", by: event.by, at, backTo }));
        await threadReply(this.context, location, unpinnedLine(event.by, at, backTo));
        return;
      }
    }
  }

  /**
   * One reply in the pin's thread per cluster and outcome ("Live on
   * prod-eu-1", or the failure's first reason), and the message redrawn with
   * every cluster heard from. A pin since unpinned or superseded keeps its
   * status; only the reply is added.
   */
  private async deployed(
    key: string,
    location: MessageLocation,
    deployment: Extract<ProposalEvent, { type: "proposal.deployed" }>["deployment"],
    view: (status: MessageStatus) => ProposalView,
  ): Promise<void> {
    const states = this.#clusters.get(key) ?? new Map<string, ClusterState>();
    const state: ClusterState = { cluster: deployment.cluster, state: deployment.state, commit: deployment.commit, reason: deployment.reason };
    const before = states.get(deployment.cluster);
    // The same report again (a redelivered webhook, a later commit while still failing the same way) says nothing new.
    if (before && before.state === state.state && (state.state === "live" || before.reason === state.reason)) return;
    states.set(deployment.cluster, state);
    this.#clusters.delete(key);
    this.#clusters.set(key, states);
    if (this.#clusters.size > 1000) this.#clusters.delete(this.#clusters.keys().next().value ?? "");
    const last = this.context.drawn.get(key);
    if (last === undefined || last.kind === "pinned") {
      const pinned = last ?? { kind: "pinned" as const, by: deployment.pinnedBy, via: deployment.pinnedVia, at: deployment.pinnedAt };
      await redraw(this.context, location, view({ ...pinned, clusters: [...states.values()] }));
    }
    await threadReply(this.context, location, clusterLine(state));
  }

  /** Writes the message's place into the PR's metadata, so any replica can find it. */
  private async record(client: Parameters<typeof updatePullRequestBody>[0], event: Extract<ProposalEvent, { body: string }>, place: MessageLocation): Promise<void> {
    try {
      await updatePullRequestBody(client, event.pullRequest.id, withMetadata(event.body, { ...event.metadata, slack: place }));
    } catch (error) {
      this.context.log.warn({ err: error, pullRequest: event.pullRequest.url }, "Slack message place not recorded on the PR");
    }
  }
}
