import { DateTime } from "luxon";
import { DAYS, MINUTE_MS } from "../config/index.js";
import type { Day } from "../config/index.js";

/**
 * When an environment may be pinned, from its windows and blackouts. Every
 * question is answered from one rule, `isOpen(schedule, instant)`: the wall
 * clock in the window's zone reads a listed day, at or after `from` and
 * before `to`, on a date that is not a blackout. Next openings and closings
 * are the first instants after now where that rule changes its answer, found
 * among the only instants where it can change (the wall clock showing `from`
 * or `to`, midnight, a daylight-saving jump), so they stay right across
 * daylight-saving changes: a window whose opening falls into the skipped hour
 * opens when the clock jumps; a repeated hour is open both times the clock
 * shows it.
 */

export interface ScheduleWindow {
  readonly days: readonly Day[];
  /** Minutes after local midnight, inclusive. */
  readonly from: number;
  /** Minutes after local midnight, exclusive; 1440 is the end of the day. */
  readonly to: number;
  readonly zone: string;
}

export interface Blackout {
  /** As written in the config, for messages. */
  readonly written: string;
  readonly first: string;
  readonly last: string;
}

export interface Schedule {
  /** Empty: open at any time outside the blackouts. */
  readonly windows: readonly ScheduleWindow[];
  readonly blackouts: readonly Blackout[];
  /** The zone whose calendar the blackout dates follow; the config check guarantees one when there are blackouts. */
  readonly blackoutZone: string | undefined;
}

export type ScheduleState =
  | { readonly open: true; readonly closesAt: number | undefined }
  | {
      readonly open: false;
      /** Undefined when nothing opens within the horizon (blackouts chained past it). */
      readonly opensAt: number | undefined;
      /** The blackout in force now, if that is why it is closed. */
      readonly blackout: Blackout | undefined;
    };

/** How far ahead openings and closings are looked for: blackouts span at most 366 days each. */
export const SCHEDULE_HORIZON_DAYS = 800;

/** Whether a pin may land at `instant` (ms since the epoch). */
export function isOpen(schedule: Schedule, instant: number): boolean {
  if (blackoutAt(schedule, instant) !== undefined) return false;
  if (schedule.windows.length === 0) return true;
  return schedule.windows.some((window) => inWindow(window, instant));
}

/** The blackout covering `instant`'s date in the blackout zone, if any. */
export function blackoutAt(schedule: Schedule, instant: number): Blackout | undefined {
  if (schedule.blackouts.length === 0 || schedule.blackoutZone === undefined) return undefined;
  const date = DateTime.fromMillis(instant, { zone: schedule.blackoutZone }).toISODate() ?? "";
  return schedule.blackouts.find((blackout) => blackout.first <= date && date <= blackout.last);
}

/** Open or closed at `now`, and when that next changes. */
export function scheduleState(schedule: Schedule, now: number, horizonDays = SCHEDULE_HORIZON_DAYS): ScheduleState {
  const open = isOpen(schedule, now);
  const change = nextChange(schedule, now, open, horizonDays);
  if (open) return { open, closesAt: change };
  return { open, opensAt: change, blackout: blackoutAt(schedule, now) };
}

/**
 * The first instant after `now` whose answer differs from `current`. Walks
 * the calendar a day at a time in every zone involved, checking candidates
 * only once every zone's calendar has passed them (zones are less than a day
 * apart, so a later day in one zone never hides an earlier instant).
 */
function nextChange(schedule: Schedule, now: number, current: boolean, horizonDays: number): number | undefined {
  const zones = [...new Set([...schedule.windows.map((window) => window.zone), ...(schedule.blackoutZone === undefined ? [] : [schedule.blackoutZone])])];
  if (zones.length === 0) return undefined;
  const firstDays = zones.map((zone) => DateTime.fromMillis(now, { zone }).startOf("day"));
  let pending: number[] = [];
  for (let offset = -1; offset <= horizonDays; offset++) {
    for (const [index, zone] of zones.entries()) {
      const day = (firstDays[index] as DateTime).plus({ days: offset }).startOf("day");
      pending.push(...candidatesOn(schedule, zone, day));
    }
    // Every instant before the next day starts in every zone has had its candidates.
    const covered = Math.min(...firstDays.map((first) => first.plus({ days: offset + 1 }).startOf("day").toMillis()));
    pending.sort((a, b) => a - b);
    const ready = pending.filter((instant) => instant < covered);
    pending = pending.filter((instant) => instant >= covered);
    for (const instant of ready) {
      if (instant > now && isOpen(schedule, instant) !== current) return instant;
    }
  }
  return undefined;
}

/** The instants on one local day where the answer may change: midnight, daylight-saving jumps, and each window's `from` and `to`. */
function candidatesOn(schedule: Schedule, zone: string, day: DateTime): number[] {
  const instants = [day.toMillis(), ...offsetChanges(day)];
  for (const window of schedule.windows) {
    if (window.zone !== zone) continue;
    instants.push(...wallClockInstants(day, window.from), ...wallClockInstants(day, window.to));
  }
  return instants;
}

/**
 * The instants when the wall clock shows `minutes` on `day`: none in a
 * skipped hour, two in a repeated one. Tried with each offset the zone uses
 * that day, keeping those that read back as the same wall time.
 */
function wallClockInstants(day: DateTime, minutes: number): number[] {
  const date = day.plus({ days: Math.floor(minutes / 1440) });
  const minute = minutes % 1440;
  const wall = Date.UTC(date.year, date.month - 1, date.day, Math.floor(minute / 60), minute % 60);
  const offsets = new Set([date.startOf("day").offset, date.endOf("day").offset]);
  const instants: number[] = [];
  for (const offset of offsets) {
    const instant = wall - offset * MINUTE_MS;
    const back = DateTime.fromMillis(instant, { zone: date.zone });
    if (back.hasSame(date, "day") && back.hour * 60 + back.minute === minute) instants.push(instant);
  }
  return instants;
}

/** The instant the zone's offset changes on `day`, if it does (found to the minute by bisection). */
function offsetChanges(day: DateTime): number[] {
  const end = day.endOf("day");
  if (day.offset === end.offset) return [];
  let low = Math.ceil(day.toMillis() / MINUTE_MS);
  let high = Math.floor(end.toMillis() / MINUTE_MS);
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (DateTime.fromMillis(middle * MINUTE_MS, { zone: day.zone }).offset === end.offset) high = middle;
    else low = middle + 1;
  }
  return [low * MINUTE_MS];
}

function inWindow(window: ScheduleWindow, instant: number): boolean {
  const local = DateTime.fromMillis(instant, { zone: window.zone });
  if (!window.days.includes(DAYS[local.weekday - 1] as Day)) return false;
  const sinceMidnight = ((local.hour * 60 + local.minute) * 60 + local.second) * 1000 + local.millisecond;
  return sinceMidnight >= window.from * MINUTE_MS && sinceMidnight < window.to * MINUTE_MS;
}
