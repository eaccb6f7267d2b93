import type { BenderConfig } from "../config/schema.js";
import { FREEZES_PATH, canPinNow, describeFreeze, displayZone, freezesInForce, parseFreezes, releasePolicyFor, renderInstant, renderOpening, scheduleState } from "../policy/index.js";
import type { PinGate } from "../policy/index.js";
import { escapeMrkdwn, isSlackUserId } from "./blocks/mrkdwn.js";

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
export function pinRefusedText(gate: Exclude<PinGate, { allowed: true }>): string {
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
