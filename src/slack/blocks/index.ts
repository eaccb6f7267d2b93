export { ACTIONS_BLOCK_ID, proposalMessage } from "./proposal-message.js";
export type { ProposalMessage } from "./proposal-message.js";
export { buttonValueSchema, decodeButtonValue, encodeButtonValue } from "./button-value.js";
export type { DecodedButtonValue } from "./button-value.js";
export { clusterLine, clustersLine, dismissedLine, dismissedStatusLine, pinnedLine, pinningLine, stalePinLine, supersededLine, unpinnedLine, unpinnedStatusLine } from "./thread-lines.js";
export { alreadyDone, changedSinceDrawn, githubRefused, pinsWhenChecksPass, refusal, sanitizeReason } from "./replies.js";
export type { RefusalReason } from "./replies.js";
export { code, escapeMrkdwn, slackDate } from "./mrkdwn.js";
export { SLACK_LIMITS } from "./limits.js";
