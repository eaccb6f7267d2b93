import { freezesInForce } from "./freezes.js";
import type { Freeze, FreezesFile } from "./freezes.js";
import type { ReleasePolicy } from "./release-policy.js";
import { renderInstant, renderOpening, renderUntil } from "./render-time.js";
import { isOpen, scheduleState } from "./schedule.js";
import type { Blackout } from "./schedule.js";

/**
 * Whether a pin may land now. A refusal carries what a person needs: the
 * reason, when Pin opens again (`pinnableAt`, undefined when nothing ends
 * it by itself) and a plain-text message (no mentions or markup, so any
 * channel can show it once escaped). Every refusal may be overridden by an
 * approver who confirms with a reason (break-glass, see
 * `breakGlassTrailers`). Unpin is never gated: rolling back is always allowed.
 */
export type PinGate =
  | {
      readonly allowed: true;
      /** When the current window closes; undefined without windows. */
      readonly closesAt: number | undefined;
    }
  | {
      readonly allowed: false;
      readonly reason: "frozen";
      /** The freeze in force that ends last (one without an end wins). */
      readonly freeze: Freeze;
      readonly pinnableAt: number | undefined;
      readonly message: string;
    }
  | { readonly allowed: false; readonly reason: "freezes-unreadable"; readonly pinnableAt: undefined; readonly message: string }
  | {
      readonly allowed: false;
      readonly reason: "outside-window" | "blackout";
      readonly blackout: Blackout | undefined;
      readonly pinnableAt: number | undefined;
      readonly message: string;
    };

export type PinRefusal = Exclude<PinGate, { allowed: true }>;

/**
 * Decides whether `policy`'s environment may be pinned at `now` (ms since the
 * epoch), given the freezes file of its branch. A freeze is checked before
 * the windows: it is a person's explicit "not now".
 */
export function canPinNow(policy: ReleasePolicy, now: number, freezes: FreezesFile): PinGate {
  const zone = displayZone(policy);
  const inForce = freezesInForce(freezes, policy.environment, now);
  if (inForce === "unreadable") {
    const reason = freezes.ok ? "" : `: ${freezes.reason}`;
    return {
      allowed: false,
      reason: "freezes-unreadable",
      pinnableAt: undefined,
      message: `${policy.environment} is treated as frozen because its freezes file cannot be read${reason}. Fix or delete the file to pin.`,
    };
  }
  const freeze = lastEnding(inForce);
  if (freeze !== undefined) {
    const until = freeze.until === undefined ? undefined : Date.parse(freeze.until);
    const pinnableAt = until === undefined ? undefined : nextOpenAt(policy, until);
    const end = until === undefined ? "until someone thaws it" : renderUntil(until, zone, now);
    const later = pinnableAt !== undefined && until !== undefined && pinnableAt > until ? `; then the window ${renderOpening(pinnableAt, zone, now)}` : "";
    return { allowed: false, reason: "frozen", freeze, pinnableAt, message: `${policy.environment} is frozen by ${freeze.by} ${end}${later}: ${freeze.reason}` };
  }
  if (policy.schedule === undefined) return { allowed: true, closesAt: undefined };
  const state = scheduleState(policy.schedule, now);
  if (state.open) return { allowed: true, closesAt: state.closesAt };
  const opening = state.opensAt === undefined ? "no window opens in the coming two years" : `the next window ${renderOpening(state.opensAt, zone, now)}`;
  if (state.blackout !== undefined) {
    return { allowed: false, reason: "blackout", blackout: state.blackout, pinnableAt: state.opensAt, message: `${policy.environment} has a blackout (${state.blackout.written}): ${opening}` };
  }
  return { allowed: false, reason: "outside-window", blackout: undefined, pinnableAt: state.opensAt, message: `${policy.environment} is outside its deploy windows: ${opening}` };
}

/** The zone instants of this environment are shown in: its blackout zone, else its first window's, else UTC. */
export function displayZone(policy: Pick<ReleasePolicy, "schedule">): string {
  return policy.schedule?.blackoutZone ?? policy.schedule?.windows[0]?.zone ?? "UTC";
}

/**
 * The commit trailers that record a break-glass pin in the merge commit:
 * who overrode which refusal, and why. Newlines in the reason are folded so
 * it stays one trailer.
 */
export function breakGlassTrailers(refusal: PinRefusal, by: string, reason: string, now: number): string[] {
  const trailer = refusal.reason === "frozen" || refusal.reason === "freezes-unreadable" ? "Pinned-during-freeze-by" : "Pinned-outside-window-by";
  return [`${trailer}: ${oneLine(by)}`, `Break-glass-reason: ${oneLine(reason)}`, `Break-glass-at: ${new Date(now).toISOString()}`];
}

/** "frozen by U012ABCDEF since Fri 27 Nov 09:00 CET until Mon 09:00 CET: Black Friday" — for /bender status. */
export function describeFreeze(freeze: Freeze, zone: string, now: number): string {
  const since = `since ${renderInstant(Date.parse(freeze.since), zone, now)}`;
  const until = freeze.until === undefined ? "until someone thaws it" : `until ${renderInstant(Date.parse(freeze.until), zone, now)}`;
  return `frozen by ${freeze.by} ${since} ${until}: ${freeze.reason}`;
}

function nextOpenAt(policy: ReleasePolicy, instant: number): number | undefined {
  if (policy.schedule === undefined || isOpen(policy.schedule, instant)) return instant;
  const state = scheduleState(policy.schedule, instant);
  return state.open ? instant : state.opensAt;
}

function lastEnding(freezes: readonly Freeze[]): Freeze | undefined {
  let last: Freeze | undefined;
  for (const freeze of freezes) {
    if (last === undefined || freeze.until === undefined) last = freeze;
    else if (last.until !== undefined && Date.parse(freeze.until) > Date.parse(last.until)) last = freeze;
    if (last.until === undefined) break;
  }
  return last;
}

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters would end or forge a trailer
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
}
