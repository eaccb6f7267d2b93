import type { ApprovalProgress } from "../model.js";
import { code, isSlackUserId } from "./mrkdwn.js";

const MAX_NAMED = 10;

/** A Slack user or user group as a mention; anything else as code. */
function mention(id: string): string {
  if (/^S[A-Z0-9]{8,20}$/.test(id)) return `<!subteam^${id}>`;
  return isSlackUserId(id) ? `<@${id}>` : code(id, 40);
}

function named(ids: readonly string[]): string {
  const more = ids.length > MAX_NAMED ? ` and ${ids.length - MAX_NAMED} more` : "";
  return `${ids.slice(0, MAX_NAMED).map(mention).join(", ")}${more}`;
}

/** "1 of 2: <@alice>" (the count of approvals that count, and who gave them). */
export function tallyText(progress: Pick<ApprovalProgress, "needed" | "counted">): string {
  const count = Math.min(progress.counted.length, progress.needed);
  return `${count} of ${progress.needed}${progress.counted.length === 0 ? "" : `: ${named(progress.counted)}`}`;
}

/**
 * The proposal message's approvals line: "Approvals: 1 of 2: <@alice>. May
 * still approve: <@bob>, <@carol>.", and, when a newer build replaced the
 * approved one, that approvals start again.
 */
export function approvalsLine(progress: ApprovalProgress): string {
  const restarted = progress.restarted === true ? "A newer build replaced the one approved: approvals start again. " : "";
  const may = progress.stillMay === "anyone" ? "anyone in the channel" : progress.stillMay.length === 0 ? "nobody else" : named(progress.stillMay);
  return `:ballot_box_with_check: ${restarted}Approvals: ${tallyText(progress)}. May still approve: ${may}.`;
}
