/**
 * Who pinned or unpinned from Slack. GitHub names the App as the merger of a
 * merge Bender makes, so the merge commit's body carries the person as a
 * trailer: `Pinned-by: <@U123> (Slack)` or `Unpinned-by: <@U123> (Slack)`.
 * Written and read here only.
 */
export type TrailerKind = "pinned" | "unpinned";

const KEYS: Record<TrailerKind, string> = { pinned: "Pinned-by", unpinned: "Unpinned-by" };
const TRAILER = /^(?<key>Pinned-by|Unpinned-by): <@(?<user>[UW][A-Z0-9]+)>/m;

/** A Slack user as every trailer names them: `<@U123> (Slack)` (also `Approved-by:`, `Pinned-during-freeze-by:`). */
export function trailerPerson(user: string): string {
  return `<@${user}> (Slack)`;
}

/** The merge commit body naming the Slack user who pinned or unpinned. */
export function slackTrailer(kind: TrailerKind, user: string): string {
  return `${KEYS[kind]}: ${trailerPerson(user)}`;
}

/** The Slack user a merge commit's trailer names (of `kinds`, both by default), or undefined. */
export function trailerUser(messageBody: string | null | undefined, kinds: readonly TrailerKind[] = ["pinned", "unpinned"]): string | undefined {
  const match = TRAILER.exec(messageBody ?? "");
  if (!match?.groups?.user) return undefined;
  const kind: TrailerKind = match.groups.key === KEYS.pinned ? "pinned" : "unpinned";
  return kinds.includes(kind) ? match.groups.user : undefined;
}
