import type { ClusterState, MessageStatus } from "../model.js";
import { code, inert, link, oneLine, person, slackDate } from "./mrkdwn.js";

/**
 * Lines posted in a proposal's thread, and the status lines of the message
 * itself, so both say things the same way. Each is escaped mrkdwn, safe to
 * post as a message's `text`.
 */

type PinnedVia = Extract<MessageStatus, { kind: "pinned" }>["via"];
type DismissedVia = Extract<MessageStatus, { kind: "dismissed" }>["via"];

const VIA = { slack: "via Slack", github: "via GitHub" } as const;

/** A newer build replaced what this proposal pins. `previousReference` is undefined when the old metadata was unreadable. */
export function supersededLine(previousReference: string | undefined, newReference: string): string {
  const from = previousReference === undefined ? "an earlier build" : code(previousReference, 300);
  return `Superseded: this proposal now pins ${code(newReference, 300)} instead of ${from}.`;
}

/** `Pinned by @owen via Slack at <time>.`; `by` is a Slack user ID or a GitHub login. */
export function pinnedLine(by: string, via: PinnedVia, at: string): string {
  if (via === "automatic") return `Pinned automatically${when(at)}.`;
  return `Pinned by ${person(by)} ${VIA[via]}${when(at)}.`;
}

/** `Unpinned by @owen at <time>: held at 1.4.0 until someone pins again.` */
export function unpinnedLine(by: string, at: string, backTo: string, reason?: string): string {
  return `Unpinned by ${person(by)}${when(at)}: the environment is held at ${code(backTo)} until someone pins again.${reasonSuffix(reason)}`;
}

/** `Dismissed by @owen at <time>.` */
export function dismissedLine(by: string, at: string): string {
  return `Dismissed by ${person(by)}${when(at)}.`;
}

/** The message's status line once dismissed, saying where. */
export function dismissedStatusLine(by: string, via: DismissedVia, at: string): string {
  return `Dismissed by ${person(by)} ${VIA[via]}${when(at)}.`;
}

/** The message's status line once unpinned. */
export function unpinnedStatusLine(by: string, at: string, backTo: string, reason?: string): string {
  return `Unpinned by ${person(by)}${when(at)}, back to ${code(backTo)}; the environment is held there until someone pins again.${reasonSuffix(reason)}`;
}

/** The status line of a pinned message whose pin a later one replaced. */
export function stalePinLine(laterPin: { readonly number: number; readonly url: string }): string {
  return `Superseded by a later pin (${link(laterPin.url, `#${laterPin.number}`)}).`;
}

/** The status line while GitHub's auto-merge waits for checks. */
export function pinningLine(by: string, detail: string): string {
  const more = oneLine(detail);
  return `Pins when checks pass (requested by ${person(by)}).${more === "" ? "" : ` ${inert(more, 500)}`}`;
}

/** ` at <time>`, or nothing when the time is unknown. */
export function when(at: string): string {
  return at.trim() === "" ? "" : ` at ${slackDate(at)}`;
}

function reasonSuffix(reason: string | undefined): string {
  const text = oneLine(reason ?? "");
  return text === "" ? "" : ` Reason: ${inert(text, 1000)}`;
}

/** A thread reply for one cluster: `Live on prod-eu-1 (`abc1234`).` or `Failed on prod-eu-1 (`abc1234`): <first reason>`. */
export function clusterLine(state: ClusterState): string {
  const where = `${inert(state.cluster, 100)} (${code(state.commit.slice(0, 7))})`;
  if (state.state === "live") return `:large_green_circle: Live on ${where}.`;
  return `:red_circle: Failed on ${where}: ${inert(state.reason ?? "no reason given", 500)}`;
}

/** The message's line for every cluster heard from, e.g. `live on prod-eu-1 · live on prod-us-1 · failed on prod-ap-1: …`. */
export function clustersLine(states: readonly ClusterState[]): string {
  return states
    .map((state) => (state.state === "live" ? `:large_green_circle: live on ${inert(state.cluster, 100)}` : `:red_circle: failed on ${inert(state.cluster, 100)}: ${inert(state.reason ?? "no reason given", 300)}`))
    .join(" · ");
}
