import type { ProposalMetadata } from "../proposals/metadata.js";

/**
 * What one proposal's Slack message shows. The message is drawn from this
 * value alone (src/slack/blocks/), so every path that changes a proposal —
 * a click, a merge in GitHub, an automatic pin — redraws it the same way.
 */
export type MessageStatus =
  | {
      readonly kind: "proposed";
      readonly confirm: boolean;
      readonly heldBecause?: string | undefined;
      readonly approvals?: ApprovalProgress | undefined;
      /** Pin's gate when it is worth a line: closed (why, and until when), or open again after it was closed. */
      readonly pinGate?: PinGateLine | undefined;
    }
  /** GitHub refused the merge only because checks are pending: auto-merge is on. */
  | { readonly kind: "pinning"; readonly by: string; readonly detail: string }
  | { readonly kind: "pinned"; readonly by: string; readonly via: "slack" | "github" | "automatic"; readonly at: string; readonly clusters?: readonly ClusterState[] | undefined }
  | { readonly kind: "unpinned"; readonly by: string; readonly at: string; readonly backTo: string; readonly reason?: string | undefined }
  | { readonly kind: "dismissed"; readonly by: string; readonly via: "slack" | "github"; readonly at: string }
  /** A pinned message whose Unpin no longer applies: a later pin of the same (environment, image) exists. */
  | { readonly kind: "stale-pin"; readonly laterPin: { readonly number: number; readonly url: string } };

/** An environment that needs more than one approval: how far this build's approvals are. */
export interface ApprovalProgress {
  readonly needed: number;
  /** The Slack users whose approvals count, oldest first. */
  readonly counted: readonly string[];
  /** Who may still approve: "anyone" (but those counted), or Slack user and user-group IDs. */
  readonly stillMay: "anyone" | readonly string[];
  /** A newer build replaced the one earlier approvals were for: they no longer count. */
  readonly restarted?: boolean | undefined;
}
/** "Pin is closed: <why>" or "Pin is open again" on a proposal's message (the policy sweep redraws it when the gate changes). */
export type PinGateLine = { readonly open: true } | { readonly open: false; readonly why: string };

/** What the sync job in one cluster reported for the commit holding this pin (a GitHub deployment status). */
export interface ClusterState {
  readonly cluster: string;
  readonly state: "live" | "failed";
  readonly commit: string;
  /** The first failure, when it failed. */
  readonly reason?: string | undefined;
}

export interface ProposalView {
  /** `owner/name` of the manifest repository. */
  readonly repository: string;
  readonly environment: string;
  readonly pullRequest: { readonly number: number; readonly url: string; readonly headOid: string };
  readonly metadata: ProposalMetadata;
  /** https://github.com, or the GitHub Enterprise host. */
  readonly webUrl: string;
  readonly status: MessageStatus;
}

/** What a button carries: enough to act on exactly what was shown. */
export interface ButtonValue {
  readonly v: 1;
  readonly repository: string;
  readonly number: number;
  /** The PR head the message was drawn for: a pin merges only this commit. */
  readonly head: string;
  readonly environment: string;
}

export const ACTION_PIN = "bender_pin";
export const ACTION_DISMISS = "bender_dismiss";
export const ACTION_UNPIN = "bender_unpin";
/** The modal that asks why, before an unpin. */
export const VIEW_UNPIN = "bender_unpin_modal";
/** Thaw, on a freeze's announcement in the environment's channel. */
export const ACTION_THAW = "bender_thaw";
/** "Pin anyway…", on Pin's refusal by the release policy: opens the break-glass modal. */
export const ACTION_BREAK_GLASS = "bender_break_glass";
/** The break-glass modal: a required reason, then the pin. */
export const VIEW_BREAK_GLASS = "bender_break_glass_modal";
