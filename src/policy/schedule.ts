import { DateTime } from "luxon";
import type { Zone } from "luxon";
import { DAY_MS, DAYS, MINUTE_MS } from "../config/index.js";
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
  // One conversion per zone, however many windows share it.
  const local = new Map<string, DateTime>();
  return schedule.windows.some((window) => {
    const time = local.get(window.zone) ?? DateTime.fromMillis(instant, { zone: window.zone });
    local.set(window.zone, time);
    return inWindow(window, time);
  });
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
 * The first instant after `now` whose answer differs from `current`, within
 * `horizonDays`. Walks the calendar a day at a time from `now`; a walk that
 * meets a blackout while closed jumps to the blackout's end (closed
 * throughout, nothing there can change the answer) and walks on from there,
 * so a long blackout costs one jump, not a walk through its days.
 */
function nextChange(schedule: Schedule, now: number, current: boolean, horizonDays: number): number | undefined {
  const zones = [...new Set([...schedule.windows.map((window) => window.zone), ...(schedule.blackoutZone === undefined ? [] : [schedule.blackoutZone])])];
  if (zones.length === 0) return undefined;
  const limit = now + (horizonDays + 1) * DAY_MS;
  let after = now;
  while (after < limit) {
    const walked = walkDays(schedule, zones, after, current, limit);
    if (walked.kind !== "blackout") return walked.instant;
    // Resume just before the blackout's end, so its end (a midnight in the blackout zone) is the first candidate.
    after = walked.endsAt - 1;
  }
  return undefined;
}

type Walked = { readonly kind: "change"; readonly instant: number | undefined } | { readonly kind: "blackout"; readonly endsAt: number };

/**
 * One walk from `after`: the first instant after it whose answer differs from
 * `current` (undefined past `limit`), or, when closed, the end of the first
 * blackout met. Candidates are checked only once every zone's calendar has
 * passed them (zones are less than a day apart, so a later day in one zone
 * never hides an earlier instant).
 */
function walkDays(schedule: Schedule, zones: readonly string[], after: number, current: boolean, limit: number): Walked {
  let days = zones.map((zone) => DateTime.fromMillis(after, { zone }).startOf("day").minus({ days: 1 }).startOf("day"));
  let pending: number[] = [];
  for (let covered = -Infinity; covered <= limit; ) {
    const nextDays = days.map((day) => day.plus({ days: 1 }).startOf("day"));
    for (const [index, day] of days.entries()) pending.push(...candidatesOn(schedule, zones[index] as string, day, nextDays[index] as DateTime));
    // Every instant before the next day starts in every zone has had its candidates.
    covered = Math.min(...nextDays.map((day) => day.toMillis()));
    pending.sort((a, b) => a - b);
    const ready = pending.filter((instant) => instant < covered);
    pending = pending.filter((instant) => instant >= covered);
    for (const instant of ready) {
      if (instant <= after || instant > limit) continue;
      const blackoutEnd = current ? undefined : blackoutEndAt(schedule, instant);
      if (blackoutEnd !== undefined) return { kind: "blackout", endsAt: blackoutEnd };
      if (isOpen(schedule, instant) !== current) return { kind: "change", instant };
    }
    days = nextDays;
  }
  return { kind: "change", instant: undefined };
}

/** The first instant after the blackouts covering `instant`'s date (the midnight after the latest last day), if any cover it. */
function blackoutEndAt(schedule: Schedule, instant: number): number | undefined {
  if (schedule.blackouts.length === 0 || schedule.blackoutZone === undefined) return undefined;
  const local = DateTime.fromMillis(instant, { zone: schedule.blackoutZone });
  const date = local.toISODate() ?? "";
  let last: string | undefined;
  for (const blackout of schedule.blackouts) {
    if (blackout.first <= date && date <= blackout.last && (last === undefined || blackout.last > last)) last = blackout.last;
  }
  if (last === undefined) return undefined;
  return DateTime.fromISO(last, { zone: schedule.blackoutZone }).plus({ days: 1 }).startOf("day").toMillis();
}

/** The instants on one local day where the answer may change: midnight, a daylight-saving jump, and each window's `from` and `to`. */
function candidatesOn(schedule: Schedule, zoneName: string, day: DateTime, nextDay: DateTime): number[] {
  const zone = day.zone;
  const start = day.toMillis();
  const end = nextDay.toMillis();
  const offsets = day.offset === nextDay.offset ? [day.offset] : [day.offset, nextDay.offset];
  const instants = [start];
  if (offsets.length > 1) instants.push(offsetChange(zone, start, end, nextDay.offset));
  for (const window of schedule.windows) {
    if (window.zone !== zoneName) continue;
    for (const minutes of [window.from, window.to]) {
      // "24:00" is the next day's midnight, a candidate already.
      if (minutes >= 1440) continue;
      const wall = Date.UTC(day.year, day.month - 1, day.day, Math.floor(minutes / 60), minutes % 60);
      // The wall time is shown at `wall - offset` exactly when the zone uses that offset then: none in a skipped hour, two in a repeated one.
      for (const offset of offsets) {
        const instant = wall - offset * MINUTE_MS;
        if (zone.offset(instant) === offset) instants.push(instant);
      }
    }
  }
  return instants;
}

/** The instant the zone's offset becomes `after`, between two midnights (found to the minute by bisection). */
function offsetChange(zone: Zone, start: number, end: number, after: number): number {
  let low = Math.ceil(start / MINUTE_MS);
  let high = Math.floor(end / MINUTE_MS);
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (zone.offset(middle * MINUTE_MS) === after) high = middle;
    else low = middle + 1;
  }
  return low * MINUTE_MS;
}

function inWindow(window: ScheduleWindow, local: DateTime): boolean {
  if (!window.days.includes(DAYS[local.weekday - 1] as Day)) return false;
  const sinceMidnight = ((local.hour * 60 + local.minute) * 60 + local.second) * 1000 + local.millisecond;
  return sinceMidnight >= window.from * MINUTE_MS && sinceMidnight < window.to * MINUTE_MS;
}
