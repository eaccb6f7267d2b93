import type { types } from "@slack/bolt";
import { z } from "zod";
import { ACTION_BREAK_GLASS, ACTION_THAW } from "../model.js";
import type { ButtonValue } from "../model.js";
import { buttonValueSchema, decodeWith, encodeWith } from "./button-value.js";
import { SLACK_LIMITS } from "./limits.js";
import { clampMrkdwn } from "./mrkdwn.js";

/**
 * The release policy's buttons: Thaw on a freeze's announcement, "Pin
 * anyway…" on Pin's refusal. Their values come back in payloads anyone in
 * the workspace can forge, so they are validated on the way back in, like
 * Pin's (button-value.ts), and every field is bounded.
 */

/** A Thaw button names the freeze it was drawn for: the repository's file, the environment, when it started. */
const thawValueSchema = buttonValueSchema.pick({ v: true, repository: true, environment: true }).extend({
  since: z.iso.datetime({ offset: true, error: "expected the freeze's start time" }),
});
export type ThawValue = z.infer<typeof thawValueSchema>;

/** "Pin anyway…" carries Pin's own value and the proposal message's timestamp (it sits in an ephemeral reply). */
const breakGlassValueSchema = buttonValueSchema.extend({ ts: z.string().regex(/^\d{1,12}\.\d{1,8}$/, { error: "expected a Slack message timestamp" }) });
export type BreakGlassValue = z.infer<typeof breakGlassValueSchema>;

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export function encodeThawValue(value: ThawValue): string {
  return encodeWith(thawValueSchema, value);
}

export function decodeThawValue(raw: unknown): Decoded<ThawValue> {
  return decodeWith(thawValueSchema, raw);
}

export function encodeBreakGlassValue(value: ButtonValue, ts: string): string {
  return encodeWith(breakGlassValueSchema, { ...value, ts });
}

export function decodeBreakGlassValue(raw: unknown): Decoded<BreakGlassValue> {
  return decodeWith(breakGlassValueSchema, raw);
}

/** Pin's own value, out of a break-glass value. */
export function pinValueOf({ v, repository, number, head, environment }: BreakGlassValue): ButtonValue {
  return { v, repository, number, head, environment };
}

/** An announcement or reply as text, with its buttons below; `text` is mrkdwn, clamped to a section's limit. */
export function withButtons(text: string, buttons: readonly types.Button[]): { text: string; blocks: types.KnownBlock[] } {
  const shown = clampMrkdwn(text, SLACK_LIMITS.sectionText);
  return {
    text: shown,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: shown } },
      { type: "actions", block_id: "bender_policy", elements: [...buttons] },
    ],
  };
}

export function thawButton(value: ThawValue): types.Button {
  return { type: "button", action_id: ACTION_THAW, text: { type: "plain_text", text: "Thaw" }, value: encodeThawValue(value) };
}

export function breakGlassButton(value: ButtonValue, ts: string): types.Button {
  return { type: "button", action_id: ACTION_BREAK_GLASS, text: { type: "plain_text", text: "Pin anyway…" }, style: "danger", value: encodeBreakGlassValue(value, ts) };
}
