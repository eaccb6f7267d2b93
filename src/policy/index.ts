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
  withoutFreezes,
} from "./freezes.js";
export type { Freeze, FreezesFile, FreezesProblem } from "./freezes.js";
