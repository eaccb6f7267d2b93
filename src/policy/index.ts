export { SCHEDULE_HORIZON_DAYS, blackoutAt, isOpen, scheduleState } from "./schedule.js";
export type { Blackout, Schedule, ScheduleState, ScheduleWindow } from "./schedule.js";
export { releasePolicyFor, scheduleOf } from "./release-policy.js";
export type { People, ReleasePolicy } from "./release-policy.js";
export { renderInstant, renderOpening, renderUntil, zoneAbbreviation } from "./render-time.js";
export {
  FREEZES_BUDGET,
  FREEZES_COMMENT,
  FREEZES_PATH,
  expiredFreezes,
  freezesInForce,
  inForce,
  parseFreezes,
  renderFreezes,
  withFreeze,
  withoutExpiredFreezes,
  withoutFreezes,
} from "./freezes.js";
export type { Freeze, FreezesFile, FreezesProblem } from "./freezes.js";
export { breakGlassTrailers, canPinNow, describeFreeze, displayZone } from "./can-pin.js";
export type { PinGate, PinRefusal } from "./can-pin.js";
export { approvalTrailers, buildAuthorFor, decideApproval, renderTally, stillMayApprove, tallyApprovals } from "./approvals.js";
export type { Approval, ApprovalDecision, ApprovalTally, ApprovedBuild, IgnoredWhy } from "./approvals.js";
export { dueActions, shownAt } from "./due-actions.js";
export type { DueAction, Shown, SweepInput, SweepPlan, SweepProposal } from "./due-actions.js";
export { FREEZE_USAGE, parseFreezeCommand, parseThawCommand } from "./freeze-command.js";
export type { FreezeCommand, ThawCommand } from "./freeze-command.js";
