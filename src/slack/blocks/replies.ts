import { code, inert, isSlackUserId, oneLine, person } from "./mrkdwn.js";
import { when } from "./thread-lines.js";

/**
 * Ephemeral replies to the person who pressed a button: what happened, and
 * what they can do about it. Escaped mrkdwn, safe to post as `text`.
 */

export type RefusalReason =
  /** The user is not in `environments.<env>.slack.approvers`. */
  | {
      readonly kind: "not-an-approver";
      readonly environment: string;
      readonly action: "pin" | "unpin" | "dismiss";
      readonly user?: string | undefined;
      /** Who may, as the config lists them (user and user-group IDs). */
      readonly approvers?: readonly string[] | undefined;
      /** Listed user groups Slack does not know. */
      readonly unknownGroups?: readonly string[] | undefined;
    }
  /** The environment has no `slack` section (or is gone from the config): nobody may act on it from Slack. */
  | { readonly kind: "no-slack-approvers"; readonly environment: string }
  /** The button's value failed `decodeButtonValue`. */
  | { readonly kind: "invalid-button"; readonly detail: string };

/**
 * Why Bender did nothing, and how to change that. A string reason (already
 * worded by the caller) is shown escaped, so a `<@U…>` in it reads as text.
 */
export function refusal(reason: RefusalReason | string): string {
  if (typeof reason === "string") return `Nothing changed: ${inert(oneLine(reason).replace(/\.+$/, ""), 1000)}.`;
  switch (reason.kind) {
    case "not-an-approver": {
      const environment = inert(reason.environment, 40);
      const who = reason.user !== undefined && isSlackUserId(reason.user) ? `your member ID ${code(reason.user)}` : "your Slack member ID";
      return (
        `You can't ${reason.action} in *${environment}*: you are not one of its approvers, so nothing changed.` +
        approversLine(reason.approvers ?? [], reason.unknownGroups ?? []) +
        ` To allow it, add ${who} or a user group to ${configPath(reason.environment)} in \`.github/bender.yml\`, or set it to \`anyone\`.`
      );
    }
    case "no-slack-approvers":
      return (
        `Nobody can act on *${inert(reason.environment, 40)}* from Slack: it has no approvers. ` +
        `Add Slack user or user-group IDs to ${configPath(reason.environment)} in \`.github/bender.yml\` (or \`anyone\`), or use the pull request in GitHub.`
      );
    case "invalid-button":
      return `This button could not be read (${inert(reason.detail, 200)}), so nothing changed. Use the pull request in GitHub, or wait for the message to be redrawn.`;
  }
}

/** " Approvers: <@U…>, <!subteam^S…>." naming at most ten, and the groups Slack does not know. */
function approversLine(approvers: readonly string[], unknownGroups: readonly string[]): string {
  const named = approvers.slice(0, 10).map((id) => (/^S[A-Z0-9]+$/.test(id) ? `<!subteam^${id}>` : isSlackUserId(id) ? `<@${id}>` : code(id, 40)));
  const more = approvers.length > 10 ? ` and ${approvers.length - 10} more` : "";
  const unknown = unknownGroups.length > 0 ? ` Slack knows no user group ${unknownGroups.slice(0, 10).map((id) => code(id, 40)).join(", ")}: fix or remove it.` : "";
  return named.length > 0 ? ` Its approvers: ${named.join(", ")}${more}.${unknown}` : unknown;
}

function configPath(environment: string): string {
  return code(`environments.${environment}.slack.approvers`);
}

/** The pull request moved on since the message was drawn: what you saw is not what would be merged. */
export function changedSinceDrawn(newHead: string): string {
  const head = /^[0-9a-f]{40}$/.test(newHead) ? code(newHead.slice(0, 7)) : code(newHead, 64);
  return `This proposal changed since the message was drawn (it is now at ${head}), so nothing was pinned. The message has been redrawn: check it, then press again.`;
}

/** Someone else got there first. */
export function alreadyDone(kind: "pinned" | "unpinned" | "dismissed", by: string, at: string): string {
  return `Nothing to do: this proposal was already ${kind} by ${person(by)}${when(at)}.`;
}

const REASON_MAX = 300;
const SECRETS: readonly RegExp[] = [
  /gh[pousr]_[A-Za-z0-9_]+/g,
  /github_pat_[A-Za-z0-9_]+/g,
  /xox[abprse]-[A-Za-z0-9-]+/g,
  /xapp-[A-Za-z0-9-]+/g,
  /(?:bearer|token)\s+[A-Za-z0-9._~+/=-]{16,}/gi,
];

/**
 * GitHub's reason for refusing a merge, fit to show a person: tokens
 * redacted, stack frames dropped, one line of at most 300 characters.
 */
export function githubRefused(reason: string): string {
  return `GitHub refused: ${sanitizeReason(reason)}. Nothing changed.`;
}

/** Exported for the logs' sake: the same redaction, without the sentence around it. */
export function sanitizeReason(reason: string): string {
  const withoutStack = reason.split(/\n\s*at\s/)[0] ?? "";
  let text = oneLine(withoutStack);
  for (const secret of SECRETS) text = text.replace(secret, "[redacted]");
  text = text.replace(/[.\s]+$/, "");
  if (text === "") text = "no reason given";
  return inert(text, REASON_MAX);
}

/** The merge is queued behind pending checks: GitHub's auto-merge will pin it. */
export function pinsWhenChecksPass(): string {
  return "Checks are still running, so GitHub will merge this proposal when they pass (auto-merge is on). The message will say when it is pinned.";
}
