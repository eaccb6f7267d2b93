import { trailerPerson } from "../proposals/trailers.js";
import type { types } from "@slack/bolt";
import type { BenderConfig } from "../config/schema.js";
import { FREEZES_PATH, breakGlassTrailers, canPinNow, describeFreeze, displayZone, freezesInForce, parseFreezes, releasePolicyFor, renderInstant, renderOpening, scheduleState } from "../policy/index.js";
import type { PinGate, PinRefusal } from "../policy/index.js";
import { escapeMrkdwn, inert, isSlackUserId } from "./blocks/mrkdwn.js";
import { breakGlassButton, withButtons } from "./blocks/policy-buttons.js";
import type { ButtonValue } from "./model.js";

/**
 * Whether Pin may land in `environment` now, from the config and the freezes
 * file read with the PR (src/policy decides; this only gathers its inputs).
 * An environment the config no longer has is left to the click's own checks.
 */
export function pinGate(config: BenderConfig, environment: string, now: Date, freezesText: string | undefined): PinGate {
  const policy = releasePolicyFor(config, environment);
  if (policy === undefined) return { allowed: true, closesAt: undefined };
  return canPinNow(policy, now.getTime(), parseFreezes(freezesText));
}

/**
 * A policy message (plain text) as Slack mrkdwn: escaped, with the person
 * who froze (a Slack user ID in the freezes file) shown as a mention.
 */
export function policyText(message: string, by?: string): string {
  const escaped = escapeMrkdwn(message);
  if (by === undefined || !isSlackUserId(by)) return escaped;
  return escaped.replace(` by ${by} `, ` by <@${by}> `);
}

/** The reply to a Pin the release policy refuses. */
export function pinRefusedText(gate: PinRefusal): string {
  const text = policyText(gate.message, gate.reason === "frozen" ? gate.freeze.by : undefined);
  return `Not pinned: ${text.replace(/\.$/, "")}. Nothing changed; Unpin stays allowed.`;
}

/**
 * What `/bender status` says of an environment's release policy: each
 * freeze in force (or that the freezes file cannot be read), and whether its
 * deploy window is open now and until when, or when it opens next.
 */
export function releasePolicyLines(config: BenderConfig, environment: string, now: number, freezesText: string | undefined): string[] {
  const policy = releasePolicyFor(config, environment);
  if (policy === undefined) return [];
  const lines: string[] = [];
  const file = parseFreezes(freezesText);
  const zone = displayZone(policy);
  const inForce = freezesInForce(file, environment, now);
  if (inForce === "unreadable") lines.push(`• ${FREEZES_PATH} cannot be read (${escapeMrkdwn(file.ok ? "" : file.reason)}): Pin is refused and automatic pins wait`);
  else for (const freeze of inForce) lines.push(`• ${policyText(describeFreeze(freeze, zone, now), freeze.by)}`);
  if (policy.schedule !== undefined) {
    const state = scheduleState(policy.schedule, now);
    if (state.open) lines.push(`• deploy window: open${state.closesAt === undefined ? "" : ` until ${escapeMrkdwn(renderInstant(state.closesAt, zone, now))}`}`);
    else {
      const why = state.blackout === undefined ? "closed" : `blackout (${escapeMrkdwn(state.blackout.written)})`;
      lines.push(`• deploy window: ${why}; ${state.opensAt === undefined ? "no window opens in the coming two years" : `the next ${escapeMrkdwn(renderOpening(state.opensAt, zone, now))}`}`);
    }
  }
  return lines;
}

/** What an approver who breaks the glass gives: why the pin cannot wait (src/slack/break-glass.ts asks for it). */
export interface PinOverride {
  readonly reason: string;
}

/**
 * Whether a break-glass pin overrides this refusal, and the merge commit's
 * trailers when it does. A freezes file that cannot be read is not broken
 * through: nobody can tell which freeze is being overridden or whose, and
 * fixing the file is one commit, as quick as breaking the glass.
 */
export function breakGlass(refusal: PinRefusal, user: string, override: PinOverride | undefined, now: Date): string[] | undefined {
  if (override === undefined || !canBreakGlass(refusal)) return undefined;
  return breakGlassTrailers(refusal, trailerPerson(user), override.reason, now.getTime());
}

/** The gate's answer to one Pin: it passes (with the break-glass record where an approver overrode a refusal), or it refuses. */
export type PinGatePass =
  | { readonly pass: true; readonly trailers: readonly string[]; readonly brokeGlass: string | undefined }
  | { readonly pass: false; readonly refusal: PinRefusal };

/**
 * Pin's gate step: the release policy from the config and the freezes file
 * read with the PR, overridden only by a break-glass pin (`override`) that
 * `breakGlass` accepts; then the merge commit's trailers and the thread's
 * line record who broke the glass, what they overrode and why.
 */
export function gateForPin(config: BenderConfig, environment: string, now: Date, freezesText: string | undefined, user: string, override: PinOverride | undefined): PinGatePass {
  const gate = pinGate(config, environment, now, freezesText);
  if (gate.allowed) return { pass: true, trailers: [], brokeGlass: undefined };
  const trailers = breakGlass(gate, user, override, now);
  if (trailers === undefined || override === undefined) return { pass: false, refusal: gate };
  return { pass: true, trailers, brokeGlass: brokeGlassLine(user, gate, override.reason) };
}

function canBreakGlass(refusal: PinRefusal): boolean {
  return refusal.reason !== "freezes-unreadable";
}

/** The reply to a Pin the release policy refuses; where the glass can be broken, with the "Pin anyway…" button. */
export function pinRefusedReply(refusal: PinRefusal, value: ButtonValue, ts: string): { text: string; blocks?: types.KnownBlock[] } {
  const text = pinRefusedText(refusal);
  if (!canBreakGlass(refusal)) return { text };
  return withButtons(`${text} An approver who must pin now can break the glass, with a reason that is recorded:`, [breakGlassButton(value, ts)]);
}

/** The thread's record of a break-glass pin: who, which refusal they overrode, and why. */
export function brokeGlassLine(user: string, refusal: PinRefusal, reason: string): string {
  const overrode = policyText(refusal.message, refusal.reason === "frozen" ? refusal.freeze.by : undefined).replace(/\.$/, "");
  return `:rotating_light: <@${user}> broke the glass: pinned although ${overrode}. Reason: ${inert(reason, 500)}`;
}
