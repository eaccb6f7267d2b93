import type { BenderConfig } from "../config/schema.js";
import { canPinNow, parseFreezes, releasePolicyFor } from "../policy/index.js";
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
