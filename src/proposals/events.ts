import type { Approval } from "../policy/index.js";
import type { ProposalMetadata } from "./metadata.js";

/** A pull request as events name it. */
export interface PullRequestRef {
  readonly id: string;
  readonly number: number;
  readonly url: string;
  readonly headOid?: string | undefined;
}

interface ProposalEventBase {
  /** `owner/name` of the manifest repository. */
  readonly repository: string;
  readonly environment: string;
  readonly pullRequest: PullRequestRef;
  readonly metadata: ProposalMetadata;
}

/**
 * What happens to proposals, for whoever follows them (the Slack app). Every
 * event carries the PR and its validated metadata, so a subscriber needs no
 * further GitHub call to draw a message.
 */
export type ProposalEvent =
  | (ProposalEventBase & { readonly type: "proposal.opened"; readonly autoPin: boolean; readonly heldBecause?: string | undefined; readonly pinClosed?: string | undefined; readonly body: string })
  | (ProposalEventBase & { readonly type: "proposal.superseded"; readonly previous: ProposalMetadata | undefined; readonly autoPin: boolean; readonly pinClosed?: string | undefined; readonly body: string })
  | (ProposalEventBase & {
      readonly type: "proposal.pinned";
      readonly by: string;
      readonly via: "github" | "automatic";
      /** The Slack users whose approvals completed it (the policy sweep's merge of an approved proposal). */
      readonly approvers?: readonly string[] | undefined;
    })
  | (ProposalEventBase & { readonly type: "proposal.dismissed"; readonly by: string })
  | (ProposalEventBase & { readonly type: "proposal.unpinned"; readonly by: string; readonly revert: PullRequestRef })
  | (ProposalEventBase & { readonly type: "proposal.deployed"; readonly deployment: PinDeployment })
  /** The policy sweep found Pin closed (a freeze began, a window closed: `closed` says why and until when) or open again since the message was drawn. */
  | (ProposalEventBase & {
      readonly type: "proposal.pin-gate";
      /** `approvals-changed`: Pin is as it was, but an approval expired. */
      readonly why: "pin-opened" | "pin-closed" | "approvals-changed";
      readonly pinOpen: boolean;
      readonly closed?: string | undefined;
      /** The approvals the sweep read with the PR (its comments), for the message's approvals line. */
      readonly approvals: readonly Approval[];
    });

/**
 * The sync job in one cluster reported a commit that contains this pin's
 * merge (a GitHub deployment status). Who pinned and when come along, so a
 * replica that did not draw the message can still draw it pinned.
 */
export interface PinDeployment {
  readonly cluster: string;
  readonly commit: string;
  readonly state: "live" | "failed";
  readonly reason?: string | undefined;
  readonly pinnedBy: string;
  readonly pinnedVia: "github" | "automatic";
  readonly pinnedAt: string;
}

/** Where a proposal's Slack message is. */
export interface MessagePlace {
  readonly channel: string;
  readonly ts: string;
}

export interface ProposalEventSink {
  emit(event: ProposalEvent): void;
  /**
   * Optional: draws a new proposal's message as soon as its PR exists and says
   * where it is, so the write layer records the place in the PR in a document
   * it sends anyway (no GitHub write of its own). The `proposal.opened` event
   * still follows; its metadata then carries the place.
   */
  announce?(event: Extract<ProposalEvent, { type: "proposal.opened" }>): Promise<MessagePlace | undefined>;
}

/** Draws a new proposal's message and says where it is (the Slack app). */
export type ProposalAnnouncer = (event: Extract<ProposalEvent, { type: "proposal.opened" }>) => Promise<MessagePlace | undefined>;

/**
 * Where proposal events can be followed: the Slack app subscribes through
 * this (the server's EventBus implements it), so Slack needs nothing of the
 * server.
 */
export interface ProposalEventSource {
  /** Calls `listener` for every event; returns a function that stops it. */
  subscribe(listener: (event: ProposalEvent) => unknown): () => void;
  /** Sets the one announcer; returns a function that removes it. */
  setAnnouncer(announcer: ProposalAnnouncer): () => void;
}
